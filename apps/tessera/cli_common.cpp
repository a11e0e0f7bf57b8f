#include "apps/tessera/cli_common.h"

#include <iostream>

#include <fmt/core.h>

#include "models/common/types.h"

namespace tessera::cli {

void add_common_options(po::options_description& desc, CommonOptions& opts, std::string& format_text) {
  desc.add_options()
      ("format", po::value<std::string>(&format_text)->default_value("table"),
       "output on stdout: table (human) or json (one JSON document)")
      ("set", po::value<std::vector<std::string>>(&opts.overrides)->composing(),
       "override a config key, e.g. --set hbm.data_rate_gbps=6.4 (repeatable)")
      ("out,o", po::value<std::string>(&opts.out), "write results to this HDF5 file");
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
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(fmt::format("{} (see '{} --help')", e.what(), argv[0]));
  }
  return true;
}

void print_json(const nlohmann::json& doc) { std::cout << doc.dump(2) << "\n"; }

}  // namespace tessera::cli
