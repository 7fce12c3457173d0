// OpenStore: picks the back end from the URL scheme.
#include <algorithm>
#include <cctype>
#include <vector>

#include "storage/postgres/pg_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/store.hpp"

namespace opchat {

namespace {

Result<std::unique_ptr<Store>> OpenByScheme(const std::string& url, const StoreOptions& options) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // also accept sqlite://PATH
    if (path.empty()) return Status::InvalidArgument("sqlite URL needs a path: " + url);
    return sqlite::SqliteStore::Open(path, options);
  }
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
    return postgres::PgStore::Open(url, options);
  }
  return Status::InvalidArgument("unsupported storage URL (want sqlite:PATH or postgres://...): " +
                                 url);
}

void ReplaceAll(std::string& text, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + with.size())) {
    text.replace(p, what.size(), with);
  }
}

// The passwords `url` carries as written in it (user:PASSWORD@host, password=PASSWORD).
std::vector<std::string> PasswordsIn(const std::string& url) {
  std::vector<std::string> out;
  size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    size_t at = url.find_last_of('@', url.find('?', scheme + 3));
    if (at != std::string::npos && at < scheme + 3) at = std::string::npos;
    size_t colon = url.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.push_back(url.substr(colon + 1, at - colon - 1));
    }
  }
  for (size_t p = url.find("password="); p != std::string::npos; p = url.find("password=", p + 1)) {
    size_t end = url.find('&', p);
    out.push_back(url.substr(p + 9, (end == std::string::npos ? url.size() : end) - p - 9));
  }
  return out;
}

// A URL-decoded copy: %XX becomes its byte; a malformed escape stays as it is.
std::string PercentDecoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

Status RedactStorageError(const Status& status, const std::string& url) {
  // Whatever a back end or a library put in the message, the URL and its password leave here
  // only redacted: these messages reach stderr and the log.
  std::string message = status.message();
  ReplaceAll(message, url, RedactStorageUrl(url));
  std::vector<std::string> passwords;
  for (const std::string& password : PasswordsIn(url)) {
    if (password.size() < 3) continue;  // "***" itself, or too short to tell from other text
    passwords.push_back(password);
    passwords.push_back(PercentDecoded(password));
  }
  for (const std::string& password : passwords) ReplaceAll(message, password, "***");
  // libpq quotes the token it could not use, which may be a piece of a password that a stray
  // '/' or '@' split (`invalid integer value "Hunter2" for connection option "port"`).
  for (size_t open = message.find('"'); open != std::string::npos;) {
    size_t close = message.find('"', open + 1);
    if (close == std::string::npos) break;
    std::string token = message.substr(open + 1, close - open - 1);
    bool secret = token.size() >= 3 &&
                  std::any_of(passwords.begin(), passwords.end(), [&](const std::string& p) {
                    return p.find(token) != std::string::npos;
                  });
    if (secret) {
      message.replace(open + 1, token.size(), "***");
      close = open + 4;
    }
    open = message.find('"', close + 1);
  }
  return Status(status.code(), std::move(message));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options) {
  auto store = OpenByScheme(url, options);
  if (store.ok()) return store;
  return RedactStorageError(store.status(), url);
}

std::string RedactStorageUrl(const std::string& url) {
  std::string out = url;
  // postgresql://user:password@host/db -> postgresql://user:***@host/db
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    // The last '@' before the query: a password with an unencoded '@' or '/' is hidden whole.
    size_t at = out.find_last_of('@', out.find('?', scheme + 3));
    if (at != std::string::npos && at < scheme + 3) at = std::string::npos;
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
