#include "workloads/trace_io.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include <fmt/core.h>

#include "base/config/field_reader.h"
#include "base/io/atomic_file.h"
#include "base/io/h5_file.h"
#include "base/io/h5_reader.h"

namespace tessera {

using nlohmann::json;
using input::FieldReader;

// --- Operators as JSON ------------------------------------------------------------------------

namespace {

// Keys each kind accepts beyond the common ones.
std::vector<std::string_view> kind_keys(OpKind k) {
  switch (k) {
    case OpKind::gemm: return {"batch", "m", "n", "k", "b_is_weight", "b_dtype"};
    case OpKind::elementwise: return {"rows", "cols", "vector_class", "ops_per_element", "inputs", "outputs"};
    case OpKind::reduction:
    case OpKind::softmax:
    case OpKind::layernorm:
    case OpKind::rmsnorm: return {"rows", "cols"};
    case OpKind::collective: return {"collective"};
  }
  return {};
}
const std::vector<std::string_view> kCommonOpKeys = {
    "id", "kind", "name", "dtype", "out_dtype", "deps", "layer", "stage", "pass", "phase",
    "fused_input", "fused_output", "flops", "bytes_read", "bytes_written"};
const OpKind kKinds[] = {OpKind::gemm, OpKind::elementwise, OpKind::reduction, OpKind::softmax,
                         OpKind::layernorm, OpKind::rmsnorm, OpKind::collective};

DataType read_dtype(FieldReader& r, std::string_view key, DataType fallback) {
  auto v = r.opt_string(key);
  if (!v) return fallback;
  if (auto t = parse_data_type(*v)) return *t;
  r.fail_expected(key, "a data type: fp32, bf16, fp16, fp8 or int8");
}

std::int32_t read_i32(FieldReader& r, std::string_view key, std::int32_t fallback) {
  auto v = r.opt_integer(key);
  if (!v) return fallback;
  if (*v < INT32_MIN || *v > INT32_MAX) r.fail_expected(key, "a 32-bit whole number");
  return static_cast<std::int32_t>(*v);
}

std::uint32_t read_u32(FieldReader& r, std::string_view key, std::uint32_t fallback, std::uint64_t min) {
  auto v = r.opt_uint(key, min);
  if (!v) return fallback;
  if (*v > UINT32_MAX) r.fail_expected(key, "a whole number below 2^32");
  return static_cast<std::uint32_t>(*v);
}

// A trace states each operator's costs; they must agree with the shape it gives.
void check_stated_costs(FieldReader& r, const Operator& op) {
  if (auto f = r.opt_number("flops")) {
    const double want = op.flops();
    if (std::abs(*f - want) > 1e-9 * std::max(1.0, want))
      r.fail("flops", fmt::format("shape mismatch in operator '{}': states {} FLOPs but its shape gives {}",
                                  op.id, *f, want));
  }
  if (auto b = r.opt_uint("bytes_read"); b && *b != op.bytes_read())
    r.fail("bytes_read", fmt::format("shape mismatch in operator '{}': states {} bytes read but its shape gives {}",
                                     op.id, *b, op.bytes_read()));
  if (auto b = r.opt_uint("bytes_written"); b && *b != op.bytes_written())
    r.fail("bytes_written", fmt::format("shape mismatch in operator '{}': states {} bytes written but its shape "
                                        "gives {}", op.id, *b, op.bytes_written()));
}

}  // namespace

nlohmann::ordered_json operator_to_json(const Operator& op, bool with_costs) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["id"] = op.id;
  j["kind"] = to_string(op.kind);
  if (!op.name.empty()) j["name"] = op.name;
  j["dtype"] = to_string(op.dtype);
  if (op.out_dtype != op.dtype) j["out_dtype"] = to_string(op.out_dtype);
  switch (op.kind) {
    case OpKind::gemm:
      if (op.batch != 1) j["batch"] = op.batch;
      j["m"] = op.m;
      j["n"] = op.n;
      j["k"] = op.k;
      if (!op.b_is_weight) j["b_is_weight"] = false;
      if (op.b_dtype) j["b_dtype"] = to_string(*op.b_dtype);
      break;
    case OpKind::collective:
      j["collective"] = {{"kind", to_string(op.collective.kind)},
                         {"group", op.collective.group},
                         {"group_size", op.collective.group_size},
                         {"bytes", op.collective.bytes}};
      break;
    default:
      j["rows"] = op.rows;
      j["cols"] = op.cols;
      if (op.kind == OpKind::elementwise) {
        if (op.vector_class != VectorClass::add_mul) j["vector_class"] = to_string(op.vector_class);
        if (op.ops_per_element != 1) j["ops_per_element"] = op.ops_per_element;
        if (op.inputs != 1) j["inputs"] = op.inputs;
        if (op.outputs != 1) j["outputs"] = op.outputs;
      }
      break;
  }
  if (op.fused_input) j["fused_input"] = true;
  if (op.fused_output) j["fused_output"] = true;
  if (!op.deps.empty()) j["deps"] = op.deps;
  if (op.layer != -1) j["layer"] = op.layer;
  if (op.stage != 0) j["stage"] = op.stage;
  if (op.pass != -1) j["pass"] = op.pass;
  if (!op.phase.empty()) j["phase"] = op.phase;
  if (with_costs) {
    j["flops"] = op.flops();
    j["bytes_read"] = op.bytes_read();
    j["bytes_written"] = op.bytes_written();
  }
  return j;
}

