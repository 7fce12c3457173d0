#include "api/testing/api_test_bed.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "auth/query_signer.hpp"
#include "common/clock.hpp"

namespace opchat::testing {

ApiTestBed::~ApiTestBed() {
  verifier_.reset();
  clients_.reset();
  store_.reset();
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

void ApiTestBed::Open(const std::string& name) {
  ASSERT_TRUE(SetProcessTimeZone("Asia/Shanghai").ok());
  std::string leaf = name;
  std::replace(leaf.begin(), leaf.end(), '/', '-');  // parameterized test names hold a '/'
  dir_ = std::filesystem::temp_directory_path() /
         ("opchat-api-" + std::to_string(::getpid()) + "-" + leaf);
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  StoreOptions options;
  options.sqlite_synchronous = "normal";
  options.pool_size = 2;
  auto opened = OpenStore("sqlite:" + (dir_ / "api.db").string(), options);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  store_ = std::move(*opened);
  ASSERT_TRUE(store_->AddClient({"tester", "tester", kSecret, true, {kChannel}, 0}).ok());
  clients_ = std::make_unique<ClientRegistry>(*store_);
  ASSERT_TRUE(clients_->Refresh().ok());
  verifier_ = std::make_unique<RequestVerifier>(*clients_, replay_, AuthSettings{});
}

ApiResponse ApiTestBed::Call(const Api& api, const std::string& endpoint, const std::string& body) {
  const std::string path = "/op/v2/" + endpoint;
  QuerySigning signing{
      "tester",
      kSecret,
      kChannel,
      SignMethod::kHmacSha256,
      {"POST", path},
      {{"timestamp", std::to_string(NowMillis())}, {"nonce", "n" + std::to_string(++nonce_)}}};
  const std::string target = path + "?" + SignedQueryString(signing, body);
  return api.Handle({"POST", target, "application/json", body});
}

}  // namespace opchat::testing
