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

}  // namespace
}  // namespace opchat
