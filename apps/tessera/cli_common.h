// Options and helpers shared by every tessera subcommand.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <type_traits>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

namespace tessera::cli {

namespace po = boost::program_options;

enum class OutputFormat { table, json };

/// Options every result-printing subcommand takes.
struct CommonOptions {
  OutputFormat format = OutputFormat::table;
  std::vector<std::string> overrides;  // --set key.path=value, applied to the chip config
  std::string out;                     // --out results file (HDF5); empty = none
};

/// Adds --format, --set and --out to `desc`, binding them to `opts`.
void add_common_options(po::options_description& desc, CommonOptions& opts, std::string& format_text);
/// Adds --list-keys (print every chip key and exit) to a command that takes a chip;
/// parse_command_line() then handles it like --help.
void add_list_keys_option(po::options_description& desc);
/// Every chip key with its type, accepted values, unit and meaning (--list-keys).
void print_chip_keys(std::ostream& os);

/// `text` as a whole number in [min, max]; throws Error naming --`option` otherwise.
std::uint64_t parse_whole_number(const std::string& text, const std::string& option, std::uint64_t min,
                                 std::uint64_t max);

/// A whole-number option bound to `target` (an unsigned type), read strictly: "-1", "1.5" or a
/// value outside [min, max] is an Error naming --`option`, never a wrapped-around huge value.
/// Use in place of po::value<T>; a default is text: whole_number(&n, "batch", 1, 1 << 20)->default_value("1").
template <class T>
po::typed_value<std::string>* whole_number(T* target, std::string option, std::uint64_t min = 0,
                                           std::uint64_t max = std::numeric_limits<T>::max()) {
  static_assert(std::is_unsigned_v<T>);
  return po::value<std::string>()->notifier([target, option, min, max](const std::string& text) {
    *target = static_cast<T>(parse_whole_number(text, option, min, std::min<std::uint64_t>(max, std::numeric_limits<T>::max())));
  });
}

/// Parses "table"/"json"; throws Error otherwise.
OutputFormat parse_format(const std::string& text);

/// Parses argv with `desc` (plus positional `pos` when given). Prints help (or the chip keys) and
/// returns false when --help (or --list-keys) was given; throws Error with the option name on bad input.
bool parse_command_line(int argc, char** argv, const po::options_description& desc,
                        po::variables_map& vm, const std::string& usage,
                        const po::positional_options_description* pos = nullptr);

/// Writes one JSON document to stdout.
void print_json(const nlohmann::json& doc);

/// A one-line status on stderr for long runs ("chip model: 12 distinct operators"), redrawn in
/// place at most 10 times a second; silent when stderr is not a terminal.
class StatusLine {
 public:
  StatusLine();
  ~StatusLine();  // clears the line
  void show(const std::string& text);

 private:
  bool enabled_;
  bool drawn_ = false;
  double last_ = -1;
};

}  // namespace tessera::cli
