#include "workloads/scenario.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include <fmt/core.h>
#include <fmt/format.h>

#include "base/config/yaml_json.h"
#include "base/config/field_reader.h"

namespace tessera {

using nlohmann::json;
using input::FieldReader;

std::string_view to_string(ScenarioKind k) {
  switch (k) {
    case ScenarioKind::prefill: return "prefill";
    case ScenarioKind::decode: return "decode";
    case ScenarioKind::generate: return "generate";
    case ScenarioKind::training: return "training";
  }
  return "?";
}

std::string_view to_string(PipelineSchedule s) { return s == PipelineSchedule::gpipe ? "gpipe" : "1f1b"; }

namespace {

// Keys every kind accepts, and the keys specific to each kind.
const std::vector<std::string_view> kCommonKeys = {"name", "description", "kind", "weight_dtype", "act_dtype",
                                                   "attention", "moe_imbalance", "tp", "sp", "pp", "dp", "ep"};
std::vector<std::string_view> kind_keys(ScenarioKind k) {
  switch (k) {
    case ScenarioKind::prefill: return {"batch", "prompt", "kv_dtype"};
    case ScenarioKind::decode: return {"batch", "context", "steps", "kv_dtype"};
    case ScenarioKind::generate: return {"batch", "prompt", "output", "kv_dtype"};
    case ScenarioKind::training:
      return {"seq_len",        "micro_batch", "global_batch",  "recompute", "optimizer", "schedule",
              "virtual_stages", "zero",        "dp_bucket_mib", "dp_overlap"};
  }
  return {};
}

DataType read_dtype(FieldReader& r, std::string_view key, DataType fallback) {
  auto v = r.opt_string(key);
  if (!v) return fallback;
  if (auto t = parse_data_type(*v)) return *t;
  r.fail_expected(key, "a data type: fp32, bf16, fp16, fp8 or int8");
}

ScenarioKind parse_kind(FieldReader& r) {
  const std::string k = r.opt_string("kind").value_or("");
  for (ScenarioKind s : {ScenarioKind::prefill, ScenarioKind::decode, ScenarioKind::generate, ScenarioKind::training})
    if (to_string(s) == k) return s;
  r.fail_expected("kind", "prefill, decode, generate or training");
}

}  // namespace

Scenario scenario_from_yaml(const json& tree, const std::string& source) {
  FieldReader r(tree, source, "");
  Scenario s;
  s.source = source;
  s.kind = parse_kind(r);
  // Reject keys that exist but belong to another kind, before reading anything else.
  const auto own = kind_keys(s.kind);
  for (auto it = tree.begin(); it != tree.end(); ++it) {
    const std::string& key = it.key();
    const bool mine = std::find(kCommonKeys.begin(), kCommonKeys.end(), key) != kCommonKeys.end() ||
                      std::find(own.begin(), own.end(), key) != own.end();
    bool other = false;
    for (ScenarioKind k : {ScenarioKind::prefill, ScenarioKind::decode, ScenarioKind::generate, ScenarioKind::training}) {
      auto keys = kind_keys(k);
      other = other || std::find(keys.begin(), keys.end(), key) != keys.end();
    }
    if (!mine && other)
      r.fail(key, fmt::format("does not apply to a {} scenario (its keys: {}, {})", to_string(s.kind),
                              fmt::join(own, ", "), fmt::join(kCommonKeys, ", ")));
  }
  s.name = r.opt_string("name").value_or("");
  r.opt_string("description");
  s.batch = r.opt_uint("batch", 1).value_or(1);
  s.prompt = r.opt_uint("prompt", 1).value_or(0);
  s.output = r.opt_uint("output", 1).value_or(0);
  s.context = r.opt_uint("context", 1).value_or(0);
  s.steps = r.opt_uint("steps", 1).value_or(1);
  s.seq_len = r.opt_uint("seq_len", 1).value_or(0);
  s.micro_batch = r.opt_uint("micro_batch", 1).value_or(1);
  s.global_batch = r.opt_uint("global_batch", 1).value_or(0);
  if (const nlohmann::json* v = r.opt_value("recompute")) {
    if (v->is_boolean()) {
      s.recompute = v->get<bool>();
    } else if (v->is_string() && (*v == "full" || *v == "selective" || *v == "none")) {
      s.recompute = *v == "full";
      s.selective_recompute = *v == "selective";
    } else {
      r.fail_expected("recompute", "true or full (every layer), selective (the attention core), false or none");
    }
  }
  if (auto opt = r.opt_string("optimizer"); opt && *opt != "adam")
    r.fail_expected("optimizer", "adam (the only optimizer modelled)");
  if (auto att = r.opt_string("attention")) {
    if (*att != "fused" && *att != "unfused") r.fail_expected("attention", "fused or unfused");
    s.fused_attention = *att == "fused";
  }
  s.weight_dtype = read_dtype(r, "weight_dtype", DataType::bf16);
  s.act_dtype = read_dtype(r, "act_dtype", DataType::bf16);
  s.kv_dtype = read_dtype(r, "kv_dtype", s.act_dtype);
  s.moe_imbalance = r.opt_number("moe_imbalance").value_or(1.0);
  s.parallel.tp = r.opt_uint("tp", 1).value_or(1);
  s.parallel.sequence_parallel = r.opt_boolean("sp").value_or(false);
  s.parallel.pp = r.opt_uint("pp", 1).value_or(1);
  s.parallel.dp = r.opt_uint("dp", 1).value_or(1);
  s.parallel.ep = r.opt_uint("ep", 1).value_or(1);
  s.parallel.virtual_stages = r.opt_uint("virtual_stages", 1).value_or(1);
  s.parallel.dp_bucket_mib = r.opt_number("dp_bucket_mib").value_or(0.0);
  s.parallel.dp_overlap = r.opt_boolean("dp_overlap").value_or(true);
  s.parallel.zero = static_cast<std::uint32_t>(r.opt_uint("zero").value_or(0));
  if (auto sched = r.opt_string("schedule")) {
    if (*sched != "gpipe" && *sched != "1f1b") r.fail_expected("schedule", "gpipe or 1f1b");
    s.parallel.schedule = *sched == "gpipe" ? PipelineSchedule::gpipe : PipelineSchedule::one_f_one_b;
  }
  r.finish(fmt::format("unknown key (scenario keys: {}, {})", fmt::join(kCommonKeys, ", "), fmt::join(own, ", ")));
  if (s.name.empty()) {
    const std::filesystem::path p(source);
    s.name = p.has_extension() ? p.stem().string() : std::string(to_string(s.kind));
  }
  validate_scenario(s);
  return s;
}

Scenario parse_scenario_spec(const std::string& spec) {
  require_utf8(spec, "scenario");
  json tree = json::object();
  const auto colon = spec.find(':');
  tree["kind"] = spec.substr(0, colon);
  if (colon != std::string::npos) {
    std::string_view rest(spec);
    rest.remove_prefix(colon + 1);
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      const auto eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0)
        throw Error(fmt::format("scenario '{}': expected key=value, got '{}'", spec, item));
      const std::string key(item.substr(0, eq));
      const std::string value(item.substr(eq + 1));
      if (value.empty()) throw Error(fmt::format("scenario '{}': key '{}' has no value", spec, key));
      try {
        const YAML::Node node = YAML::Load(value);
        require_utf8(node, fmt::format("scenario '{}': key '{}'", spec, key));
        tree[key] = yaml_to_json(node);
      } catch (const YAML::Exception& e) {
        throw Error(fmt::format("scenario '{}': key '{}': cannot read '{}' as a value: {}", spec, key, value, e.msg));
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  Scenario s = scenario_from_yaml(tree, fmt::format("scenario '{}'", spec));
  if (!tree.contains("name")) s.name = spec;
  s.source = spec;
  return s;
}

void validate_scenario(const Scenario& s) {
  auto bad = [&](const std::string& what) { throw Error(fmt::format("{}: {}", s.source, what)); };
  const Parallelism& p = s.parallel;
  switch (s.kind) {
    case ScenarioKind::prefill:
      if (s.prompt == 0) bad("a prefill scenario needs 'prompt' (tokens per sequence)");
      break;
    case ScenarioKind::decode:
      if (s.context == 0) bad("a decode scenario needs 'context' (keys attended by the first step)");
      break;
    case ScenarioKind::generate:
      if (s.prompt == 0 || s.output == 0) bad("a generate scenario needs 'prompt' and 'output'");
      break;
    case ScenarioKind::training:
      if (s.seq_len == 0 || s.global_batch == 0) bad("a training scenario needs 'seq_len' and 'global_batch'");
      if (s.global_batch % (s.micro_batch * p.dp) != 0)
        bad(fmt::format("global_batch ({}) must be a multiple of micro_batch x dp ({} x {})", s.global_batch,
                        s.micro_batch, p.dp));
      if (p.virtual_stages > 1) {
        if (p.pp < 2) bad("virtual_stages > 1 interleaves pipeline stages: it needs pp >= 2");
        if (p.schedule != PipelineSchedule::one_f_one_b) bad("virtual_stages > 1 needs schedule=1f1b (interleaved 1F1B)");
        const std::uint64_t m = s.global_batch / (s.micro_batch * p.dp);
        if (m % p.pp != 0)
          bad(fmt::format("interleaved 1F1B runs micro-batches in groups of pp: the {} micro-batches "
                          "(global_batch / (micro_batch x dp)) must be a multiple of pp ({})",
                          m, p.pp));
      }
      break;
  }
  if (s.kind != ScenarioKind::training && s.batch % p.dp != 0)
    bad(fmt::format("batch ({}) must be a multiple of dp ({})", s.batch, p.dp));
  if (p.zero > 3) bad("zero must be 0, 1, 2 or 3");
  if (!(p.dp_bucket_mib >= 0 && p.dp_bucket_mib <= 1024 * 1024))
    bad(fmt::format("dp_bucket_mib: expected MiB in [0, 1048576] (0: one reduction per layer), got {}", p.dp_bucket_mib));
  if (p.dp % p.ep != 0) bad(fmt::format("ep ({}) must divide dp ({}): expert parallelism uses the data-parallel ranks",
                                        p.ep, p.dp));
  if (!(s.moe_imbalance >= 1.0)) bad("moe_imbalance must be >= 1 (1 = perfectly balanced experts)");
}

std::string to_spec(const Scenario& s) {
  std::vector<std::string> kv;
  auto add = [&](std::string_view k, auto v) { kv.push_back(fmt::format("{}={}", k, v)); };
  switch (s.kind) {
    case ScenarioKind::prefill: add("batch", s.batch); add("prompt", s.prompt); break;
    case ScenarioKind::decode: add("batch", s.batch); add("context", s.context); add("steps", s.steps); break;
    case ScenarioKind::generate: add("batch", s.batch); add("prompt", s.prompt); add("output", s.output); break;
    case ScenarioKind::training:
      add("seq_len", s.seq_len);
      add("micro_batch", s.micro_batch);
      add("global_batch", s.global_batch);
      add("recompute", s.recompute ? "true" : s.selective_recompute ? "selective" : "false");
      break;
  }
  add("attention", s.fused_attention ? "fused" : "unfused");
  add("weight_dtype", to_string(s.weight_dtype));
  add("act_dtype", to_string(s.act_dtype));
  if (s.kind != ScenarioKind::training) add("kv_dtype", to_string(s.kv_dtype));
  if (s.moe_imbalance != 1.0) add("moe_imbalance", s.moe_imbalance);
  const Parallelism& p = s.parallel;
  if (p.tp > 1) add("tp", p.tp);
  if (p.sequence_parallel) add("sp", "true");
  if (p.pp > 1) add("pp", p.pp);
  if (p.dp > 1) add("dp", p.dp);
  if (p.ep > 1) add("ep", p.ep);
  if (s.kind == ScenarioKind::training && p.pp > 1) add("schedule", to_string(p.schedule));
  if (s.kind == ScenarioKind::training && p.virtual_stages > 1) add("virtual_stages", p.virtual_stages);
  if (s.kind == ScenarioKind::training && p.zero > 0) add("zero", p.zero);
  if (s.kind == ScenarioKind::training && p.dp_bucket_mib > 0) add("dp_bucket_mib", p.dp_bucket_mib);
  if (s.kind == ScenarioKind::training && !p.dp_overlap) add("dp_overlap", "false");
  return fmt::format("{}:{}", to_string(s.kind), fmt::join(kv, ","));
}

}  // namespace tessera
