#include "auth/verifier.hpp"

#include <algorithm>
#include <charconv>

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

Result<Caller> RequestVerifier::Verify(const SignedRequest& request, int64_t now_ms) const {
  const QueryParams& params = request.params;
  const std::string* sign = FindParam(params, "sign");
  const std::string* client_id = FindParam(params, "client");
  const std::string* channel = FindParam(params, "channel");
  if (!sign || sign->empty()) return Status::Unauthenticated("缺少签名: sign");
  if (!client_id || client_id->empty()) return Status::Unauthenticated("缺少参数: client");
  if (!channel || channel->empty()) return Status::InvalidArgument("参数错误: channel");
  auto method = ParseSignMethod(FindParam(params, "signMethod"));
  if (!method) return Status::InvalidArgument("参数错误: signMethod");
  if (std::find(settings_.sign_methods.begin(), settings_.sign_methods.end(), *method) ==
      settings_.sign_methods.end()) {
    return Status::Unauthenticated("签名方法未启用: " + std::string(SignMethodName(*method)));
  }
  RETURN_IF_ERROR(CheckUnambiguous(params));

  auto snapshot = clients_.Current();
  auto it = snapshot->find(*client_id);
  // An unknown client gets the same answer as a wrong signature: ids are not disclosed.
  if (it == snapshot->end()) return Status::Unauthenticated("签名无效");
  const ClientEntry& client = it->second;
  const std::string canonical = CanonicalQuery(params);
  bool signed_ok = false;
  for (const std::string& secret : client.secrets) {  // two while a secret is being rotated
    signed_ok |= ConstantTimeEquals(
        *sign, ComputeSignature(*method, request.target, canonical, request.body, secret));
  }
  if (!signed_ok) return Status::Unauthenticated("签名无效");

  int64_t remember_until = 0;
  RETURN_IF_ERROR(CheckFreshness(request, now_ms, &remember_until));
  if (!client.enabled) return Status::PermissionDenied("客户端已停用");
  if (!client.channels.contains(*channel)) return Status::PermissionDenied("客户端无权访问该渠道");

  // Only a request that passed every other check takes a place in the nonce memory, so
  // unsigned traffic cannot flush it.
  const std::string* nonce = FindParam(params, "nonce");
  if (nonce && !replay_.CheckAndRemember(client.id, *nonce, now_ms, remember_until)) {
    return Status::Unauthenticated("重复的请求: nonce");
  }
  return Caller{client.id, *channel};
}

// Writes always need a timestamp and a nonce: with the nonce remembered across endpoints, a
// signed write can be used once, and a read signed without them cannot be replayed as a write.
Status RequestVerifier::CheckFreshness(const SignedRequest& request, int64_t now_ms,
                                       int64_t* remember_until) const {
  const std::string* timestamp = FindParam(request.params, "timestamp");
  const std::string* nonce = FindParam(request.params, "nonce");
  if (request.writes || settings_.require_timestamp) {
    if (!timestamp) return Status::Unauthenticated("缺少参数: timestamp");
    if (!nonce) return Status::Unauthenticated("缺少参数: nonce");
  }
  if (nonce && (nonce->empty() || nonce->size() > ReplayGuard::kMaxNonceBytes)) {
    return Status::Unauthenticated("参数错误: nonce (1 到 64 个字符)");
  }
  *remember_until = now_ms + settings_.timestamp_window_ms;
  if (timestamp) {
    auto ts = ParseMillis(*timestamp);
    if (!ts || *ts < now_ms - settings_.timestamp_window_ms ||
        *ts > now_ms + settings_.timestamp_window_ms) {
      return Status::Unauthenticated("时间戳无效或已过期: timestamp");
    }
    // Past ts + window the timestamp check refuses the request anyway.
    *remember_until = *ts + settings_.timestamp_window_ms;
  }
  return Status::Ok();
}

}  // namespace opchat
