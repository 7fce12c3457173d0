// A minimal streaming JSON writer that appends straight into a std::string.
// The history endpoint renders every response through it: no DOM, no per-value allocation.
// Commas are the caller's job through Key()/Comma-free helpers below. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace opchat {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() {
    Separate();
    out_ += '{';
    first_ = true;
  }
  void EndObject() {
    out_ += '}';
    first_ = false;
  }
  void BeginArray() {
    Separate();
    out_ += '[';
    first_ = true;
  }
  void EndArray() {
    out_ += ']';
    first_ = false;
  }

  // Writes `"name":`; the next value call completes the member.
  // REQUIRES: `name` needs no JSON escaping (it is written as is).
  void Key(std::string_view name);

  void String(std::string_view v);
  void Int(int64_t v);
  void Double(double v);
  void Bool(bool v);
  void Null();
  // Inserts already-encoded JSON (e.g. a stored `ext` object) verbatim.
  void Raw(std::string_view json);

  // How long the output is: where the next character will be written.
  size_t size() const { return out_.size(); }

  void String(const std::optional<std::string>& v) { v ? String(std::string_view(*v)) : Null(); }
  void String(const std::optional<std::string_view>& v) { v ? String(*v) : Null(); }
  void String(const std::string& v) { String(std::string_view(v)); }
  void String(const char* v) { String(std::string_view(v)); }
  void Double(const std::optional<double>& v) { v ? Double(*v) : Null(); }

 private:
  void Separate() {
    if (!first_ && !after_key_) out_ += ',';
    first_ = false;
    after_key_ = false;
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

// Appends `v` as a quoted JSON string, escaping control characters, '"' and '\\'.
// Invalid UTF-8 is passed through byte for byte: stored text is validated on the way in.
void AppendJsonString(std::string& out, std::string_view v);

}  // namespace opchat
