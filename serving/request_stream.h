// Request streams for the serving simulation: synthetic (Poisson or gamma arrivals, lengths
// fixed, uniform or lognormal) or read from a trace file (CSV or JSONL).
//
// Contract: the same spec and seed give the same requests on every platform: the generator is
// std::mt19937_64 (fully specified by the C++ standard) and the distributions are written out
// here (inverse transform, Box-Muller, Marsaglia-Tsang) instead of std::*_distribution, whose
// algorithms differ between standard libraries. Requests come sorted by arrival, ids 0..n-1.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera {

struct Request {
  std::uint64_t id = 0;
  double arrival_s = 0;
  std::uint64_t prompt_tokens = 0;
  std::uint64_t output_tokens = 0;  // tokens generated, the first one by the prefill
  std::optional<std::uint64_t> prefix_id;  // requests with the same id share a prompt prefix (traces only)
  std::uint64_t prefix_tokens = 0;         // how long that shared prefix is (<= prompt_tokens)
};

enum class ArrivalProcess { poisson, gamma };
enum class LengthKind { fixed, uniform, lognormal };

/// Token counts of prompts or outputs. fixed: `value`; uniform: whole numbers in [min, max];
/// lognormal: exp(N(ln median, sigma)) rounded, clipped to [min, max].
struct LengthDistribution {
  LengthKind kind = LengthKind::fixed;
  std::uint64_t value = 0;
  std::uint64_t min = 1, max = 0;  // max 0: no upper clip (lognormal); uniform needs it
  double median = 0, sigma = 0;
  std::string describe() const;
};

struct StreamSpec {
  std::string name;
  std::string source;  // file or "command line"
  ArrivalProcess arrival = ArrivalProcess::poisson;
  double rate_per_s = 1;  // mean arrival rate
  double cv = 1;          // gamma: coefficient of variation of the gaps (1 = Poisson, > 1 burstier)
  LengthDistribution prompt, output;
  std::uint64_t requests = 0;  // stop after this many (0: use duration_s)
  double duration_s = 0;       // or after this much arrival time
  std::uint64_t seed = 1;
  std::string trace;  // when set, requests come from this file and the generator keys are unused
};

/// Reads a serving workload file's tree (configs/serving/*.yaml); errors name the key path.
StreamSpec stream_spec_from_yaml(const nlohmann::json& tree, const std::string& source);
/// Loads configs/serving/<name>.yaml or a YAML path.
StreamSpec load_stream_spec(const std::string& name_or_path);
/// Throws Error naming the key when a value is out of range.
void validate_stream_spec(const StreamSpec& spec);

/// The requests a spec describes (generated, or read from spec.trace).
std::vector<Request> make_requests(const StreamSpec& spec);
std::vector<Request> generate_requests(const StreamSpec& spec);

/// Reads a request trace: CSV with a header naming arrival_s, prompt_tokens, output_tokens
/// [, prefix_id [, prefix_tokens]] (any order), or JSON Lines with those keys. Requests with the
/// same prefix_id share their first prefix_tokens prompt tokens; without prefix_tokens, the
/// shortest prompt among the requests of that id. Times must be >= 0 and not
/// decreasing is not required (the requests are sorted); every request needs >= 1 prompt and
/// >= 1 output token. Errors name the file and line.
std::vector<Request> read_request_trace(const std::string& path);

/// Random numbers as described in the contract above.
class StreamRandom {
 public:
  explicit StreamRandom(std::uint64_t seed);
  double uniform();                            // [0, 1)
  double exponential(double rate);             // mean 1 / rate
  double normal();                             // N(0, 1), Box-Muller
  double gamma(double shape, double scale);    // Marsaglia-Tsang
  std::uint64_t uniform_int(std::uint64_t lo, std::uint64_t hi);  // [lo, hi]

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace tessera
