#include "auth/password_hash.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace opchat {
namespace {

TEST(PasswordHashTest, AHashVerifiesItsPasswordAndNoOther) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok()) << hash.status().message();
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horsE"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordHashTest, EachHashHasItsOwnSalt) {
  auto a = HashPassword("same password");
  auto b = HashPassword("same password");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword(*b, "same password"));
}

TEST(PasswordHashTest, AMalformedHashVerifiesNothing) {
  EXPECT_FALSE(VerifyPassword("", "password"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$nonsense", "password"));
  EXPECT_FALSE(VerifyPassword(std::string(500, 'x'), "password"));
}

TEST(PasswordHashTest, NonAsciiPasswordsHashAndCountByCharacter) {
  auto hash = HashPassword("密码是八个汉字呀");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword(*hash, "密码是八个汉字呀"));
  EXPECT_TRUE(CheckPasswordPolicy("密码是八个汉字呀").ok());  // 8 characters, 24 bytes
  EXPECT_FALSE(CheckPasswordPolicy("七个汉字的密码").ok());   // 7 characters, 21 bytes
}

TEST(PasswordHashTest, PolicyRefusesShortLongAndControlCharacters) {
  EXPECT_TRUE(CheckPasswordPolicy("12345678").ok());
  EXPECT_EQ(CheckPasswordPolicy("1234567").message(), "password: at least 8 characters");
  EXPECT_FALSE(CheckPasswordPolicy("").ok());
  EXPECT_FALSE(CheckPasswordPolicy(std::string(kMaxPasswordBytes + 1, 'a')).ok());
  EXPECT_TRUE(CheckPasswordPolicy(std::string(kMaxPasswordBytes, 'a')).ok());
  EXPECT_FALSE(CheckPasswordPolicy("tab\there12").ok());
  EXPECT_FALSE(CheckPasswordPolicy("\xff\xfe invalid utf8").ok());
}

// More callers than slots: they wait their turn, and every one is answered.
TEST(PasswordHashTest, ConcurrentCallersAllFinish) {
  auto hash = HashPassword("parallel password");
  ASSERT_TRUE(hash.ok());
  std::vector<std::thread> threads;
  std::vector<int> verified(kMaxConcurrentHashes * 2, 0);
  for (size_t i = 0; i < verified.size(); ++i) {
    threads.emplace_back([&, i] { verified[i] = VerifyPassword(*hash, "parallel password"); });
  }
  for (std::thread& t : threads) t.join();
  for (int v : verified) EXPECT_EQ(v, 1);
}

}  // namespace
}  // namespace opchat
