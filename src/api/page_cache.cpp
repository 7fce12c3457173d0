#include "api/page_cache.hpp"

#include "common/metrics.hpp"

namespace opchat {
namespace {

constexpr std::string_view kNull = "null";

// Unambiguous whatever bytes the ids hold: the numbers end at ':', the channel's length is
// given, the chat id is the rest.
std::string KeyText(const PageKey& key) {
  std::string text = std::to_string(key.offset) + ':' + std::to_string(key.size) + ':' +
                     std::to_string(key.channel.size()) + ':';
  text += key.channel;
  text += key.chat_id;
  return text;
}

}  // namespace

bool CachedPage::Answers(const Chat& chat, const PageKey& key) const {
  return chat.created_ms == chat_created_ms && chat.user_id == chat_user_id &&
         chat.message_count - key.size >= key.offset;
}

size_t CachedPage::bytes() const {
  size_t n = sizeof(CachedPage) + json.capacity() + chat_user_id.capacity() +
             urls.capacity() * sizeof(Url);
  for (const Url& url : urls) n += url.object.key.capacity();
  return n;
}

void AppendSignedPage(std::string& out, const CachedPage& page, const ChannelMedia& media,
                      int64_t now_s) {
  const std::string_view json = page.json;
  size_t from = 0;
  for (const CachedPage::Url& url : page.urls) {
    out.append(json.substr(from, url.null_at - from));
    JsonWriter w(out);
    w.String(media.Sign(url.object.key, url.object.is_image, now_s));
    from = url.null_at + kNull.size();
  }
  out.append(json.substr(from));
}

CachedPageBuilder::CachedPageBuilder(const Chat& chat)
    : page_(std::make_shared<CachedPage>()), w_(page_->json) {
  page_->chat_created_ms = chat.created_ms;
  page_->chat_user_id = chat.user_id;
}

void CachedPageBuilder::Add(const MessageView& m) {
  const size_t null_at = WriteMessageUnsigned(w_, m);
  if (auto object = StoredObjectOf(m)) page_->urls.push_back({null_at, std::move(*object)});
}

std::shared_ptr<const CachedPage> CachedPageBuilder::Finish() && {
  // The text grew by doubling: without this an entry could hold twice what it counts.
  page_->json.shrink_to_fit();
  return std::move(page_);
}

PageCache::PageCache(size_t capacity_bytes, Metrics* metrics)
    : capacity_(capacity_bytes), metrics_(metrics) {}

std::shared_ptr<const CachedPage> PageCache::Find(const PageKey& key) {
  std::shared_ptr<const CachedPage> page;
  {
    const std::string text = KeyText(key);
    MutexLock lock(mu_);
    if (auto it = index_.find(text); it != index_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      page = it->second->page;
    }
  }
  if (metrics_) metrics_->CountPageCacheLookup(page != nullptr);
  return page;
}

void PageCache::Insert(const PageKey& key, std::shared_ptr<const CachedPage> page) {
  if (page->bytes() > capacity_) return;
  MutexLock lock(mu_);
  std::string text = KeyText(key);
  if (auto it = index_.find(text); it != index_.end()) DropLocked(it->second);
  bytes_ += page->bytes();
  order_.push_front(Entry{std::move(text), std::move(page)});
  index_.emplace(order_.front().key, order_.begin());
  EvictLocked();
}

void PageCache::Erase(const PageKey& key) {
  const std::string text = KeyText(key);
  MutexLock lock(mu_);
  if (auto it = index_.find(text); it != index_.end()) DropLocked(it->second);
  if (metrics_) metrics_->SetPageCacheBytes(static_cast<int64_t>(bytes_));
}

size_t PageCache::bytes() const {
  MutexLock lock(mu_);
  return bytes_;
}

size_t PageCache::entries() const {
  MutexLock lock(mu_);
  return order_.size();
}

void PageCache::EvictLocked() {
  while (bytes_ > capacity_) DropLocked(std::prev(order_.end()));
  if (metrics_) metrics_->SetPageCacheBytes(static_cast<int64_t>(bytes_));
}

void PageCache::DropLocked(Order::iterator it) {
  bytes_ -= it->page->bytes();
  index_.erase(it->key);
  order_.erase(it);
}

}  // namespace opchat
