// Files and directories only their owner may read: chat history leaves opchat (database,
// backups, exports, transcripts) readable by the owner alone, whatever the umask. Stateless,
// thread-safe.
#pragma once

#include <string>

#include "common/status.hpp"

namespace opchat {

// Creates `dir` and any missing parents with mode 0700. Directories that exist keep their
// mode (they may be shared on purpose, such as /tmp). Unavailable when one cannot be made.
Status CreatePrivateDirectories(const std::string& dir);

// Makes sure the regular file `path` exists with mode 0600 before a stream opens it: a new
// file is created so, an existing regular file loses its group and other permissions. Anything
// else (a device such as /dev/null, a pipe) is left alone. Unavailable when it cannot.
Status PreparePrivateFile(const std::string& path);

}  // namespace opchat