Operator operator_from_json(const json& j, const std::string& source, const std::string& path) {
  FieldReader r(j, source, path);
  Operator op;
  op.id = r.string("id");
  if (op.id.empty()) r.fail("id", "must not be empty");
  const std::string kind = r.string("kind");
  const auto parsed = parse_op_kind(kind);
  if (!parsed)
    r.fail("kind", fmt::format("unknown operator kind '{}' in operator '{}' (expected gemm, elementwise, reduction, "
                               "softmax, layernorm, rmsnorm or collective)", kind, op.id));
  op.kind = *parsed;
  // Keys that belong to another kind get a clearer error than "unknown key".
  const auto own = kind_keys(op.kind);
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (std::find(own.begin(), own.end(), key) != own.end()) continue;
    if (std::find(kCommonOpKeys.begin(), kCommonOpKeys.end(), key) != kCommonOpKeys.end()) continue;
    for (OpKind other : kKinds) {
      const auto keys = kind_keys(other);
      if (std::find(keys.begin(), keys.end(), key) != keys.end())
        r.fail(key, fmt::format("does not apply to operator '{}' of kind {}", op.id, kind));
    }
  }
  op.name = r.opt_string("name").value_or("");
  op.dtype = read_dtype(r, "dtype", DataType::bf16);
  op.out_dtype = read_dtype(r, "out_dtype", op.dtype);
  switch (op.kind) {
    case OpKind::gemm:
      op.batch = r.opt_uint("batch", 1).value_or(1);
      op.m = r.uint("m", 1);
      op.n = r.uint("n", 1);
      op.k = r.uint("k", 1);
      op.b_is_weight = r.opt_boolean("b_is_weight").value_or(true);
      if (r.has("b_dtype")) op.b_dtype = read_dtype(r, "b_dtype", op.dtype);
      break;
    case OpKind::collective: {
      FieldReader c(r.value("collective"), source, r.key_path("collective"));
      const std::string ck = c.string("kind");
      auto ckind = parse_collective_kind(ck);
      if (!ckind)
        c.fail_expected("kind", "all_reduce, all_gather, reduce_scatter, all_to_all, broadcast or send_recv");
      op.collective.kind = *ckind;
      op.collective.group = c.string("group");
      op.collective.group_size = read_u32(c, "group_size", 1, 1);
      op.collective.bytes = c.uint("bytes");
      c.finish();
      break;
    }
    default:
      op.rows = r.uint("rows", 1);
      op.cols = r.uint("cols", 1);
      if (op.kind == OpKind::elementwise) {
        if (auto vc = r.opt_string("vector_class")) {
          auto parsed_vc = parse_vector_class(*vc);
          if (!parsed_vc) r.fail_expected("vector_class", "add_mul, exp or reduce");
          op.vector_class = *parsed_vc;
        }
        op.ops_per_element = read_u32(r, "ops_per_element", 1, 1);
        op.inputs = read_u32(r, "inputs", 1, 1);
        op.outputs = read_u32(r, "outputs", 1, 1);
      }
      break;
  }
  op.fused_input = r.opt_boolean("fused_input").value_or(false);
  op.fused_output = r.opt_boolean("fused_output").value_or(false);
  if (const json* deps = r.opt_value("deps")) {
    if (!deps->is_array()) r.fail_expected("deps", "a list of operator ids");
    for (std::size_t i = 0; i < deps->size(); ++i) {
      if (!(*deps)[i].is_string()) r.fail_expected("deps", "a list of operator ids (strings)");
      op.deps.push_back((*deps)[i].get<std::string>());
    }
  }
  op.layer = read_i32(r, "layer", -1);
  op.stage = read_i32(r, "stage", 0);
  op.pass = read_i32(r, "pass", -1);
  op.phase = r.opt_string("phase").value_or("");
  check_stated_costs(r, op);
  r.finish(fmt::format("unknown key in operator '{}'", op.id));
  return op;
}

