#include <gtest/gtest.h>

#include "storage/store.hpp"

namespace opchat {
namespace {

TEST(OpenStoreTest, RedactsPasswordsFromStorageUrls) {
  EXPECT_EQ(RedactStorageUrl("postgresql://app:s3cret@db.example.com:5432/opchat"),
            "postgresql://app:***@db.example.com:5432/opchat");
  EXPECT_EQ(RedactStorageUrl("postgres://db/opchat?user=app&password=s3cret&sslmode=require"),
            "postgres://db/opchat?user=app&password=***&sslmode=require");
  EXPECT_EQ(RedactStorageUrl("postgres://app@db/opchat"), "postgres://app@db/opchat");
  EXPECT_EQ(RedactStorageUrl("sqlite:./data/opchat.db"), "sqlite:./data/opchat.db");
}

TEST(OpenStoreTest, RefusesUnknownSchemes) {
  EXPECT_EQ(OpenStore("mysql://x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenStore("sqlite:").status().code(), StatusCode::kInvalidArgument);
}

TEST(OpenStoreTest, RedactsPasswordsWrittenWithUnencodedSeparators) {
  EXPECT_EQ(RedactStorageUrl("postgresql://app:pa@ss/wd@db/opchat"),
            "postgresql://app:***@db/opchat");
}

// A malformed URL used to come back as libpq's parse message, which quotes the password.
TEST(OpenStoreTest, ErrorsForBadPostgresUrlsNeverCarryThePassword) {
  for (const char* url :
       {"postgresql://u:Hunter2%zz@127.0.0.1:1/x", "postgres://u@127.0.0.1:1/x?password=Hunter2%zz",
        "postgresql://u:Hunter2/x@127.0.0.1:1/db", "postgresql://u:Hunter2@127.0.0.1:1/x?bogus=1",
        "postgresql://u:Hunter2@[::1/x", "mysql://u:Hunter2@127.0.0.1/x"}) {
    auto store = OpenStore(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.status().message().find("Hunter2"), std::string::npos)
        << url << " -> " << store.status().message();
  }
}

}  // namespace
}  // namespace opchat
