#include "codec/operator_json.hpp"

namespace opchat {

void WriteOperatorFields(JsonWriter& w, const Operator& op) {
  w.Key("id");
  w.String(op.id);
  w.Key("channel");
  w.String(op.channel);
  w.Key("login");
  w.String(op.login);
  w.Key("name");
  w.String(op.name);
  w.Key("role");
  w.String(RoleName(op.role));
}

}  // namespace opchat