nlohmann::ordered_json trace_header_to_json(const Workload& w) {
  const WorkloadSummary& s = w.summary;
  return nlohmann::ordered_json{{"format", kTraceFormat},
              {"version", kTraceVersion},
              {"name", w.name},
              {"source", w.source},
              {"tokens", w.tokens},
              {"samples", w.samples},
              {"summary",
               {{"model", s.model},
                {"scenario", s.scenario},
                {"parameters", s.parameters},
                {"active_parameters", s.active_parameters},
                {"weight_bytes", s.weight_bytes},
                {"kv_cache_bytes", s.kv_cache_bytes},
                {"activation_bytes", s.activation_bytes},
                {"gradient_bytes", s.gradient_bytes},
                {"optimizer_bytes", s.optimizer_bytes}}}};
}

namespace {

// Reads the header keys of a trace (everything but "ops") into `w`.
void read_trace_header(FieldReader& r, Workload& w) {
  const std::string format = r.string("format");
  if (format != kTraceFormat) r.fail_expected("format", fmt::format("\"{}\"", kTraceFormat));
  const std::int64_t version = r.integer("version");
  if (version != kTraceVersion)
    r.fail("version", fmt::format("trace format version {} is not supported (this build reads version {})", version,
                                  kTraceVersion));
  w.name = r.string("name");
  w.source = r.opt_string("source").value_or("");
  w.tokens = r.opt_number("tokens").value_or(0);
  w.samples = r.opt_number("samples").value_or(0);
  if (const json* summary = r.opt_value("summary")) {
    FieldReader s(*summary, r.source(), r.key_path("summary"));
    WorkloadSummary& ws = w.summary;
    ws.model = s.opt_string("model").value_or("");
    ws.scenario = s.opt_string("scenario").value_or("");
    ws.parameters = s.opt_uint("parameters").value_or(0);
    ws.active_parameters = s.opt_uint("active_parameters").value_or(0);
    ws.weight_bytes = s.opt_uint("weight_bytes").value_or(0);
    ws.kv_cache_bytes = s.opt_uint("kv_cache_bytes").value_or(0);
    ws.activation_bytes = s.opt_uint("activation_bytes").value_or(0);
    ws.gradient_bytes = s.opt_uint("gradient_bytes").value_or(0);
    ws.optimizer_bytes = s.opt_uint("optimizer_bytes").value_or(0);
    s.finish();
  }
}

}  // namespace

Workload workload_from_json(const json& doc, const std::string& source) {
  FieldReader r(doc, source, "");
  Workload w;
  if (r.has("format")) {
    read_trace_header(r, w);
  } else {  // a hand-written operator list
    w.name = r.string("name");
    r.opt_string("description");
    w.tokens = r.opt_number("tokens").value_or(0);
    w.samples = r.opt_number("samples").value_or(0);
    w.source = source;
  }
  const json& ops = r.value("ops");
  if (!ops.is_array()) r.fail_expected("ops", "a list of operators");
  w.ops.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i)
    w.ops.push_back(operator_from_json(ops[i], source, fmt::format("ops[{}]", i)));
  r.finish(r.has("format") ? "unknown key in a trace header" : "unknown key (an operator list has name, "
                                                              "description, tokens, samples, ops)");
  if (w.source.empty()) w.source = source;
  validate_workload(w, source);
  return w;
}

