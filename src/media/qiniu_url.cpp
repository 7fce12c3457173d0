#include "media/qiniu_url.hpp"

#include <string>

#include "common/crypto.hpp"

namespace opchat {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 unreserved characters and the sub-delimiters that a path may hold literally.
bool IsPathSafe(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '_': case '.': case '~': case '/': case '?': case '!': case '$': case '&':
    case '\'': case '(': case ')': case '*': case '+': case ',': case ';': case '=': case ':':
    case '@':
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string EscapeObjectKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (IsPathSafe(c) || (c == '%' && i + 2 < key.size() && IsHex(key[i + 1]) && IsHex(key[i + 2]))) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<std::string> ObjectKeyOf(const std::optional<std::string>& key,
                                       const std::optional<std::string>& url) {
  if (key && !key->empty()) return *key;
  if (!url || url->empty()) return std::nullopt;
  std::string_view u = *url;
  // Drop "scheme://authority" when present, then any query or fragment.
  if (size_t scheme = u.find("://"); scheme != std::string_view::npos) {
    size_t path = u.find('/', scheme + 3);
    u = path == std::string_view::npos ? std::string_view{} : u.substr(path);
  }
  u = u.substr(0, u.find_first_of("?#"));
  while (!u.empty() && u.front() == '/') u.remove_prefix(1);
  if (u.empty()) return std::nullopt;
  return std::string(u);
}

QiniuUrlSigner::QiniuUrlSigner(MediaSettings settings) : settings_(std::move(settings)) {
  while (!settings_.domain.empty() && settings_.domain.back() == '/') settings_.domain.pop_back();
}

std::string QiniuUrlSigner::Sign(std::string_view key, bool is_image, int64_t now_s) const {
  std::string url = settings_.domain;
  url += '/';
  url += EscapeObjectKey(key);
  if (is_image && !settings_.image_processing.empty()) {
    url += '?';
    url += settings_.image_processing;
  }
  url += url.find('?') == std::string::npos ? "?e=" : "&e=";
  url += std::to_string(now_s + settings_.url_lifetime_s);
  std::string token = settings_.access_key;
  token += ':';
  token += UrlSafeBase64(HmacSha1(settings_.secret_key, url));
  url += "&token=";
  url += token;
  return url;
}

}  // namespace opchat
