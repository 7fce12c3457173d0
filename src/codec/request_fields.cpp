#include "codec/request_fields.hpp"

#include <charconv>
#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/clock.hpp"

namespace opchat {
namespace {

const boost::json::value* Find(const boost::json::object& body, std::string_view field) {
  auto it = body.find(field);
  if (it == body.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

std::optional<int64_t> AsInt(const boost::json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_string()) {
    std::string_view s = v.get_string();
    // Digits only: no sign, no spaces, no exponent; at most 18 so it cannot overflow.
    if (s.empty() || s.size() > 18) return std::nullopt;
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || end != s.data() + s.size() || s[0] == '-' || s[0] == '+') {
      return std::nullopt;
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace

Status FieldError(std::string_view field) {
  return Status::InvalidArgument("参数错误: " + std::string(field));
}

// Text never holds NUL: no client needs it, and PostgreSQL's text type cannot store it.
bool IsText(const boost::json::value& v) {
  return v.is_string() && !v.get_string().empty() &&
         std::string_view(v.get_string()).find('\0') == std::string_view::npos;
}

Result<std::string> RequiredString(const boost::json::object& body, std::string_view field) {
  const auto* v = Find(body, field);
  if (!v || !IsText(*v)) return FieldError(field);
  return std::string(v->get_string());
}

Result<std::optional<std::string>> OptionalString(const boost::json::object& body,
                                                  std::string_view field) {
  const auto* v = Find(body, field);
  if (!v) return std::optional<std::string>();
  if (!IsText(*v)) return FieldError(field);
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<int64_t> RequiredInt(const boost::json::object& body, std::string_view field, int64_t min,
                            int64_t max) {
  const auto* v = Find(body, field);
  if (!v) return FieldError(field);
  auto n = AsInt(*v);
  if (!n || *n < min || *n > max) return FieldError(field);
  return *n;
}

Result<std::optional<int64_t>> OptionalInt(const boost::json::object& body, std::string_view field,
                                           int64_t min, int64_t max) {
  if (!Find(body, field)) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(auto n, RequiredInt(body, field, min, max));
  return std::optional<int64_t>(n);
}

Result<std::optional<double>> OptionalDouble(const boost::json::object& body,
                                             std::string_view field, double min, double max) {
  const auto* v = Find(body, field);
  if (!v) return std::optional<double>();
  double d = 0;
  if (v->is_double()) {
    d = v->get_double();
  } else if (v->is_int64()) {
    d = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    d = static_cast<double>(v->get_uint64());
  } else if (v->is_string()) {
    std::string_view s = v->get_string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return FieldError(field);
  } else {
    return FieldError(field);
  }
  if (!std::isfinite(d) || d < min || d > max) return FieldError(field);
  return std::optional<double>(d);
}

Result<std::optional<int64_t>> OptionalInstant(const boost::json::object& body,
                                               std::string_view field) {
  auto it = body.find(field);
  if (it != body.end() && it->value().is_string()) {
    if (auto ms = ParseLocalTime(it->value().get_string())) return std::optional<int64_t>(*ms);
  }
  return OptionalInt(body, field, 0, kMaxTimestampMs);
}

Result<std::string> OptionalObjectText(const boost::json::object& body, std::string_view field) {
  const auto* v = Find(body, field);
  if (!v) return std::string("{}");
  if (!v->is_object()) return FieldError(field);
  return boost::json::serialize(*v);
}

Result<boost::json::object> ParseBodyObject(std::string_view text,
                                            boost::json::storage_ptr storage) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(text, ec, std::move(storage));
  if (ec) return Status::InvalidArgument("参数错误: 请求体不是合法的 JSON");
  if (!v.is_object()) return Status::InvalidArgument("参数错误: 请求体必须是 JSON 对象");
  return std::move(v.get_object());
}

}  // namespace opchat
