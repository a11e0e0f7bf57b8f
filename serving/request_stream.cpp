#include "serving/request_stream.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numbers>
#include <sstream>

#include <fmt/core.h>

#include "base/config/field_reader.h"
#include "base/types.h"
#include "workloads/workload_reader.h"

namespace tessera {

namespace {

using input::FieldReader;

// A length distribution under `key`: a plain number means fixed.
LengthDistribution read_length(FieldReader& parent, const std::string& key) {
  LengthDistribution d;
  const nlohmann::json& v = parent.value(key);
  if (v.is_number()) {
    d.value = parent.uint(key, 1);  // reads it again, with the range check and key path
    return d;
  }
  FieldReader r(v, parent.source(), parent.key_path(key));
  const std::string kind = r.string("distribution");
  if (kind == "fixed") {
    d.kind = LengthKind::fixed;
    d.value = r.uint("value", 1);
  } else if (kind == "uniform") {
    d.kind = LengthKind::uniform;
    d.min = r.uint("min", 1);
    d.max = r.uint("max", 1);
    if (d.max < d.min) r.fail("max", fmt::format("must be >= min ({})", d.min));
  } else if (kind == "lognormal") {
    d.kind = LengthKind::lognormal;
    d.median = r.number("median");
    d.sigma = r.number("sigma");
    d.min = r.opt_uint("min", 1).value_or(1);
    d.max = r.opt_uint("max", 1).value_or(0);
    if (!(d.median >= 1)) r.fail("median", "expected a number >= 1 (tokens)");
    if (!(d.sigma >= 0 && d.sigma <= 5)) r.fail("sigma", "expected a number in [0, 5] (log-space standard deviation)");
    if (d.max && d.max < d.min) r.fail("max", fmt::format("must be >= min ({})", d.min));
  } else {
    r.fail("distribution", fmt::format("expected fixed, uniform or lognormal, got '{}'", kind));
  }
  r.finish();
  return d;
}

std::uint64_t draw_length(const LengthDistribution& d, StreamRandom& rng) {
  switch (d.kind) {
    case LengthKind::fixed: return d.value;
    case LengthKind::uniform: return rng.uniform_int(d.min, d.max);
    case LengthKind::lognormal: {
      const double x = std::exp(std::log(d.median) + d.sigma * rng.normal());
      double n = std::round(x);
      n = std::max(n, static_cast<double>(d.min));
      if (d.max) n = std::min(n, static_cast<double>(d.max));
      return static_cast<std::uint64_t>(std::min(n, 1e12));
    }
  }
  return d.value;
}

}  // namespace

std::string LengthDistribution::describe() const {
  switch (kind) {
    case LengthKind::fixed: return fmt::format("{}", value);
    case LengthKind::uniform: return fmt::format("uniform {}..{}", min, max);
    case LengthKind::lognormal:
      return fmt::format("lognormal median {:g} sigma {:g}{}", median, sigma,
                         max ? fmt::format(" in [{}, {}]", min, max) : fmt::format(" >= {}", min));
  }
  return "";
}

// --- Random numbers -------------------------------------------------------------------------

StreamRandom::StreamRandom(std::uint64_t seed) : engine_(seed) {}

double StreamRandom::uniform() {
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;  // 53 random bits
}

double StreamRandom::exponential(double rate) { return -std::log1p(-uniform()) / rate; }

double StreamRandom::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
  has_spare_ = true;
  return r * std::cos(2.0 * std::numbers::pi * u2);
}

double StreamRandom::gamma(double shape, double scale) {
  if (shape < 1.0) {  // Marsaglia-Tsang's boost: Gamma(a) = Gamma(a + 1) * U^(1/a)
    const double u = 1.0 - uniform();
    return gamma(shape + 1.0, scale) * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = 1.0 - uniform();
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v * scale;
  }
}

std::uint64_t StreamRandom::uniform_int(std::uint64_t lo, std::uint64_t hi) {
  const std::uint64_t span = hi - lo + 1;
  if (span == 0) return engine_();  // the whole 64-bit range
  // Rejection keeps every value equally likely.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % span;
  std::uint64_t x;
  do x = engine_();
  while (x >= limit);
  return lo + x % span;
}

// --- Specs ----------------------------------------------------------------------------------

