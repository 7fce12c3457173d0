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

  QueryParams Signed(QueryParams p, const std::string& body, const std::string& secret,
                     SignedTarget target = kRead) {
    auto method = ParseSignMethod(FindParam(p, "signMethod"));
    p.emplace_back("sign", ComputeSignature(*method, target, CanonicalQuery(p), body, secret));
    return p;
  }

  static constexpr SignedTarget kRead = {"POST", "/op/v2/chatInfo"};
  static constexpr SignedTarget kWrite = {"POST", "/op/v2/deleteChat"};

  // A read of chatInfo, as the API layer would hand it over.
  static Result<Caller> Read(const RequestVerifier& v, const QueryParams& p, std::string_view body,
                             int64_t now_ms) {
    return v.Verify(SignedRequest{p, kRead, body, false}, now_ms);
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ClientRegistry> registry_;
  ReplayGuard replay_;
};

TEST_F(VerifierTest, AcceptsMd5AndHmac) {
  RequestVerifier v(*registry_, replay_, {});
  auto ok = Read(v, Signed({{"client", "c1"}, {"channel", "ch1"}}, "{}", "s1"), "{}", 1000);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->client_id, "c1");
  auto hmac = Read(
      v, Signed({{"client", "c1"}, {"channel", "ch1"}, {"signMethod", "hmac-sha256"}}, "{}", "s1"),
      "{}", 1000);
  EXPECT_TRUE(hmac.ok());
}

