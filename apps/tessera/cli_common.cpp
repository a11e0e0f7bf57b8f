#include "apps/tessera/cli_common.h"

#include <charconv>

#include <chrono>
#include <iostream>

#include <fmt/core.h>

#include "base/config/field_table.h"
#include "base/types.h"
#include "models/config/chip_config.h"
#include "sweep/progress.h"

namespace tessera::cli {

StatusLine::StatusLine() : enabled_(sweep::Progress::terminal()) {}

StatusLine::~StatusLine() {
  if (drawn_) std::cerr << "\r\033[K" << std::flush;
}

void StatusLine::show(const std::string& text) {
  if (!enabled_) return;
  const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (now - last_ < 0.1) return;
  last_ = now;
  drawn_ = true;
  std::cerr << "\r\033[K" << text.substr(0, 100) << std::flush;
}

void add_common_options(po::options_description& desc, CommonOptions& opts, std::string& format_text) {
  desc.add_options()
      ("format", po::value<std::string>(&format_text)->default_value("table"),
       "output on stdout: table (human) or json (one JSON document)")
      ("set", po::value<std::vector<std::string>>(&opts.overrides)->composing(),
       "override a config key, e.g. --set hbm.data_rate_gbps=6.4 (repeatable)")
      ("out,o", po::value<std::string>(&opts.out), "write results to this HDF5 file");
}

void add_list_keys_option(po::options_description& desc) {
  desc.add_options()("list-keys", "list every chip config key (for --set) with its allowed values and exit");
}

void print_chip_keys(std::ostream& os) {
  os << "Chip keys (path, type and allowed values [unit], meaning; [*] is every element of a list):\n"
     << config::format_key_listing(chip_config_keys());
}

std::uint64_t parse_whole_number(const std::string& text, const std::string& option, std::uint64_t min,
                                 std::uint64_t max) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < min || v > max)
    throw Error(fmt::format("--{}: expected a whole number from {} to {}, got '{}'", option, min, max, text));
  return v;
}

OutputFormat parse_format(const std::string& text) {
  if (text == "table") return OutputFormat::table;
  if (text == "json") return OutputFormat::json;
  throw Error(fmt::format("--format: expected 'table' or 'json', got '{}'", text));
}

bool parse_command_line(int argc, char** argv, const po::options_description& desc,
                        po::variables_map& vm, const std::string& usage,
                        const po::positional_options_description* pos) {
  try {
    auto parser = po::command_line_parser(argc, argv).options(desc);
    if (pos) parser.positional(*pos);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n\n" << desc << "\n";
      return false;
    }
    if (desc.find_nothrow("list-keys", false) && vm.count("list-keys")) {
      print_chip_keys(std::cout);
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(fmt::format("{} (see '{} --help')", e.what(), argv[0]));
  }
  return true;
}

void print_json(const nlohmann::json& doc) { std::cout << doc.dump(2) << "\n"; }

}  // namespace tessera::cli
