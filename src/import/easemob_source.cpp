#include "import/easemob_source.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <boost/json/parse.hpp>

namespace opchat {
namespace {

constexpr unsigned kReadChunk = 1 << 18;

gzFile Gz(void* p) { return static_cast<gzFile>(p); }

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

EasemobSource::Item ParseItem(int64_t line_no, std::string_view text) {
  EasemobSource::Item item;
  item.line = line_no;
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) {
    item.error = "not valid JSON (" + ec.message() + ")";
  } else if (!v.is_object()) {
    item.error = "not a JSON object";
  } else {
    item.record = std::move(v.get_object());
  }
  return item;
}

}  // namespace

std::vector<int64_t> RecordStartLines(std::string_view doc) {
  std::vector<int64_t> out;
  std::vector<char> stack;  // open '{' and '['
  int64_t line = 1;
  bool in_string = false, escape = false, collecting = false;
  bool expect_key = false;  // in the top-level object, the next string is a member name
  std::string last_key, pending_key;
  size_t target = 0;          // stack depth of the record array; 0 until found
  bool expect_value = false;  // in the record array, the next token starts an element
  auto top_object = [&] { return stack.size() == 1 && stack[0] == '{'; };
  for (char c : doc) {
    if (c == '\n') ++line;
    if (in_string) {
      if (escape) {
        escape = false;
      } else if (c == '\\') {
        escape = true;
      } else if (c == '"') {
        in_string = false;
      } else if (collecting) {
        last_key += c;
      }
      continue;
    }
    if (target && stack.size() == target && expect_value && c != ' ' && c != '\t' && c != '\r' &&
        c != '\n' && c != ']') {
      out.push_back(line);
      expect_value = false;
    }
    switch (c) {
      case '"':
        in_string = true;
        collecting = top_object() && expect_key;
        if (collecting) last_key.clear();
        break;
      case ':':
        if (top_object()) {
          pending_key = last_key;
          expect_key = false;
        }
        break;
      case ',':
        if (target && stack.size() == target) expect_value = true;
        if (top_object()) expect_key = true;
        break;
      case '{':
      case '[': {
        bool records =
            c == '[' && !target && (stack.empty() || (top_object() && pending_key == "entities"));
        stack.push_back(c);
        if (c == '{' && stack.size() == 1) expect_key = true;
        if (records) {
          target = stack.size();
          expect_value = true;
        }
        break;
      }
      case '}':
      case ']':
        if (stack.empty()) return out;
        if (target && stack.size() == target && c == ']') return out;
        stack.pop_back();
        break;
      default: break;
    }
  }
  return out;
}

Result<std::unique_ptr<EasemobSource>> EasemobSource::Open(const std::string& path) {
  std::unique_ptr<EasemobSource> source(new EasemobSource(path));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::InvalidArgument("cannot open " + path);
  }
  source->total_bytes_ = st.st_size;
  RETURN_IF_ERROR(source->Reopen());
  return source;
}

EasemobSource::~EasemobSource() {
  if (gz_) gzclose(Gz(gz_));
}

Status EasemobSource::Reopen() {
  if (gz_) gzclose(Gz(gz_));
  // gzopen reads a file that is not gzip as it is, so one path serves both.
  gz_ = gzopen(path_.c_str(), "rb");
  if (!gz_) return Status::InvalidArgument("cannot open " + path_);
  gzbuffer(Gz(gz_), kReadChunk);
  buffer_.clear();
  buffer_pos_ = 0;
  eof_ = false;
  line_no_ = 0;
  return Status::Ok();
}

int64_t EasemobSource::consumed_bytes() const {
  return gz_ ? static_cast<int64_t>(gzoffset(Gz(gz_))) : total_bytes_;
}

