// Fuzzes the path from raw bytes to an answer: Beast's request parser with the server's
// limits, then the Api. Whatever parses must be answered with a JSON document, except the
// documents a GET may fetch (the OpenAPI description, metrics).
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_target_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  auto& h = opchat::fuzz::SharedHarness();
  http::request_parser<http::string_body> parser;
  parser.body_limit(65536);
  parser.header_limit(8192);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  (void)used;
  if (ec || !parser.is_done()) return 0;
  const auto& req = parser.get();
  opchat::ApiResponse r = h.api->Handle(
      {req.method_string(), req.target(), req[http::field::content_type], req.body()});
  bool json = r.content_type.starts_with("application/json");
  if (!json && req.method() != http::verb::get && req.method() != http::verb::head) {
    std::fprintf(stderr, "%s answered with %s\n", std::string(req.method_string()).c_str(),
                 std::string(r.content_type).c_str());
    std::abort();
  }
  if (json) opchat::fuzz::CheckIsEnvelope(r.body);
  return 0;
}
