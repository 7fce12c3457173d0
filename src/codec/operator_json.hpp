// The fields of an operator as the console's answers and `opchat operator list` show it (never
// its password hash). Stateless; thread-safe.
#pragma once

#include "common/json_writer.hpp"
#include "domain/operator.hpp"

namespace opchat {

// Writes "id", "channel", "login", "name" and "role" into the object `w` is in.
void WriteOperatorFields(JsonWriter& w, const Operator& op);

}  // namespace opchat
