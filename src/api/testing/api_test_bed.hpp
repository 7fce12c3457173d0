// What the in-process API tests share: a SQLite store in a fresh directory holding one client
// ("tester", of channel kChannel), that client's registry and verifier, and requests signed as
// it. Tests build their Api over store() (or a wrapper of it) and verifier(). Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "api/api.hpp"
#include "auth/client_registry.hpp"
#include "auth/replay_guard.hpp"
#include "auth/verifier.hpp"
#include "storage/store.hpp"

namespace opchat::testing {

class ApiTestBed {
 public:
  static constexpr char kChannel[] = "shop";
  static constexpr char kSecret[] = "api-test-bed-secret";

  ApiTestBed() = default;
  ~ApiTestBed();
  ApiTestBed(const ApiTestBed&) = delete;
  ApiTestBed& operator=(const ApiTestBed&) = delete;

  // Creates the directory (named after `name` and the process) and the store. Fails the test
  // (fatally: wrap in ASSERT_NO_FATAL_FAILURE) when it cannot.
  void Open(const std::string& name);

  Store& store() { return *store_; }
  RequestVerifier& verifier() { return *verifier_; }

  // POST /op/v2/`endpoint` with `body`, signed with hmac-sha256, a fresh timestamp and nonce (as
  // a write must be), handled by `api`.
  ApiResponse Call(const Api& api, const std::string& endpoint, const std::string& body);

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ClientRegistry> clients_;
  ReplayGuard replay_;
  std::unique_ptr<RequestVerifier> verifier_;
  int nonce_ = 0;
};

}  // namespace opchat::testing
