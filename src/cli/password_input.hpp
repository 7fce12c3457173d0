// Reading an operator's password for `opchat operator add | reset-password`: from the first line
// of stdin (--password-stdin, for scripts), or typed at the terminal without echo, twice. Never
// from a flag: a command line is visible to every user of the machine (ps) and stays in shell
// histories. Not thread-safe (it changes the terminal's modes).
#pragma once

#include <string>

#include "common/status.hpp"

namespace opchat::cli {

// The password, not yet checked against the policy (auth/password_hash.hpp). InvalidArgument
// when stdin holds nothing, when the prompt is asked for but stdin is not a terminal (a pipe
// that was meant for --password-stdin), or when the two typed copies differ.
Result<std::string> ReadPassword(bool from_stdin);

}  // namespace opchat::cli
