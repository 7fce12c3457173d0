// docs/openapi.yaml, built into the binary (tools/embed_file.cmake) and served unsigned at
// GET /op/v2/openapi.yaml, so a client can always fetch the description of the server it talks to.
#pragma once

#include <string_view>

namespace opchat {

std::string_view OpenApiDocument();

}  // namespace opchat
