// tessera chip-config-doc FILE: rewrites the generated key tables of docs/chip-config.md from
// the chip schema. Not listed among the commands: it is a maintenance step (the cmake target
// chip-config-doc runs it), and the config tests fail while the committed tables are stale.
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/core.h>

#include "apps/tessera/commands.h"
#include "base/io/atomic_file.h"
#include "base/types.h"
#include "models/config/chip_config.h"

namespace tessera::cli {

int cmd_chip_config_doc(int argc, char** argv) {
  constexpr const char* kUsage =
      "usage: tessera chip-config-doc docs/chip-config.md\n"
      "Rewrites the generated chip key tables of that file from the chip schema.";
  if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::cout << kUsage << "\n";
    return 0;
  }
  if (argc != 2 || argv[1][0] == '-') throw Error(kUsage);
  const std::string path = argv[1];
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open file", path));
  std::stringstream text;
  text << in.rdbuf();
  const std::string updated = update_chip_config_doc(text.str());
  if (updated == text.str()) {
    std::cout << path << ": the chip key tables are up to date\n";
    return 0;
  }
  write_text_atomically(path, updated);
  std::cout << path << ": chip key tables regenerated\n";
  return 0;
}

}  // namespace tessera::cli
