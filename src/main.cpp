// opchat: the Op API v2 chat-history service. One binary, one subcommand per job
// (docs/configuration.md).
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"opchat — customer-service chat history service (Op API v2)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "opchat 0.1.0");
  int exit_code = 0;
  opchat::cli::RegisterServe(app, exit_code);
  opchat::cli::RegisterClient(app, exit_code);
  opchat::cli::RegisterSign(app, exit_code);
  opchat::cli::RegisterDemo(app, exit_code);
  opchat::cli::RegisterBackup(app, exit_code);
  opchat::cli::RegisterMigrate(app, exit_code);
  opchat::cli::RegisterImport(app, exit_code);
  opchat::cli::RegisterExport(app, exit_code);
  opchat::cli::RegisterTranscript(app, exit_code);
  opchat::cli::RegisterWebhook(app, exit_code);
  opchat::cli::RegisterOperator(app, exit_code);
  // Every usage or configuration error exits 2, as docs/configuration.md promises and the
  // systemd unit's RestartPreventExitStatus=2 relies on (CLI11's own codes are 104-109, which a
  // supervisor would take for a crash and restart for ever). --help and --version exit 0.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "opchat: " + std::string(e.what()) + " (see --help)\n";
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
