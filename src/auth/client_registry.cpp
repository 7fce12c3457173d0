#include "auth/client_registry.hpp"

namespace opchat {

Status ClientRegistry::Refresh() {
  MutexLock lock(refresh_mu_);
  ASSIGN_OR_RETURN(auto revision, store_.ClientsRevision());
  if (revision == revision_) return Status::Ok();
  ASSIGN_OR_RETURN(auto clients, store_.ListClients());
  auto next = std::make_shared<Snapshot>();
  Status unusable = Status::Ok();
  for (auto& c : clients) {
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
  revision_ = revision;
  return unusable;
}

std::shared_ptr<const ClientRegistry::Snapshot> ClientRegistry::Current() const {
  return std::atomic_load(&snapshot_);
}

}  // namespace opchat
