#include "cli/password_input.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>

namespace opchat::cli {
namespace {

// One line of stdin without its line ending; nullopt at end of input before any character.
std::optional<std::string> ReadLine() {
  std::string line;
  if (!std::getline(std::cin, line) && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Prompts on stderr (stdout carries the command's JSON) and reads a line with echo off.
std::optional<std::string> Prompt(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios saved{};
  const bool restore = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the Enter still moves to the next line
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::optional<std::string> line = ReadLine();
  if (restore) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  return line;
}

}  // namespace

Result<std::string> ReadPassword(bool from_stdin) {
  if (from_stdin) {
    std::optional<std::string> line = ReadLine();
    if (!line || line->empty()) return Status::InvalidArgument("--password-stdin: stdin is empty");
    return *line;
  }
  if (!::isatty(STDIN_FILENO)) {
    return Status::InvalidArgument(
        "stdin is not a terminal: to pass the password in a pipe, use --password-stdin");
  }
  std::optional<std::string> first = Prompt("Password: ");
  if (!first || first->empty()) return Status::InvalidArgument("no password given");
  std::optional<std::string> second = Prompt("Repeat the password: ");
  if (!second || *second != *first) return Status::InvalidArgument("the passwords differ");
  return *first;
}

}  // namespace opchat::cli