TEST_F(VerifierTest, RefusesTamperedBodyUnknownClientAndMissingSign) {
  RequestVerifier v(*registry_, replay_, {});
  auto p = Signed({{"client", "c1"}, {"channel", "ch1"}}, "{}", "s1");
  EXPECT_EQ(Read(v, p, "{ }", 0).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(
      Read(v, Signed({{"client", "zz"}, {"channel", "ch1"}}, "{}", "s1"), "{}", 0).status().code(),
      StatusCode::kUnauthenticated);
  EXPECT_EQ(Read(v, {{"client", "c1"}, {"channel", "ch1"}}, "{}", 0).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, DisabledClientAndForeignChannelAreForbidden) {
  RequestVerifier v(*registry_, replay_, {});
  EXPECT_EQ(
      Read(v, Signed({{"client", "off"}, {"channel", "ch1"}}, "", "s2"), "", 0).status().code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(
      Read(v, Signed({{"client", "c1"}, {"channel", "ch2"}}, "", "s1"), "", 0).status().code(),
      StatusCode::kPermissionDenied);
}

TEST_F(VerifierTest, TimestampWindowAndNonceReplay) {
  RequestVerifier v(*registry_, replay_, {false, 300'000});
  const int64_t now = 1'700'000'000'000;
  auto fresh = Signed(
      {{"client", "c1"}, {"channel", "ch1"}, {"timestamp", std::to_string(now)}, {"nonce", "n1"}},
      "", "s1");
  EXPECT_TRUE(Read(v, fresh, "", now + 1000).ok());
  EXPECT_EQ(Read(v, fresh, "", now + 2000).status().code(), StatusCode::kUnauthenticated)
      << "a replayed nonce must be refused";
  auto stale = Signed({{"client", "c1"},
                       {"channel", "ch1"},
                       {"timestamp", std::to_string(now - 301'000)},
                       {"nonce", "n2"}},
                      "", "s1");
  EXPECT_EQ(Read(v, stale, "", now).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, RequireTimestampRefusesUnstampedRequests) {
  RequestVerifier v(*registry_, replay_, {true, 300'000});
  EXPECT_EQ(
      Read(v, Signed({{"client", "c1"}, {"channel", "ch1"}}, "", "s1"), "", 0).status().code(),
      StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, BothSecretsWorkWhileRotating) {
  ASSERT_TRUE(store_->RotateClientSecret("c1", std::string("s1-new")).ok());
  ASSERT_TRUE(registry_->Refresh().ok());
  RequestVerifier v(*registry_, replay_, {});
  EXPECT_TRUE(Read(v, Signed({{"client", "c1"}, {"channel", "ch1"}}, "", "s1"), "", 0).ok());
  EXPECT_TRUE(Read(v, Signed({{"client", "c1"}, {"channel", "ch1"}}, "", "s1-new"), "", 0).ok());
  ASSERT_TRUE(store_->RotateClientSecret("c1", std::nullopt).ok());
  ASSERT_TRUE(registry_->Refresh().ok());
  EXPECT_EQ(
      Read(v, Signed({{"client", "c1"}, {"channel", "ch1"}}, "", "s1"), "", 0).status().code(),
      StatusCode::kUnauthenticated);
  EXPECT_TRUE(Read(v, Signed({{"client", "c1"}, {"channel", "ch1"}}, "", "s1-new"), "", 0).ok());
}

TEST_F(VerifierTest, WritesNeedTimestampAndNonceWhateverTheMethod) {
  RequestVerifier v(*registry_, replay_, {});
  const int64_t now = 1'700'000'000'000;
  for (std::string method : {"md5", "hmac-sha256"}) {
    QueryParams base = {{"client", "c1"}, {"channel", "ch1"}, {"signMethod", method}};
    auto bare = Signed(base, "{}", "s1", kWrite);
    EXPECT_EQ(v.Verify({bare, kWrite, "{}", true}, now).status().code(),
              StatusCode::kUnauthenticated)
        << method;
    base.emplace_back("timestamp", std::to_string(now));
    base.emplace_back("nonce", "w-" + method);
    auto stamped = Signed(base, "{}", "s1", kWrite);
    EXPECT_TRUE(v.Verify({stamped, kWrite, "{}", true}, now).ok()) << method;
  }
}

TEST_F(VerifierTest, HmacSignatureIsBoundToItsEndpoint) {
  RequestVerifier v(*registry_, replay_, {});
  const int64_t now = 1'700'000'000'000;
  auto p = Signed({{"client", "c1"},
                   {"channel", "ch1"},
                   {"signMethod", "hmac-sha256"},
                   {"timestamp", std::to_string(now)},
                   {"nonce", "bound"}},
                  "{}", "s1", kRead);
  auto moved = v.Verify({p, kWrite, "{}", true}, now);
  EXPECT_EQ(moved.status().code(), StatusCode::kUnauthenticated)
      << "a read's signature must not verify on deleteChat";
  EXPECT_TRUE(v.Verify({p, kRead, "{}", false}, now).ok());
}

TEST_F(VerifierTest, NonceIsRememberedAcrossEndpoints) {
  RequestVerifier v(*registry_, replay_, {});
  const int64_t now = 1'700'000'000'000;
  // md5 does not cover the endpoint, so the nonce is what stops the move.
  auto p = Signed(
      {{"client", "c1"}, {"channel", "ch1"}, {"timestamp", std::to_string(now)}, {"nonce", "once"}},
      "{}", "s1");
  EXPECT_TRUE(v.Verify({p, kRead, "{}", false}, now).ok());
  EXPECT_EQ(v.Verify({p, kWrite, "{}", true}, now + 10).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(VerifierTest, RefusesParametersThatCouldBeReadTwoWays) {
  RequestVerifier v(*registry_, replay_, {});
  // One parameter whose *name* carries "nonce=…&timestamp=…&version" signs the same canonical
  // string as three real parameters; it must not verify.
  auto smuggled = Signed(
      {{"client", "c1"}, {"channel", "ch1"}, {"nonce=n1&timestamp=1700000000000&version", "2.0"}},
      "{}", "s1");
  EXPECT_EQ(Read(v, smuggled, "{}", 1'700'000'000'000).status().code(),
            StatusCode::kUnauthenticated);
  auto ampersand = Signed({{"client", "c1"}, {"channel", "ch1"}, {"note", "a&b"}}, "{}", "s1");
  EXPECT_EQ(Read(v, ampersand, "{}", 0).status().code(), StatusCode::kUnauthenticated);
  auto equals = Signed({{"client", "c1"}, {"channel", "ch1"}, {"nonce", "a=b"}}, "{}", "s1");
  EXPECT_EQ(Read(v, equals, "{}", 0).status().code(), StatusCode::kUnauthenticated);
  auto digit_first = Signed({{"client", "c1"}, {"channel", "ch1"}, {"1a", "x"}}, "{}", "s1");
  EXPECT_EQ(Read(v, digit_first, "{}", 0).status().code(), StatusCode::kUnauthenticated);
  auto underscore = Signed({{"client", "c1"}, {"channel", "ch1"}, {"a_1", "x"}}, "{}", "s1");
  EXPECT_TRUE(Read(v, underscore, "{}", 0).ok());
}

TEST_F(VerifierTest, NonceIsAtMost64Characters) {
  RequestVerifier v(*registry_, replay_, {});
  const int64_t now = 1'700'000'000'000;
  auto with_nonce = [&](const std::string& nonce) {
    return Signed({{"client", "c1"},
                   {"channel", "ch1"},
                   {"timestamp", std::to_string(now)},
                   {"nonce", nonce}},
                  "{}", "s1");
  };
  EXPECT_TRUE(Read(v, with_nonce(std::string(64, 'n')), "{}", now).ok());
  EXPECT_EQ(Read(v, with_nonce(std::string(65, 'n')), "{}", now).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(Read(v, with_nonce(std::string(7000, 'n')), "{}", now).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(replay_.size(), 1u) << "refused nonces take no place in the memory";
}

TEST_F(VerifierTest, SignMethodsSettingTurnsMd5Off) {
  AuthSettings settings;
  settings.sign_methods = {SignMethod::kHmacSha256};
  RequestVerifier v(*registry_, replay_, settings);
  EXPECT_EQ(
      Read(v, Signed({{"client", "c1"}, {"channel", "ch1"}}, "{}", "s1"), "{}", 0).status().code(),
      StatusCode::kUnauthenticated);
  EXPECT_TRUE(Read(v,
                   Signed({{"client", "c1"}, {"channel", "ch1"}, {"signMethod", "hmac-sha256"}},
                          "{}", "s1"),
                   "{}", 0)
                  .ok());
}

TEST(ReplayGuardTest, ForgetsExpiredAndStaysBoundedPerClient) {
  ReplayGuard guard(3);
  EXPECT_TRUE(guard.CheckAndRemember("c", "a", 0, 100));
  EXPECT_FALSE(guard.CheckAndRemember("c", "a", 50, 150));
  EXPECT_TRUE(guard.CheckAndRemember("c", "a", 101, 200)) << "expired entries are forgotten";
  EXPECT_TRUE(guard.CheckAndRemember("d", "a", 101, 200)) << "nonces are per client";
  EXPECT_TRUE(guard.CheckAndRemember("c", "b", 101, 300));
  EXPECT_TRUE(guard.CheckAndRemember("c", "c", 101, 400));
  EXPECT_TRUE(guard.CheckAndRemember("c", "d", 101, 500));
  EXPECT_EQ(guard.size(), 4u) << "c holds at most 3, d its own 1";
}

TEST(ReplayGuardTest, OneClientCannotEvictAnothersNonces) {
  ReplayGuard guard(100);
  ASSERT_TRUE(guard.CheckAndRemember("victim", "n1", 0, 1'000'000));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(guard.CheckAndRemember("flooder", "f" + std::to_string(i), 0, 1'000'000));
  }
  EXPECT_FALSE(guard.CheckAndRemember("victim", "n1", 1, 1'000'000))
      << "the victim's nonce must still be remembered";
  EXPECT_EQ(guard.size(), 101u);
}

}  // namespace
}  // namespace opchat
