#include "auth/client_registry.hpp"

namespace opchat {

Status ClientRegistry::Refresh() {
  MutexLock lock(refresh_mu_);
  auto revision = store_.ClientsRevision();
  if (!revision.ok()) return revision.status();
  if (*revision == revision_) return Status::Ok();
  auto clients = store_.ListClients();
  if (!clients.ok()) return clients.status();
  auto next = std::make_shared<Snapshot>();
  Status unusable = Status::Ok();
  for (auto& c : *clients) {
    // A client whose secret cannot be opened cannot sign; the others must not suffer for it.
    if (Status s = OpenClientSecrets(secrets_, c); !s.ok()) {
      if (unusable.ok()) unusable = s;
      continue;
    }
    ClientEntry e{c.id, {c.secret}, c.enabled, {c.channels.begin(), c.channels.end()}};
    if (!c.previous_secret.empty()) e.secrets.push_back(c.previous_secret);
    next->emplace(c.id, std::move(e));
  }
  std::atomic_store(&snapshot_, std::shared_ptr<const Snapshot>(std::move(next)));
  revision_ = *revision;
  return unusable;
}

std::shared_ptr<const ClientRegistry::Snapshot> ClientRegistry::Current() const {
  return std::atomic_load(&snapshot_);
}

}  // namespace opchat