// --- Writing ----------------------------------------------------------------------------------

namespace {

bool ends_with_any(const std::string& s, std::initializer_list<std::string_view> suffixes) {
  for (auto suf : suffixes)
    if (s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0) return true;
  return false;
}

}  // namespace

void write_trace_json(const Workload& w, const std::string& path) {
  // Header keys one per line, then one operator per line: readable and diffable.
  std::string text = "{\n";
  const nlohmann::ordered_json header = trace_header_to_json(w);
  for (auto it = header.begin(); it != header.end(); ++it)
    text += "  " + json(it.key()).dump() + ": " + it->dump() + ",\n";
  text += "  \"ops\": [";
  for (std::size_t i = 0; i < w.ops.size(); ++i)
    text += (i ? ",\n    " : "\n    ") + operator_to_json(w.ops[i], true).dump();
  text += "\n  ]\n}\n";
  write_text_atomically(path, text);
}

void write_trace(const Workload& w, const std::string& path) {
  if (ends_with_any(path, {".h5", ".hdf5"})) write_trace_hdf5(w, path);
  else write_trace_json(w, path);
}

// --- HDF5 -------------------------------------------------------------------------------------

void write_trace_hdf5(const Workload& w, const std::string& path) {
  const std::size_t n = w.ops.size();
  // Dependencies in CSR form: operator i depends on deps[deps_offset[i] .. deps_offset[i+1]).
  std::unordered_map<std::string_view, std::uint64_t> index;
  index.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) index.emplace(w.ops[i].id, i);
  std::vector<std::uint64_t> offset(n + 1, 0), deps;
  for (std::size_t i = 0; i < n; ++i) {
    for (const std::string& d : w.ops[i].deps) {
      auto it = index.find(d);
      if (it == index.end())
        throw Error(fmt::format("{}: operator '{}': dangling dependency '{}' (no such operator)", path, w.ops[i].id, d));
      deps.push_back(it->second);
    }
    offset[i + 1] = deps.size();
  }

  write_file_atomically(path, [&](const std::string& tmp) {
    // HDF5's default layout (names listed alphabetically), as the format was first written.
    h5::H5File file = h5::H5File::create(tmp, h5::FileOptions{.track_creation_order = false});
    h5::write_string_attribute(file.root(), "format", std::string(kTraceFormat));
    h5::write_int32_attribute(file.root(), "version", kTraceVersion);
    nlohmann::ordered_json header = trace_header_to_json(w);
    header.erase("format");
    header.erase("version");
    h5::write_string_attribute(file.root(), "header", header.dump());

    h5::Handle group = h5::create_group(file.root(), "ops");
    // One compressed column per field: ids and labels repeat heavily, so fixed-length strings
    // compress far better than variable-length ones. A gathered copy keeps the code short.
    const h5::ColumnOptions compressed{.compress = true};
    auto strings = [&](const char* name, auto get) {
      std::vector<std::string> col(n);
      for (std::size_t i = 0; i < n; ++i) col[i] = get(w.ops[i]);
      h5::write_fixed_string_column(group, name, col, compressed);
    };
    auto numbers = [&](const char* name, auto get) {
      using T = decltype(get(w.ops[0]));
      std::vector<T> col(n);
      for (std::size_t i = 0; i < n; ++i) col[i] = get(w.ops[i]);
      h5::write_column(group, name, col, compressed);
    };
    using O = const Operator&;
    strings("id", [](O o) { return o.id; });
    strings("kind", [](O o) { return std::string(to_string(o.kind)); });
    strings("name", [](O o) { return o.name; });
    strings("phase", [](O o) { return o.phase; });
    strings("dtype", [](O o) { return std::string(to_string(o.dtype)); });
    strings("out_dtype", [](O o) { return std::string(to_string(o.out_dtype)); });
    strings("b_dtype", [](O o) { return o.b_dtype ? std::string(to_string(*o.b_dtype)) : std::string(); });
    strings("vector_class", [](O o) { return std::string(to_string(o.vector_class)); });
    strings("collective_kind", [](O o) { return std::string(to_string(o.collective.kind)); });
    strings("collective_group", [](O o) { return o.collective.group; });
    numbers("batch", [](O o) -> std::uint64_t { return o.batch; });
    numbers("m", [](O o) -> std::uint64_t { return o.m; });
    numbers("n", [](O o) -> std::uint64_t { return o.n; });
    numbers("k", [](O o) -> std::uint64_t { return o.k; });
    numbers("rows", [](O o) -> std::uint64_t { return o.rows; });
    numbers("cols", [](O o) -> std::uint64_t { return o.cols; });
    numbers("collective_bytes", [](O o) -> std::uint64_t { return o.collective.bytes; });
    numbers("collective_group_size", [](O o) -> std::uint32_t { return o.collective.group_size; });
    numbers("ops_per_element", [](O o) -> std::uint32_t { return o.ops_per_element; });
    numbers("inputs", [](O o) -> std::uint32_t { return o.inputs; });
    numbers("outputs", [](O o) -> std::uint32_t { return o.outputs; });
    numbers("layer", [](O o) -> std::int32_t { return o.layer; });
    numbers("stage", [](O o) -> std::int32_t { return o.stage; });
    numbers("pass", [](O o) -> std::int32_t { return o.pass; });
    numbers("b_is_weight", [](O o) -> std::uint8_t { return o.b_is_weight; });
    numbers("fused_input", [](O o) -> std::uint8_t { return o.fused_input; });
    numbers("fused_output", [](O o) -> std::uint8_t { return o.fused_output; });
    // Derived, for readers that want them without recomputing (checked on reading).
    numbers("flops", [](O o) -> double { return o.flops(); });
    numbers("bytes_read", [](O o) -> std::uint64_t { return o.bytes_read(); });
    numbers("bytes_written", [](O o) -> std::uint64_t { return o.bytes_written(); });
    h5::write_column(group, "deps_offset", offset, compressed);
    h5::write_column(group, "deps", deps, compressed);
    group.reset();
    file.close();
  });
}

