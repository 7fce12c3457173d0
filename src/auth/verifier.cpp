#include "auth/verifier.hpp"

#include <charconv>

#include "auth/signature.hpp"
#include "common/crypto.hpp"

namespace opchat {
namespace {

std::optional<int64_t> ParseMillis(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

}  // namespace

Result<Caller> RequestVerifier::Verify(const QueryParams& params, std::string_view body,
                                       int64_t now_ms) const {
  const std::string* sign = FindParam(params, "sign");
  const std::string* client_id = FindParam(params, "client");
  const std::string* channel = FindParam(params, "channel");
  if (!sign || sign->empty()) return Status::Unauthenticated("缺少签名: sign");
  if (!client_id || client_id->empty()) return Status::Unauthenticated("缺少参数: client");
  if (!channel || channel->empty()) return Status::InvalidArgument("参数错误: channel");
  auto method = ParseSignMethod(FindParam(params, "signMethod"));
  if (!method) return Status::InvalidArgument("参数错误: signMethod");

  auto snapshot = clients_.Current();
  auto it = snapshot->find(*client_id);
  // An unknown client gets the same answer as a wrong signature: ids are not disclosed.
  if (it == snapshot->end()) return Status::Unauthenticated("签名无效");
  const ClientEntry& client = it->second;
  const std::string canonical = CanonicalQuery(params);
  bool signed_ok = false;
  for (const std::string& secret : client.secrets) {  // two while a secret is being rotated
    signed_ok |= ConstantTimeEquals(*sign, ComputeSignature(*method, canonical, body, secret));
  }
  if (!signed_ok) return Status::Unauthenticated("签名无效");

  const std::string* timestamp = FindParam(params, "timestamp");
  const std::string* nonce = FindParam(params, "nonce");
  if (settings_.require_timestamp && (!timestamp || !nonce)) {
    return Status::Unauthenticated(!timestamp ? "缺少参数: timestamp" : "缺少参数: nonce");
  }
  int64_t remember_until = now_ms + settings_.timestamp_window_ms;
  if (timestamp) {
    auto ts = ParseMillis(*timestamp);
    if (!ts || *ts < now_ms - settings_.timestamp_window_ms ||
        *ts > now_ms + settings_.timestamp_window_ms) {
      return Status::Unauthenticated("时间戳无效或已过期: timestamp");
    }
    // Past ts + window the timestamp check refuses the request anyway.
    remember_until = *ts + settings_.timestamp_window_ms;
  }

  if (!client.enabled) return Status::PermissionDenied("客户端已停用");
  if (!client.channels.contains(*channel)) return Status::PermissionDenied("客户端无权访问该渠道");

  // Only a request that passed every other check takes a place in the nonce memory, so
  // unsigned traffic cannot flush it.
  if (nonce && !replay_.CheckAndRemember(client.id, *nonce, now_ms, remember_until)) {
    return Status::Unauthenticated("重复的请求: nonce");
  }
  return Caller{client.id, *channel};
}

}  // namespace opchat
