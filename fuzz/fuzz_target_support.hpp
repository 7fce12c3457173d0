// Shared set-up of the fuzz targets: one Api over a SQLite store in a temporary directory,
// with one client and one chat, built once per process. Not thread-safe (libFuzzer runs one
// input at a time).
#pragma once

#include <memory>
#include <string>

#include "api/api.hpp"
#include "auth/client_registry.hpp"
#include "auth/replay_guard.hpp"
#include "auth/verifier.hpp"

namespace opchat::fuzz {

struct Harness {
  std::unique_ptr<Store> store;
  std::unique_ptr<ClientRegistry> clients;
  // Small, so that once full every input's nonce evicts one: memory stays flat, and libFuzzer
  // sees no input that keeps memory (each such input costs a whole-heap leak scan, which made
  // the api_bodies target about ten times slower).
  ReplayGuard replay{64};
  std::unique_ptr<RequestVerifier> verifier;
  std::unique_ptr<QiniuUrlSigner> media;
  std::unique_ptr<MessageIdGenerator> ids;
  std::unique_ptr<Api> api;
  static constexpr const char* kChannel = "fuzz-channel";
  static constexpr const char* kChat = "u0001fuzzchat";
};

Harness& SharedHarness();

// Aborts (a finding) unless `body` is a JSON object with an integer "code" or a health document.
void CheckIsEnvelope(const std::string& body);

}  // namespace opchat::fuzz
