// The console's page at /console/ (docs/console.md): the files of console/, built into the
// binary, or read from [console] page_dir while the page is being worked on. Every console
// answer, the page's and its API's, carries the Content-Security-Policy below. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/api.hpp"

namespace opchat {

// GET or HEAD /console and /console/<file>.
ApiResponse AnswerConsolePage(const ApiDeps& deps, const ApiRequest& request,
                              std::string_view path);

// Scripts, styles and connections only from the server itself (no inline script, no eval, no
// other site), media also from `media_domain` (the signed getUrl links), and no framing.
std::string ConsoleContentSecurityPolicy(std::string_view media_domain);

}  // namespace opchat
