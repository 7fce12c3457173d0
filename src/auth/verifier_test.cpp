#include "auth/verifier.hpp"

#include <gtest/gtest.h>

#include "auth/signature.hpp"
#include "storage/store.hpp"

namespace opchat {
namespace {

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/verifier_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    auto store = OpenStore("sqlite:" + dir_ + "/v.db");
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->AddClient({"c1", "one", "s1", true, {"ch1"}, 0}).ok());
    ASSERT_TRUE(store_->AddClient({"off", "off", "s2", false, {"ch1"}, 0}).ok());
    registry_ = std::make_unique<ClientRegistry>(*store_);
    ASSERT_TRUE(registry_->Refresh().ok());
  }

  QueryParams Signed(QueryParams p, const std::string& body, const std::string& secret) {
    auto method = ParseSignMethod(FindParam(p, "signMethod"));
    p.emplace_back("sign", ComputeSignature(*method, CanonicalQuery(p), body, secret));
    return p;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ClientRegistry> registry_;
  ReplayGuard replay_;
};

TEST_F(VerifierTest, AcceptsMd5AndHmac) {
  RequestVerifier v(*registry_, replay_, {});
  auto ok = v.Verify(Signed({{"client", "c1"}, {"channel", "ch1"}}, "{}", "s1"), "{}", 1000);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->client_id, "c1");
  auto hmac = v.Verify(
      Signed({{"client", "c1"}, {"channel", "ch1"}, {"signMethod", "hmac-sha256"}}, "{}", "s1"),
      "{}", 1000);
  EXPECT_TRUE(hmac.ok());
}

TEST_F(VerifierTest, RefusesTamperedBodyUnknownClientAndMissingSign) {
  RequestVerifier v(*registry_, replay_, {});
  auto p = Signed({{"client", "c1"}, {"channel", "ch1"}}, "{}", "s1");
  EXPECT_EQ(v.Verify(p, "{ }", 0).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(v.Verify(Signed({{"client", "zz"}, {"channel", "ch1"}}, "{}", "s1"), "{}", 0)
                .status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(v.Verify({{"client", "c1"}, {"channel", "ch1"}}, "{}", 0).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, DisabledClientAndForeignChannelAreForbidden) {
  RequestVerifier v(*registry_, replay_, {});
  EXPECT_EQ(v.Verify(Signed({{"client", "off"}, {"channel", "ch1"}}, "", "s2"), "", 0)
                .status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(v.Verify(Signed({{"client", "c1"}, {"channel", "ch2"}}, "", "s1"), "", 0)
                .status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(VerifierTest, TimestampWindowAndNonceReplay) {
  RequestVerifier v(*registry_, replay_, {false, 300'000});
  const int64_t now = 1'700'000'000'000;
  auto fresh = Signed({{"client", "c1"}, {"channel", "ch1"}, {"timestamp", std::to_string(now)},
                       {"nonce", "n1"}},
                      "", "s1");
  EXPECT_TRUE(v.Verify(fresh, "", now + 1000).ok());
  EXPECT_EQ(v.Verify(fresh, "", now + 2000).status().code(), StatusCode::kUnauthenticated)
      << "a replayed nonce must be refused";
  auto stale = Signed({{"client", "c1"}, {"channel", "ch1"},
                       {"timestamp", std::to_string(now - 301'000)}, {"nonce", "n2"}},
                      "", "s1");
  EXPECT_EQ(v.Verify(stale, "", now).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, RequireTimestampRefusesUnstampedRequests) {
  RequestVerifier v(*registry_, replay_, {true, 300'000});
  EXPECT_EQ(v.Verify(Signed({{"client", "c1"}, {"channel", "ch1"}}, "", "s1"), "", 0)
                .status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, BothSecretsWorkWhileRotating) {
  ASSERT_TRUE(store_->RotateClientSecret("c1", std::string("s1-new")).ok());
  ASSERT_TRUE(registry_->Refresh().ok());
  RequestVerifier v(*registry_, replay_, {});
  EXPECT_TRUE(v.Verify(Signed({{"client", "c1"}, {"channel", "ch1"}}, "", "s1"), "", 0).ok());
  EXPECT_TRUE(v.Verify(Signed({{"client", "c1"}, {"channel", "ch1"}}, "", "s1-new"), "", 0).ok());
  ASSERT_TRUE(store_->RotateClientSecret("c1", std::nullopt).ok());
  ASSERT_TRUE(registry_->Refresh().ok());
  EXPECT_EQ(v.Verify(Signed({{"client", "c1"}, {"channel", "ch1"}}, "", "s1"), "", 0).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_TRUE(v.Verify(Signed({{"client", "c1"}, {"channel", "ch1"}}, "", "s1-new"), "", 0).ok());
}

TEST(ReplayGuardTest, ForgetsExpiredAndStaysBounded) {
  ReplayGuard guard(3);
  EXPECT_TRUE(guard.CheckAndRemember("c", "a", 0, 100));
  EXPECT_FALSE(guard.CheckAndRemember("c", "a", 50, 150));
  EXPECT_TRUE(guard.CheckAndRemember("c", "a", 101, 200)) << "expired entries are forgotten";
  EXPECT_TRUE(guard.CheckAndRemember("d", "a", 101, 200)) << "nonces are per client";
  EXPECT_TRUE(guard.CheckAndRemember("c", "b", 101, 300));
  EXPECT_TRUE(guard.CheckAndRemember("c", "c", 101, 400));
  EXPECT_LE(guard.size(), 3u);
}

}  // namespace
}  // namespace opchat
