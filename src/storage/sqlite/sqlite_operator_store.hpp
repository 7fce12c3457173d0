// The operators and console sessions of a SQLite database (storage/operator_store.hpp). Writes go
// through the store's single GroupCommitWriter, whose one writer makes each check-and-write
// atomic (a login checked free is still free when the row goes in); reads use the store's reader
// connections. Thread-safe, as SqliteStore.
#pragma once

#include "storage/operator_store.hpp"
#include "storage/sqlite/group_commit.hpp"
#include "storage/sqlite/sqlite_webhook_store.hpp"

namespace opchat::sqlite {

class SqliteOperatorStore final : public OperatorStore {
 public:
  // `writer` must outlive this; `with_reader` is called from any thread.
  SqliteOperatorStore(GroupCommitWriter& writer, WithReader with_reader)
      : writer_(writer), with_reader_(std::move(with_reader)) {}

  Status AddOperator(const Operator& op) override;
  Result<std::vector<Operator>> ListOperators(std::string_view channel) override;
  Result<Operator> GetOperator(std::string_view id) override;
  Result<Operator> FindOperatorByLogin(std::string_view channel, std::string_view login) override;
  Status SetOperatorEnabled(std::string_view id, bool enabled) override;
  Status SetOperatorPassword(std::string_view id, std::string_view password_hash) override;
  Status CreateSession(std::string_view token, const OperatorSession& session) override;
  Result<ActiveSession> LookupSession(std::string_view token, int64_t now_ms,
                                      int64_t idle_ms) override;
  Status DeleteSession(std::string_view token) override;
  Result<int64_t> DeleteOperatorSessions(std::string_view operator_id) override;
  Result<int64_t> PurgeExpiredSessions(int64_t now_ms, int64_t idle_ms, int64_t limit) override;

 private:
  GroupCommitWriter& writer_;
  const WithReader with_reader_;
};

}  // namespace opchat::sqlite
