// Basic value types shared by the whole model: data types, dataflows, errors.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tessera {

using Cycles = std::uint64_t;
using Bytes = std::uint64_t;

/// Element data types the matrix engine and memories understand.
enum class DataType { fp32, bf16, fp16, fp8, int8 };
inline constexpr DataType kAllDataTypes[] = {DataType::fp32, DataType::bf16, DataType::fp16,
                                             DataType::fp8, DataType::int8};

constexpr Bytes bytes_per_element(DataType t) {
  switch (t) {
    case DataType::fp32: return 4;
    case DataType::bf16:
    case DataType::fp16: return 2;
    case DataType::fp8:
    case DataType::int8: return 1;
  }
  return 0;
}
std::string_view to_string(DataType t);
std::optional<DataType> parse_data_type(std::string_view s);

/// Which GEMM operand stays resident in the systolic array.
enum class Dataflow { weight_stationary, output_stationary, input_stationary };
std::string_view to_string(Dataflow d);
/// Accepts "ws"/"os"/"is" and the long names.
std::optional<Dataflow> parse_dataflow(std::string_view s);

/// A user-facing error: bad input, bad config, impossible request. The CLI prints
/// what() and exits non-zero; it never signals a bug in Tessera itself.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Integer ceiling division.
constexpr std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

}  // namespace tessera
