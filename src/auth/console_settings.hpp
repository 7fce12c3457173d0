// The settings of the console's sign-in ([console] in docs/configuration.md). Plain values;
// thread-compatible.
#pragma once

#include <cstdint>

namespace opchat {

struct ConsoleSettings {
  // A session unused this long ends (the browser signs in again).
  int64_t session_idle_minutes = 30;
  // A session ends this long after sign-in, however busy: a stolen cookie is not good for ever.
  int64_t session_lifetime_hours = 12;
  // Leaves Secure off the session cookie, so that a browser keeps it over plain HTTP: only for a
  // server listening on loopback (a developer's machine, or behind a proxy on the same host
  // that terminates TLS). FinishConfig refuses it for any other listen address.
  bool insecure_loopback_http = false;
  // Serves the page from this directory, read on every request, instead of the files built into
  // the binary: for working on the page without rebuilding (`opchat serve --console-dir`).
  std::string page_dir;

  int64_t idle_ms() const { return session_idle_minutes * 60'000; }
  int64_t lifetime_ms() const { return session_lifetime_hours * 3'600'000; }
};

}  // namespace opchat
