// Full pages of chat history, encoded, kept to answer the same page again without reading its
// messages. An ascending page that is full never changes (a new message never moves an older
// one; messages are never edited; whole chats go only by retention), so an entry stays right for
// as long as its chat is the same chat: the history endpoint still reads the chat with every
// request (its count and status change) and serves the entry only when that chat is the one
// the entry was read from and still holds the page. getUrl is signed again for every answer:
// entries keep the object to sign, not a URL with a deadline. Bounded in bytes, the least
// recently used entry out first. Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "codec/message_codec.hpp"
#include "common/mutex.hpp"
#include "domain/chat.hpp"

namespace opchat {

class Metrics;

// Which page: `size` messages after the first `offset` of a chat, ascending.
struct PageKey {
  std::string_view channel;
  std::string_view chat_id;
  int64_t offset = 0;
  int64_t size = 0;
};

// One page as the history endpoint writes its `msg` array, between the brackets.
struct CachedPage {
  // The chat it was read from (chats are not numbered alike on every back end: its creation
  // time and user tell a chat re-created under the same id after retention from the first).
  int64_t chat_created_ms = 0;
  std::string chat_user_id;
  // The messages' JSON, comma-separated, with every getUrl written as `null`; `urls` says
  // where the nulls to sign are, in order.
  std::string json;
  struct Url {
    size_t null_at;  // offset in `json` of the 4 bytes "null"
    StoredObject object;
  };
  std::vector<Url> urls;

  // Whether it may answer `key`'s page of `chat`: the same chat, still holding the whole page.
  bool Answers(const Chat& chat, const PageKey& key) const;
  // What it costs the cache, roughly.
  size_t bytes() const;
};

// Appends `page.json` to `out` with each getUrl's null replaced by the object's URL signed by
// `media` at `now_s` (still null when `media` may not sign it).
void AppendSignedPage(std::string& out, const CachedPage& page, const ChannelMedia& media,
                      int64_t now_s);

// Builds a CachedPage from the messages of one page, in order.
class CachedPageBuilder {
 public:
  explicit CachedPageBuilder(const Chat& chat);
  void Add(const MessageView& m);
  std::shared_ptr<const CachedPage> Finish() &&;

 private:
  std::shared_ptr<CachedPage> page_;
  JsonWriter w_;
};

class PageCache {
 public:
  // Keeps at most `capacity_bytes` (CachedPage::bytes); 0 keeps nothing. `metrics` (optional)
  // counts hits and misses and shows the bytes held.
  explicit PageCache(size_t capacity_bytes, Metrics* metrics = nullptr);
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // The entry for `key`, or null; counted as a hit or a miss.
  std::shared_ptr<const CachedPage> Find(const PageKey& key);
  // Keeps `page` as `key`'s entry, replacing any, then drops the least recently used entries
  // until the cache fits. A page larger than the whole cache is not kept.
  void Insert(const PageKey& key, std::shared_ptr<const CachedPage> page);
  // Drops `key`'s entry, if any: it no longer answers its page (its chat went).
  void Erase(const PageKey& key);

  size_t bytes() const;
  size_t entries() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const CachedPage> page;
  };
  using Order = std::list<Entry>;  // most recently used first

  void EvictLocked() REQUIRES(mu_);
  void DropLocked(Order::iterator it) REQUIRES(mu_);

  const size_t capacity_;
  Metrics* const metrics_;
  mutable Mutex mu_;
  Order order_ GUARDED_BY(mu_);
  std::unordered_map<std::string_view, Order::iterator> index_ GUARDED_BY(mu_);  // views order_
  size_t bytes_ GUARDED_BY(mu_) = 0;
};

}  // namespace opchat
