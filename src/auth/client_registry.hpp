// The API clients a server knows, kept in memory so that checking a signature costs no query.
// Refresh() reloads them from storage when the store's clients revision has moved; the server
// calls it every half second, so a client added or disabled from the command line takes effect
// within a second. Thread-safe: readers get an immutable snapshot.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "auth/secret_box.hpp"
#include "common/mutex.hpp"
#include "common/status.hpp"
#include "storage/store.hpp"

namespace opchat {

struct ClientEntry {
  std::string id;
  std::vector<std::string> secrets;  // the current one first; two while rotating
  bool enabled = true;
  std::unordered_set<std::string> channels;
};

class ClientRegistry {
 public:
  using Snapshot = std::unordered_map<std::string, ClientEntry>;

  // `secrets` (optional, outliving the registry) opens client secrets sealed at rest.
  explicit ClientRegistry(Store& store, const SecretBox* secrets = nullptr)
      : store_(store), secrets_(secrets) {}

  // Reloads when the revision changed (or on the first call). Unavailable when storage is.
  // InvalidArgument when a client's secret is sealed and cannot be opened (no key, another
  // key): that client is left out and every other one is loaded.
  Status Refresh();

  // The client with this id, or nullptr. The pointer stays valid while `snapshot` is held.
  std::shared_ptr<const Snapshot> Current() const;

 private:
  Store& store_;
  const SecretBox* const secrets_;
  Mutex refresh_mu_;
  int64_t revision_ GUARDED_BY(refresh_mu_) = -1;
  std::shared_ptr<const Snapshot> snapshot_ = std::make_shared<Snapshot>();  // atomic access
};

}  // namespace opchat