StreamSpec stream_spec_from_yaml(const nlohmann::json& tree, const std::string& source) {
  FieldReader r(tree, source, "");
  StreamSpec s;
  s.source = source;
  s.name = r.opt_string("name").value_or("");
  if (const auto trace = r.opt_string("trace")) {
    // Relative to the file it is named in.
    std::filesystem::path p(*trace);
    if (p.is_relative()) p = std::filesystem::path(source).parent_path() / p;
    s.trace = p.string();
  }
  if (r.has("arrival")) {
    FieldReader a(r.value("arrival"), source, "arrival");
    const std::string process = a.string("process");
    if (process == "poisson") s.arrival = ArrivalProcess::poisson;
    else if (process == "gamma") s.arrival = ArrivalProcess::gamma;
    else a.fail("process", fmt::format("expected poisson or gamma, got '{}'", process));
    s.rate_per_s = a.number("rate_per_s");
    if (s.arrival == ArrivalProcess::gamma) s.cv = a.number("cv");
    a.finish();
  } else if (s.trace.empty()) {
    r.fail("arrival", "missing: give arrival: {process: poisson, rate_per_s: R} or a trace file");
  }
  if (s.trace.empty()) {
    s.prompt = read_length(r, "prompt");
    s.output = read_length(r, "output");
  }
  s.requests = r.opt_uint("requests").value_or(0);
  s.duration_s = r.opt_number("duration_s").value_or(0);
  s.seed = r.opt_uint("seed").value_or(1);
  r.finish();
  if (s.trace.empty() && s.requests == 0 && s.duration_s == 0) s.requests = 1000;
  validate_stream_spec(s);
  return s;
}

StreamSpec load_stream_spec(const std::string& name_or_path) {
  const std::string path = find_config("serving", name_or_path).string();
  StreamSpec s = stream_spec_from_yaml(input::read_tree_file(path), path);
  if (s.name.empty()) s.name = std::filesystem::path(path).stem().string();
  return s;
}

void validate_stream_spec(const StreamSpec& s) {
  auto bad = [&](const std::string& key, const std::string& what) {
    throw Error(fmt::format("{}: {}: {}", s.source, key, what));
  };
  if (!s.trace.empty()) return;
  if (!(s.rate_per_s > 0) || !std::isfinite(s.rate_per_s) || s.rate_per_s > 1e9)
    bad("arrival.rate_per_s", fmt::format("expected a rate in (0, 1e9] requests per second, got {}", s.rate_per_s));
  if (s.arrival == ArrivalProcess::gamma && !(s.cv > 0 && s.cv <= 100))
    bad("arrival.cv", fmt::format("expected a coefficient of variation in (0, 100], got {}", s.cv));
  if (!(s.duration_s >= 0) || !std::isfinite(s.duration_s))
    bad("duration_s", fmt::format("expected seconds >= 0, got {}", s.duration_s));
  if (s.requests > 10'000'000) bad("requests", fmt::format("at most 10,000,000 requests, got {}", s.requests));
  if (s.requests == 0 && s.duration_s == 0) bad("requests", "give requests (> 0) or duration_s (> 0)");
  const double expected = s.requests ? double(s.requests) : s.rate_per_s * s.duration_s;
  if (expected > 10'000'000)
    bad("duration_s", fmt::format("rate x duration = {:.3g} requests; at most 10,000,000", expected));
}

std::vector<Request> generate_requests(const StreamSpec& s) {
  validate_stream_spec(s);
  StreamRandom rng(s.seed);
  std::vector<Request> out;
  double t = 0;
  // Gamma gaps with shape 1/cv^2 and mean 1/rate have the requested coefficient of variation.
  const double shape = 1.0 / (s.cv * s.cv), scale = 1.0 / (s.rate_per_s * shape);
  for (std::uint64_t i = 0;; ++i) {
    if (s.requests && i >= s.requests) break;
    const double gap = s.arrival == ArrivalProcess::poisson ? rng.exponential(s.rate_per_s) : rng.gamma(shape, scale);
    // The first request arrives at time zero; gaps follow.
    if (i > 0) t += gap;
    if (!s.requests && t > s.duration_s) break;
    Request r;
    r.id = i;
    r.arrival_s = t;
    r.prompt_tokens = draw_length(s.prompt, rng);
    r.output_tokens = draw_length(s.output, rng);
    out.push_back(r);
  }
  return out;
}

std::vector<Request> make_requests(const StreamSpec& spec) {
  return spec.trace.empty() ? generate_requests(spec) : read_request_trace(spec.trace);
}

// --- Traces ---------------------------------------------------------------------------------

namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(trim(cell));
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

double parse_number(const std::string& text, const std::string& where, const std::string& column) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(v))
    throw Error(fmt::format("{}: {}: expected a number, got '{}'", where, column, text));
  return v;
}

std::uint64_t whole(double v, const std::string& where, const std::string& column, double min) {
  if (!(v >= min) || v != std::floor(v) || v > 1e12)
    throw Error(fmt::format("{}: {}: expected a whole number >= {:g}, got {:g}", where, column, min, v));
  return static_cast<std::uint64_t>(v);
}