bool is_hdf5_file(const std::string& path) {
  static constexpr char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  return in.read(head, 8) && std::memcmp(head, kSignature, 8) == 0;
}

Workload read_trace_hdf5(const std::string& path) {
  const h5::H5Reader file = h5::H5Reader::open(path);
  const hid_t root = file.root();
  for (const char* name : {"format", "version", "header"})
    if (!h5::has_attribute(root, name))
      throw Error(fmt::format("{}: HDF5 attribute '{}' is missing: not a Tessera trace", path, name));
  if (h5::read_string_attribute(root, "format") != kTraceFormat)
    throw Error(fmt::format("{}: HDF5 attribute 'format' is not tessera-trace", path));
  const std::int64_t version = h5::read_int_attribute(root, "version");
  if (version != kTraceVersion)
    throw Error(fmt::format("{}: trace format version {} is not supported (this build reads version {})", path,
                            version, kTraceVersion));
  json header;
  try {
    header = json::parse(h5::read_string_attribute(root, "header"));
  } catch (const json::exception& e) {
    throw Error(fmt::format("{}: HDF5 attribute 'header' is not JSON: {}", path, e.what()));
  }
  header["format"] = kTraceFormat;
  header["version"] = kTraceVersion;
  Workload w;
  FieldReader r(header, path, "header");
  read_trace_header(r, w);
  r.finish("unknown key in a trace header");

  const h5::Handle group = h5::open_group(root, "ops");
  const std::size_t n = h5::column_rows(group, "id");
  auto str = [&](const char* c) { return h5::read_string_column(group, c, n); };
  const auto id = str("id"), kind = str("kind"), name = str("name"), phase = str("phase");
  const auto dtype = str("dtype"), out_dtype = str("out_dtype"), b_dtype = str("b_dtype");
  const auto vclass = str("vector_class"), ckind = str("collective_kind"), cgroup = str("collective_group");
  auto u64 = [&](const char* c) { return h5::read_column<std::uint64_t>(group, c, n); };
  auto u32 = [&](const char* c) { return h5::read_column<std::uint32_t>(group, c, n); };
  auto i32 = [&](const char* c) { return h5::read_column<std::int32_t>(group, c, n); };
  auto u8 = [&](const char* c) { return h5::read_column<std::uint8_t>(group, c, n); };
  const auto batch = u64("batch"), m = u64("m"), nn = u64("n"), k = u64("k"), rows = u64("rows"), cols = u64("cols");
  const auto cbytes = u64("collective_bytes"), bread = u64("bytes_read"), bwritten = u64("bytes_written");
  const auto csize = u32("collective_group_size"), ops_pe = u32("ops_per_element"), inputs = u32("inputs");
  const auto outputs = u32("outputs");
  const auto layer = i32("layer"), stage = i32("stage"), pass = i32("pass");
  const auto weight = u8("b_is_weight"), fin = u8("fused_input"), fout = u8("fused_output");
  const auto flops = h5::read_column<double>(group, "flops", n);
  const auto offset = h5::read_column<std::uint64_t>(group, "deps_offset", n + 1);
  const auto deps = h5::read_column<std::uint64_t>(group, "deps");
  const std::size_t ndeps = deps.size();

  w.ops.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    Operator& op = w.ops[i];
    op.id = id[i];
    auto bad = [&](const std::string& why) {
      throw Error(fmt::format("{}: ops row {}: operator '{}': {}", path, i, op.id, why));
    };
    auto dt = [&](const std::string& s, const char* col) {
      auto t = parse_data_type(s);
      if (!t) bad(fmt::format("column '{}': unknown data type '{}'", col, s));
      return *t;
    };
    const auto pk = parse_op_kind(kind[i]);
    if (!pk) bad(fmt::format("unknown operator kind '{}'", kind[i]));
    op.kind = *pk;
    op.name = name[i];
    op.phase = phase[i];
    op.dtype = dt(dtype[i], "dtype");
    op.out_dtype = dt(out_dtype[i], "out_dtype");
    if (!b_dtype[i].empty()) op.b_dtype = dt(b_dtype[i], "b_dtype");
    const auto vc = parse_vector_class(vclass[i]);
    if (!vc) bad(fmt::format("unknown vector class '{}'", vclass[i]));
    op.vector_class = *vc;
    const auto ck = parse_collective_kind(ckind[i]);
    if (!ck) bad(fmt::format("unknown collective kind '{}'", ckind[i]));
    op.collective = Collective{*ck, cgroup[i], csize[i], cbytes[i]};
    op.batch = batch[i];
    op.m = m[i];
    op.n = nn[i];
    op.k = k[i];
    op.rows = rows[i];
    op.cols = cols[i];
    op.ops_per_element = ops_pe[i];
    op.inputs = inputs[i];
    op.outputs = outputs[i];
    op.layer = layer[i];
    op.stage = stage[i];
    op.pass = pass[i];
    op.b_is_weight = weight[i] != 0;
    op.fused_input = fin[i] != 0;
    op.fused_output = fout[i] != 0;
    if (offset[i] > offset[i + 1] || offset[i + 1] > ndeps) bad("deps_offset out of range");
    for (std::uint64_t d = offset[i]; d < offset[i + 1]; ++d) {
      if (deps[d] >= n) bad(fmt::format("dangling dependency: row {} does not exist", deps[d]));
      op.deps.push_back(id[deps[d]]);
    }
    const double want = op.flops();
    if (std::abs(flops[i] - want) > 1e-9 * std::max(1.0, want) || bread[i] != op.bytes_read() ||
        bwritten[i] != op.bytes_written())
      bad(fmt::format("shape mismatch: stated costs ({} FLOPs, {} B read, {} B written) disagree with the shape "
                      "({} FLOPs, {} B read, {} B written)", flops[i], bread[i], bwritten[i], want, op.bytes_read(),
                      op.bytes_written()));
  }
  validate_workload(w, path);
  return w;
}

}  // namespace tessera
