#include "common/private_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace opchat {

Status CreatePrivateDirectories(const std::string& dir) {
  // Component by component, because create_directories would use 0777 and the umask.
  std::filesystem::path built;
  for (const auto& part : std::filesystem::path(dir)) {
    built /= part;
    if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::Unavailable("cannot create directory " + built.string() + ": " +
                                 std::strerror(errno));
    }
  }
  return Status::Ok();
}

Status PreparePrivateFile(const std::string& path) {
  struct stat st {};
  // A pipe would block an open until a reader comes; a device is not ours to change.
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return Status::Ok();
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
  Status result = Status::Ok();
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
      ::fchmod(fd, st.st_mode & 0700) != 0) {
    result = Status::Unavailable("cannot make " + path + " owner-only: " + std::strerror(errno));
  }
  ::close(fd);
  return result;
}

}  // namespace opchat