void check_request(const Request& r, const std::string& where) {
  if (!(r.arrival_s >= 0) || !std::isfinite(r.arrival_s) || r.arrival_s > 1e7)
    throw Error(fmt::format("{}: arrival_s: expected seconds in [0, 1e7], got {}", where, r.arrival_s));
}

}  // namespace

std::vector<Request> read_request_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open the request trace", path));
  std::vector<Request> out;
  std::string line;
  std::size_t line_no = 0;
  bool jsonl = false, header_seen = false;
  int col_arrival = -1, col_prompt = -1, col_output = -1, col_prefix = -1, col_prefix_tokens = -1;
  std::size_t columns = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    const std::string where = fmt::format("{}:{}", path, line_no);
    if (!header_seen) {
      header_seen = true;
      if (text[0] == '{') {
        jsonl = true;
      } else {
        const auto cells = split_csv(text);
        columns = cells.size();
        for (std::size_t i = 0; i < cells.size(); ++i) {
          const int c = static_cast<int>(i);
          if (cells[i] == "arrival_s") col_arrival = c;
          else if (cells[i] == "prompt_tokens") col_prompt = c;
          else if (cells[i] == "output_tokens") col_output = c;
          else if (cells[i] == "prefix_id") col_prefix = c;
          else if (cells[i] == "prefix_tokens") col_prefix_tokens = c;
          else throw Error(fmt::format("{}: unknown column '{}' (expected arrival_s, prompt_tokens, output_tokens, "
                                       "prefix_id, prefix_tokens)", where, cells[i]));
        }
        if (col_arrival < 0 || col_prompt < 0 || col_output < 0)
          throw Error(fmt::format("{}: the header must name arrival_s, prompt_tokens and output_tokens, got '{}'", where,
                                  text));
        continue;
      }
    }
    Request r;
    r.id = out.size();
    if (jsonl) {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(text);
      } catch (const nlohmann::json::exception& e) {
        throw Error(fmt::format("{}: not a JSON object: {}", where, e.what()));
      }
      FieldReader f(j, where, "");
      r.arrival_s = f.number("arrival_s");
      r.prompt_tokens = f.uint("prompt_tokens", 1);
      r.output_tokens = f.uint("output_tokens", 1);
      if (const auto p = f.opt_uint("prefix_id")) r.prefix_id = *p;
      r.prefix_tokens = f.opt_uint("prefix_tokens").value_or(0);
      f.finish();
    } else {
      const auto cells = split_csv(text);
      if (cells.size() != columns)
        throw Error(fmt::format("{}: expected {} comma-separated values, got {}", where, columns, cells.size()));
      r.arrival_s = parse_number(cells[col_arrival], where, "arrival_s");
      r.prompt_tokens = whole(parse_number(cells[col_prompt], where, "prompt_tokens"), where, "prompt_tokens", 1);
      r.output_tokens = whole(parse_number(cells[col_output], where, "output_tokens"), where, "output_tokens", 1);
      if (col_prefix >= 0 && !cells[col_prefix].empty())
        r.prefix_id = whole(parse_number(cells[col_prefix], where, "prefix_id"), where, "prefix_id", 0);
      if (col_prefix_tokens >= 0 && !cells[col_prefix_tokens].empty())
        r.prefix_tokens = whole(parse_number(cells[col_prefix_tokens], where, "prefix_tokens"), where, "prefix_tokens", 0);
    }
    if (r.prefix_tokens && !r.prefix_id)
      throw Error(fmt::format("{}: prefix_tokens without a prefix_id", where));
    if (r.prefix_tokens > r.prompt_tokens)
      throw Error(fmt::format("{}: prefix_tokens ({}) exceeds prompt_tokens ({})", where, r.prefix_tokens, r.prompt_tokens));
    check_request(r, where);
    out.push_back(r);
    if (out.size() > 10'000'000) throw Error(fmt::format("{}: more than 10,000,000 requests", path));
  }
  if (out.empty()) throw Error(fmt::format("{}: no requests in the trace", path));
  std::stable_sort(out.begin(), out.end(), [](const Request& a, const Request& b) { return a.arrival_s < b.arrival_s; });
  for (std::size_t i = 0; i < out.size(); ++i) out[i].id = i;
  // A prefix without a stated length: the shortest prompt that shares it.
  std::map<std::uint64_t, std::uint64_t> shortest;
  for (const Request& r : out)
    if (r.prefix_id) {
      auto [it, fresh] = shortest.emplace(*r.prefix_id, r.prompt_tokens);
      if (!fresh) it->second = std::min(it->second, r.prompt_tokens);
    }
  for (Request& r : out)
    if (r.prefix_id && r.prefix_tokens == 0) r.prefix_tokens = shortest.at(*r.prefix_id);
  return out;
}

}  // namespace tessera
