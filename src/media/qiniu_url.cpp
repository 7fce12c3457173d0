#include "media/qiniu_url.hpp"

#include <string>

#include "common/crypto.hpp"
#include "common/percent_encoding.hpp"

namespace opchat {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 unreserved characters and the sub-delimiters that a path may hold literally.
bool IsPathSafe(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '~':
    case '/':
    case '?':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@': return true;
    default: return false;
  }
}

}  // namespace

bool IsSafeObjectKey(std::string_view key) {
  if (key.empty()) return false;
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f || c == '?' || c == '#') return false;
  }
  // ".." also when spelled with escapes ("%2e%2e"): servers and CDNs decode before resolving.
  auto is_dot = [](std::string_view s) { return s == "." || s == "%2e" || s == "%2E"; };
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    for (size_t first = 1; first <= 3 && first < segment.size(); first += 2) {
      if (is_dot(segment.substr(0, first)) && is_dot(segment.substr(first))) return false;
    }
    start = end + 1;
  }
  return true;
}

std::string EscapeObjectKey(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (size_t i = 0; i < key.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (IsPathSafe(c) ||
        (c == '%' && i + 2 < key.size() && IsHex(key[i + 1]) && IsHex(key[i + 2]))) {
      out += static_cast<char>(c);
    } else {
      AppendPercentEscaped(out, c);
    }
  }
  return out;
}

std::optional<std::string> ObjectKeyOf(std::optional<std::string_view> key,
                                       std::optional<std::string_view> url) {
  if (key && !key->empty()) return std::string(*key);
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

namespace opchat {

ChannelMedia QiniuUrlSigner::ForChannel(std::string_view channel) const {
  auto it = settings_.channel_key_prefixes.find(channel);
  return ChannelMedia(this, it == settings_.channel_key_prefixes.end() ? nullptr : &it->second);
}

bool ChannelMedia::Allows(std::string_view key) const {
  if (!IsSafeObjectKey(key)) return false;
  if (!prefixes_) return true;
  for (const std::string& prefix : *prefixes_) {
    if (key.starts_with(prefix)) return true;
  }
  return false;
}

std::optional<std::string> ChannelMedia::Sign(std::string_view key, bool is_image,
                                              int64_t now_s) const {
  if (!signer_ || !Allows(key)) return std::nullopt;
  return signer_->Sign(key, is_image, now_s);
}

}  // namespace opchat
