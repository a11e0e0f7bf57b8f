#include "base/types.h"

namespace tessera {

std::string_view to_string(DataType t) {
  switch (t) {
    case DataType::fp32: return "fp32";
    case DataType::bf16: return "bf16";
    case DataType::fp16: return "fp16";
    case DataType::fp8: return "fp8";
    case DataType::int8: return "int8";
  }
  return "?";
}

std::optional<DataType> parse_data_type(std::string_view s) {
  for (DataType t : kAllDataTypes)
    if (to_string(t) == s) return t;
  return std::nullopt;
}

std::string_view to_string(Dataflow d) {
  switch (d) {
    case Dataflow::weight_stationary: return "ws";
    case Dataflow::output_stationary: return "os";
    case Dataflow::input_stationary: return "is";
  }
  return "?";
}

std::optional<Dataflow> parse_dataflow(std::string_view s) {
  if (s == "ws" || s == "weight_stationary") return Dataflow::weight_stationary;
  if (s == "os" || s == "output_stationary") return Dataflow::output_stationary;
  if (s == "is" || s == "input_stationary") return Dataflow::input_stationary;
  return std::nullopt;
}

}  // namespace tessera
