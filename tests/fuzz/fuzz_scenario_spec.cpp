// Fuzz target: an inline scenario string ("decode:batch=16,context=2048"), parsed and validated as
// `--scenario S` is; a scenario that passes is generated on a two-layer model when it is small enough
// to generate in well under a second, so the generator sees every combination the parser lets through.
#include <algorithm>

#include "tests/fuzz/fuzz_support.h"
#include "workloads/model_card.h"
#include "workloads/scenario.h"
#include "workloads/trace_generator.h"

namespace {

tessera::ModelCard two_layer_card() {
  tessera::ModelCard c;
  c.name = "fuzz-decoder";
  c.source = "fuzz";
  c.layers = 2;
  c.hidden = 256;
  c.heads = c.kv_heads = 4;
  c.head_dim = 64;
  c.ffn = 512;
  c.vocab = 1024;
  c.max_positions = 4096;
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string spec = tessera::fuzz::text_of(data, size);
  return tessera::fuzz::refuse_only_with_error([&] {
    tessera::Scenario s = tessera::parse_scenario_spec(spec);
    tessera::validate_scenario(s);
    static const tessera::ModelCard card = two_layer_card();
    // Bounded so one input stays fast (in doubles: the product of user numbers may exceed 64 bits).
    const double tokens = double(s.batch) * double(std::max<std::uint64_t>({s.prompt, s.context, s.seq_len, 1})) +
                          double(s.batch) * double(s.output) + double(s.global_batch) * double(s.seq_len);
    const double chips = double(s.parallel.tp) * double(s.parallel.pp) * double(s.parallel.dp) * double(s.parallel.ep);
    if (tokens <= 65536 && s.steps <= 64 && s.output <= 64 && chips <= 4096) tessera::generate_trace(card, s);
  });
}
