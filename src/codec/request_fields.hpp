// Typed access to the fields of a JSON request body. Every failure is InvalidArgument with a
// message naming the field ("参数错误: pageNum"), as docs/api.md, "Errors", promises.
// Integers may arrive as JSON integers or as decimal strings ("2"); nothing else converts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/status.hpp"

namespace opchat {

// The latest time a request may name: 9999-12-31T23:59:59.999Z, in Unix milliseconds.
constexpr int64_t kMaxTimestampMs = 253402300799999;

Status FieldError(std::string_view field);

// A non-empty string without NUL. Missing, null, empty or another type fails.
Result<std::string> RequiredString(const boost::json::object& body, std::string_view field);
// A string when present and not null; an empty string fails too (use nullopt for "none").
Result<std::optional<std::string>> OptionalString(const boost::json::object& body,
                                                  std::string_view field);
Result<int64_t> RequiredInt(const boost::json::object& body, std::string_view field, int64_t min,
                            int64_t max);
Result<std::optional<int64_t>> OptionalInt(const boost::json::object& body, std::string_view field,
                                           int64_t min, int64_t max);
// A JSON number (or numeric string) within [min, max].
Result<std::optional<double>> OptionalDouble(const boost::json::object& body,
                                             std::string_view field, double min, double max);
// A point in time: Unix milliseconds (number or digit string) or a local time
// "yyyy-MM-dd HH:mm:ss" in the configured zone. nullopt when absent or null.
Result<std::optional<int64_t>> OptionalInstant(const boost::json::object& body,
                                               std::string_view field);
// A JSON object, returned as compact JSON text; "{}" when absent or null.
Result<std::string> OptionalObjectText(const boost::json::object& body, std::string_view field);

// Parses `text` as a JSON object (the request body). InvalidArgument when it is not one. The
// tree is allocated from `storage` (bulk loaders pass a buffer they reuse line after line).
Result<boost::json::object> ParseBodyObject(std::string_view text,
                                            boost::json::storage_ptr storage = {});

}  // namespace opchat