Result<bool> EasemobSource::ReadLine(std::string* line) {
  while (true) {
    size_t nl = buffer_.find('\n', buffer_pos_);
    if (nl != std::string::npos || (eof_ && buffer_pos_ < buffer_.size())) {
      size_t end = nl == std::string::npos ? buffer_.size() : nl;
      line->assign(buffer_, buffer_pos_, end - buffer_pos_);
      buffer_pos_ = nl == std::string::npos ? buffer_.size() : nl + 1;
      if (!line->empty() && line->back() == '\r') line->pop_back();
      ++line_no_;
      return true;
    }
    if (eof_) return false;
    if (static_cast<int64_t>(buffer_.size() - buffer_pos_) > kMaxDocumentBytes) {
      return Status::InvalidArgument(path_ + ": a line longer than 64 MiB");
    }
    buffer_.erase(0, buffer_pos_);
    buffer_pos_ = 0;
    size_t old = buffer_.size();
    buffer_.resize(old + kReadChunk);
    int n = gzread(Gz(gz_), buffer_.data() + old, kReadChunk);
    buffer_.resize(old + static_cast<size_t>(std::max(n, 0)));
    int err = Z_OK;
    const char* why = gzerror(Gz(gz_), &err);
    // A truncated gzip stream ends with Z_BUF_ERROR rather than a short read.
    if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
      return Status::InvalidArgument(path_ + ": cannot read: " + (why ? why : "gzip error"));
    }
    if (n == 0) eof_ = true;
  }
}

Status EasemobSource::StartDocument(std::string first_line) {
  const int64_t first_no = line_no_;
  // Rebuild the text with its line breaks, so element lines count from the file's start.
  std::string text(static_cast<size_t>(first_no - 1), '\n');
  text += first_line;
  text += '\n';
  std::string line;
  while (true) {
    ASSIGN_OR_RETURN(auto more, ReadLine(&line));
    if (!more) break;
    text += line;
    text += '\n';
    // Too big for a REST page: a file of records (whose first line is broken), so read lines.
    if (static_cast<int64_t>(text.size()) > kMaxDocumentBytes) return Reopen();
  }
  boost::json::error_code ec;
  boost::json::value doc = boost::json::parse(text, ec);
  const boost::json::array* records = nullptr;
  if (!ec && doc.is_object()) {
    auto it = doc.get_object().find("entities");
    if (it != doc.get_object().end() && it->value().is_array()) records = &it->value().get_array();
  } else if (!ec && doc.is_array()) {
    records = &doc.get_array();
  }
  if (records) {
    std::vector<int64_t> lines = RecordStartLines(text);
    for (size_t i = 0; i < records->size(); ++i) {
      Item item;
      item.line = i < lines.size() ? lines[i] : first_no;
      if ((*records)[i].is_object()) {
        item.record = (*records)[i].get_object();
      } else {
        item.error = "record " + std::to_string(i + 1) + " is not a JSON object";
      }
      items_.push_back(std::move(item));
    }
    document_mode_ = true;
    return Status::Ok();
  }
  if (!ec && doc.is_object()) {
    items_.push_back(Item{first_no, std::move(doc.get_object()), {}});
    document_mode_ = true;
    return Status::Ok();
  }
  // Not one document: lines after all (a file of records whose first line is broken).
  return Reopen();
}

Result<std::optional<EasemobSource::Item>> EasemobSource::Next() {
  using Out = std::optional<Item>;
  std::string line;
  if (!started_) {
    started_ = true;
    bool found = false;
    while (!found) {
      ASSIGN_OR_RETURN(auto more, ReadLine(&line));
      if (!more) return Out();
      found = !IsBlank(line);
    }
    Item first = ParseItem(line_no_, line);
    if (first.record && !first.record->contains("entities")) return Out(std::move(first));
    RETURN_IF_ERROR(StartDocument(std::move(line)));
  }
  if (document_mode_) {
    if (next_item_ >= items_.size()) return Out();
    return Out(std::move(items_[next_item_++]));
  }
  while (true) {
    ASSIGN_OR_RETURN(auto more, ReadLine(&line));
    if (!more) return Out();
    if (!IsBlank(line)) return Out(ParseItem(line_no_, line));
  }
}

}  // namespace opchat
