#include "auth/secret_box.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/crypto.hpp"

namespace opchat {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

std::unique_ptr<SecretBox> Box(std::string_view key_hex) {
  auto box = SecretBox::FromKey(Unhex(key_hex));
  EXPECT_TRUE(box.ok());
  return std::move(*box);
}

const std::string kKey = "8d2c5a3e9f1b7c6d4e0a2b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e";

TEST(SecretBoxTest, SealedSecretsOpenToTheSameTextUnderFreshNonces) {
  auto box = Box(kKey);
  std::string a = box->Seal("f3a9c0d2e4b6a8c0d2e4f6a8b0c2d4e6");
  std::string b = box->Seal("f3a9c0d2e4b6a8c0d2e4f6a8b0c2d4e6");
  EXPECT_TRUE(IsSealedSecret(a));
  EXPECT_EQ(a.rfind("enc:v1:", 0), 0u);
  EXPECT_NE(a, b) << "a random nonce per secret";
  EXPECT_EQ(a.find("f3a9c0d2"), std::string::npos);
  EXPECT_EQ(*box->Open(a), "f3a9c0d2e4b6a8c0d2e4f6a8b0c2d4e6");
  EXPECT_EQ(*box->Open(b), "f3a9c0d2e4b6a8c0d2e4f6a8b0c2d4e6");
  EXPECT_EQ(*box->Open(box->Seal("")), "");
}

TEST(SecretBoxTest, PlaintextSecretsPassThrough) {
  auto box = Box(kKey);
  EXPECT_FALSE(IsSealedSecret("s3cret"));
  EXPECT_EQ(*box->Open("s3cret"), "s3cret");
  EXPECT_EQ(*OpenClientSecret(nullptr, "c1", "s3cret"), "s3cret");
}

// Every bit of nonce, ciphertext and tag is covered by the GCM tag.
TEST(SecretBoxTest, AnAlteredSealedSecretIsRefused) {
  auto box = Box(kKey);
  std::string sealed = box->Seal("the-secret");
  std::string raw = sealed.substr(7);
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string tampered = raw;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    auto opened = box->Open("enc:v1:" + tampered);
    // A change in the last character may only touch base64 padding bits; it must never open
    // to something else.
    if (opened.ok()) {
      EXPECT_EQ(*opened, "the-secret") << i;
    } else {
      EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(box->Open("enc:v1:" + raw.substr(0, raw.size() - 4)).ok()) << "truncated";
  EXPECT_FALSE(box->Open("enc:v1:").ok());
  EXPECT_FALSE(box->Open("enc:v1:not base64!").ok());
  auto other = Box("00" + kKey.substr(2));
  EXPECT_FALSE(other->Open(sealed).ok()) << "another key";
}

// Known answers from the GCM specification (McGrew & Viega, test cases 13-15; the AES-256
// vectors of NIST SP 800-38D's validation), framed as enc:v1:base64(IV || C || T).
TEST(SecretBoxTest, OpensTheSpecificationsTestVectors) {
  struct Vector {
    const char* key;
    const char* iv;
    const char* plain;
    const char* cipher;
    const char* tag;
  };
  const std::string zero_key(64, '0');
  const Vector vectors[] = {
      {zero_key.c_str(), "000000000000000000000000", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
      {zero_key.c_str(), "000000000000000000000000", "00000000000000000000000000000000",
       "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
      {"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
       "cafebabefacedbaddecaf888",
       "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
       "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
       "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
       "b094dac5d93471bdec1a502270e3cc6c"},
  };
  for (const auto& v : vectors) {
    auto box = Box(v.key);
    std::string framed = Unhex(std::string(v.iv) + v.cipher + v.tag);
    // Standard base64 (RFC 4648 §4) written out by hand: UrlSafeBase64 differs in two letters.
    std::string b64 = UrlSafeBase64(framed);
    for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
    auto opened = box->Open("enc:v1:" + b64);
    ASSERT_TRUE(opened.ok()) << v.cipher << ": " << opened.status().message();
    EXPECT_EQ(*opened, Unhex(v.plain));
  }
}

TEST(SecretBoxTest, ASealedSecretWithoutAKeyIsAClearError) {
  auto box = Box(kKey);
  auto opened = OpenClientSecret(nullptr, "c1", box->Seal("x"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("secrets_key_file"), std::string::npos);
  EXPECT_NE(opened.status().message().find("c1"), std::string::npos);
}

TEST(SecretBoxTest, KeyFilesMustBeHexAndOwnerOnly) {
  std::string dir = std::filesystem::temp_directory_path() / ("opchat-key-" + RandomHex(4));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text, mode_t mode) {
    std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  };
  auto good = SecretBox::FromKeyFile(write("good", kKey + "\n", 0600));
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_EQ(*(*good)->Open((*good)->Seal("s")), "s");
  auto open_to_all = SecretBox::FromKeyFile(write("wide", kKey + "\n", 0644));
  ASSERT_FALSE(open_to_all.ok());
  EXPECT_NE(open_to_all.status().message().find("chmod 600"), std::string::npos);
  EXPECT_FALSE(SecretBox::FromKeyFile(write("short", kKey.substr(2), 0600)).ok());
  EXPECT_FALSE(SecretBox::FromKeyFile(write("nothex", std::string(64, 'z'), 0600)).ok());
  EXPECT_FALSE(SecretBox::FromKeyFile(dir + "/missing").ok());
  EXPECT_EQ(LoadSecretBox("").ok(), true);
  EXPECT_EQ(LoadSecretBox("")->get(), nullptr);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace opchat
