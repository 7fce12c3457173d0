// OpenStore: picks the back end from the URL scheme.
#include "storage/store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#ifdef OPCHAT_WITH_POSTGRES
#include "storage/postgres/pg_store.hpp"
#endif

namespace opchat {

Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // also accept sqlite://PATH
    if (path.empty()) return Status::InvalidArgument("sqlite URL needs a path: " + url);
    return sqlite::SqliteStore::Open(path, options);
  }
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
#ifdef OPCHAT_WITH_POSTGRES
    return postgres::PgStore::Open(url, options);
#else
    return Status::InvalidArgument("this build has no PostgreSQL back end");
#endif
  }
  return Status::InvalidArgument("unsupported storage URL (want sqlite:PATH or postgres://...): " +
                                 url);
}

std::string RedactStorageUrl(const std::string& url) {
  std::string out = url;
  // postgresql://user:password@host/db -> postgresql://user:***@host/db
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t at = out.find('@', scheme + 3);
    size_t colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=secret&... -> password=***
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    size_t end = out.find('&', p);
    out.replace(p + 9, (end == std::string::npos ? out.size() : end) - p - 9, "***");
  }
  return out;
}

}  // namespace opchat
