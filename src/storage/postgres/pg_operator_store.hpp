// The operators and console sessions of a PostgreSQL database (storage/operator_store.hpp),
// shared by every opchat process on it. The unique keys settle a race between two processes
// adding one login; ending sessions is one DELETE in the transaction of the change that ends
// them. Thread-safe: each call borrows a pooled connection of the store.
#pragma once

#include "storage/operator_store.hpp"
#include "storage/postgres/pg_webhook_store.hpp"

namespace opchat::postgres {

class PgOperatorStore final : public OperatorStore {
 public:
  // `with_connection` is called from any thread.
  explicit PgOperatorStore(WithConnection with_connection)
      : with_connection_(std::move(with_connection)) {}

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
  const WithConnection with_connection_;
};

}  // namespace opchat::postgres
