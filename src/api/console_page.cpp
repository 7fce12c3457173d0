#include "api/console_page.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "api/console_files.hpp"
#include "api/envelope.hpp"

namespace opchat {
namespace {

constexpr std::string_view kPagePrefix = "/console/";

struct ContentType {
  std::string_view extension;
  std::string_view type;
};

// The kinds of file the page is made of; any other name is not served. No JSON: every JSON
// answer of the server is an envelope, and a page file would not be one.
constexpr ContentType kContentTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
};

std::string_view ContentTypeOf(std::string_view name) {
  for (const ContentType& c : kContentTypes) {
    if (name.ends_with(c.extension)) return c.type;
  }
  return {};
}

// A name of the page's own files: segments of [A-Za-z0-9._-] that do not start with a dot, so
// that no name leaves page_dir ("..") or reaches a hidden file.
bool IsPageFileName(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = std::min(name.find('/', start), name.size());
    std::string_view segment = name.substr(start, end - start);
    if (segment.empty() || segment.front() == '.') return false;
    for (char c : segment) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

std::optional<std::string> ReadPageFile(const ApiDeps& deps, std::string_view name) {
  if (!deps.console.page_dir.empty()) {
    std::ifstream in(deps.console.page_dir + "/" + std::string(name), std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (const EmbeddedFile& f : ConsoleFiles()) {
    if (f.path == name) return std::string(f.bytes);
  }
  return std::nullopt;
}

}  // namespace

ApiResponse AnswerConsolePage(const ApiDeps& deps, const ApiRequest& request,
                              std::string_view path) {
  ApiResponse r;
  r.endpoint = "consolePage";
  if (request.method != "GET" && request.method != "HEAD") {
    r = RefusalResponse(Refusal::kMethodNotAllowed, "请求方法不允许: 需要 GET", deps.settings);
    r.endpoint = "consolePage";
    r.allow = "GET, HEAD";
    return r;
  }
  if (!path.starts_with(kPagePrefix)) {
    // "/console": the page's relative links need the trailing slash. The body is the usual
    // envelope, for a client that does not follow redirects.
    r = ErrorResponse(308, Status::InvalidArgument("控制台页面在 /console/"), deps.settings);
    r.endpoint = "consolePage";
    r.location = "/console/";
    return r;
  }
  std::string_view name = path.substr(kPagePrefix.size());
  if (name.empty()) name = "index.html";
  std::string_view type = ContentTypeOf(name);
  std::optional<std::string> bytes;
  if (IsPageFileName(name) && !type.empty()) bytes = ReadPageFile(deps, name);
  if (!bytes) {
    r = ErrorResponse(Status::NotFound("页面不存在"), deps.settings);
    r.endpoint = "consolePage";
    return r;
  }
  r.body = std::move(*bytes);
  r.content_type = type;
  return r;
}

std::string ConsoleContentSecurityPolicy(std::string_view media_domain) {
  // The domain is configuration, but a space, quote or ';' in it would add directives of its own.
  bool plain = std::none_of(media_domain.begin(), media_domain.end(), [](char c) {
    return c == ';' || c == ',' || c == '\'' || c == '"' || static_cast<unsigned char>(c) <= ' ';
  });
  std::string media =
      media_domain.empty() || !plain ? std::string() : " " + std::string(media_domain);
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:" +
         media + "; media-src 'self' blob:" + media +
         "; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
         "frame-ancestors 'none'";
}

}  // namespace opchat
