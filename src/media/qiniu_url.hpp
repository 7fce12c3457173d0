// Qiniu-format private download URLs for stored media (SPEC §4). Thread-safe (immutable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace opchat {

struct MediaSettings {
  std::string domain = "http://media.example.com";  // scheme://host, no trailing slash
  std::string access_key;
  std::string secret_key;
  int64_t url_lifetime_s = 3600;
  std::string image_processing = "imageView2/1/w/200/h/200";
};

class QiniuUrlSigner {
 public:
  explicit QiniuUrlSigner(MediaSettings settings);

  // url = domain/escaped(key)[?processing] + ('?'|'&') + "e=" + deadline;
  // returns url + "&token=" + access_key + ':' + urlsafe_base64(HMAC-SHA1(secret_key, url)).
  std::string Sign(std::string_view key, bool is_image, int64_t now_s) const;

 private:
  MediaSettings settings_;
};

// Writes `key` as a URL path, as Qiniu's SDKs do: bytes outside the URL-safe set become %XX
// (spaces, non-ASCII as UTF-8 bytes); '/', '?' and existing %XX escapes are kept.
std::string EscapeObjectKey(std::string_view key);

// The object key of a message: its explicit `key`, else the path of its `url` without the
// leading '/'. nullopt when neither gives one.
std::optional<std::string> ObjectKeyOf(const std::optional<std::string>& key,
                                       const std::optional<std::string>& url);

}  // namespace opchat
