// The PostgreSQL database of tests/pg_harness.sh (OPCHAT_TEST_PG_URL) for PostgreSQL-only tests:
// a list of one URL, or none outside the harness, for INSTANTIATE_TEST_SUITE_P. A suite built on
// it is not instantiated (rather than skipped) when there is no database; `make test` always
// runs under the harness, so there it always runs.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

namespace opchat::testing {

inline std::vector<std::string> PostgresTestUrls() {
  const char* url = std::getenv("OPCHAT_TEST_PG_URL");
  if (url == nullptr || *url == '\0') return {};
  return {url};
}

}  // namespace opchat::testing
