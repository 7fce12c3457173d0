#include "auth/canonical_request.hpp"

#include <algorithm>

#include "common/utf8.hpp"

namespace opchat {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool Decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return true;
}

}  // namespace

Result<QueryParams> ParseQuery(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string name, value;
    if (!Decode(pair.substr(0, eq), name) ||
        !Decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), value)) {
      return Status::InvalidArgument("参数错误: 查询串编码无效");
    }
    if (FindParam(params, name)) {
      // Named only when it is short text: the message goes back to the client.
      bool printable = name.size() <= 64 && IsValidUtf8(name);
      return Status::InvalidArgument("参数错误: " + (printable ? name : std::string("查询参数")) +
                                     " 重复");
    }
    params.emplace_back(std::move(name), std::move(value));
  }
  return params;
}

Status CheckUnambiguous(const QueryParams& params) {
  for (const auto& [name, value] : params) {
    bool good_name = !name.empty() && IsAsciiLetter(name[0]) &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                       return IsAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_';
                     });
    if (!good_name) return Status::Unauthenticated("签名无效: 参数名不合法");
    if (value.find_first_of("&=") != std::string::npos) {
      return Status::Unauthenticated("签名无效: 参数 " + name + " 的值含 & 或 =");
    }
  }
  return Status::Ok();
}

const std::string* FindParam(const QueryParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string CanonicalQuery(const QueryParams& params) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(params.size());
  for (const auto& p : params) {
    if (p.first != "sign") sorted.push_back(&p);
  }
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::string out;
  for (const auto* p : sorted) {
    if (!out.empty()) out += '&';
    out += p->first;
    out += '=';
    out += p->second;
  }
  return out;
}

}  // namespace opchat
