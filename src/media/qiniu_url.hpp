// Qiniu-format private download URLs for stored media (docs/api.md, "Media URLs"), and which
// object keys a channel may have signed. Thread-safe (immutable).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace opchat {

struct MediaSettings {
  std::string domain = "http://media.example.com";  // scheme://host, no trailing slash
  std::string access_key;
  std::string secret_key;
  int64_t url_lifetime_s = 3600;
  std::string image_processing = "imageView2/1/w/200/h/200";
  // [media.channels]: the key prefixes each listed channel owns in the shared bucket. A channel
  // not listed may have any key signed (one tenant per bucket).
  std::map<std::string, std::vector<std::string>, std::less<>> channel_key_prefixes;
};

class ChannelMedia;

class QiniuUrlSigner {
 public:
  explicit QiniuUrlSigner(MediaSettings settings);

  // url = domain/escaped(key)[?processing] + ('?'|'&') + "e=" + deadline;
  // returns url + "&token=" + access_key + ':' + urlsafe_base64(HMAC-SHA1(secret_key, url)).
  std::string Sign(std::string_view key, bool is_image, int64_t now_s) const;
  // Where the signed URLs point (scheme://host).
  std::string_view domain() const { return settings_.domain; }

  // The signer as `channel` sees it. The view refers to this signer: it must not outlive it.
  ChannelMedia ForChannel(std::string_view channel) const;

 private:
  MediaSettings settings_;
};

// The URLs one channel may have signed: keys within its prefixes (any key when it has none
// configured), and never a key that could be read as another path or carry its own query.
class ChannelMedia {
 public:
  ChannelMedia(const QiniuUrlSigner* signer, const std::vector<std::string>* prefixes)
      : signer_(signer), prefixes_(prefixes) {}

  // Whether this channel may reference `key`: a safe key (IsSafeObjectKey) within its prefixes.
  bool Allows(std::string_view key) const;
  // The getUrl of `key`, or nullopt when the channel may not reference it or there is no signer.
  std::optional<std::string> Sign(std::string_view key, bool is_image, int64_t now_s) const;

 private:
  const QiniuUrlSigner* signer_;              // null: nothing is signed
  const std::vector<std::string>* prefixes_;  // null: no restriction
};

// A key that names one object and nothing else: not empty, no ".." path segment, no '?' or '#'
// (which would end the path and let the key set the URL's own query, such as "e="), no control
// characters.
bool IsSafeObjectKey(std::string_view key);

// Writes `key` as a URL path, as Qiniu's SDKs do: bytes outside the URL-safe set become %XX
// (spaces, non-ASCII as UTF-8 bytes); '/', '?' and existing %XX escapes are kept.
std::string EscapeObjectKey(std::string_view key);

// The object key of a message: its explicit `key`, else the path of its `url` without the
// leading '/'. nullopt when neither gives one.
std::optional<std::string> ObjectKeyOf(std::optional<std::string_view> key,
                                       std::optional<std::string_view> url);

}  // namespace opchat
