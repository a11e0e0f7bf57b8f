// Cluster config loading and validation: every shipped cluster loads, and bad values are
// rejected with the file, the key path and what was expected.
#include <catch2/catch.hpp>
#include <tuple>

#include <string>

#include "cluster/cluster_config.h"
#include "base/types.h"

using namespace tessera;

namespace {

const char* kValid = R"(
name: t
description: test cluster
chip: h100
nodes: 2
chips_per_node: 4
scale_up:
  topology: switch
  links_per_chip: 4
  link_gb_per_s: 25
  link_latency_ns: 100
  switch_latency_ns: 100
scale_out:
  topology: fat_tree
  nics_per_node: 4
  nic_gb_per_s: 50
  link_latency_ns: 100
  switch_latency_ns: 100
  switch_radix: 16
  oversubscription: 1
)";

ClusterConfig parse_with(const std::string& key, const std::string& value) {
  YAML::Node root = YAML::Load(kValid);
  const auto dot = key.find('.');
  if (dot == std::string::npos) root[key] = YAML::Load(value);
  else root[key.substr(0, dot)][key.substr(dot + 1)] = YAML::Load(value);
  return parse_cluster_config(root, "test.yaml");
}

std::string error_of(const std::string& key, const std::string& value) {
  try {
    parse_with(key, value);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a valid cluster parses into the structs", "[cluster][config]") {
  const ClusterConfig c = parse_cluster_config(YAML::Load(kValid), "test.yaml");
  CHECK(c.chips() == 8);
  CHECK(c.scale_up.topology == ScaleUpTopology::switched);
  CHECK(c.scale_up.chip_bytes_per_s() == Approx(100e9));
  CHECK(c.scale_out.topology == ScaleOutTopology::fat_tree);
  CHECK(c.scale_out.leaf_down_ports() == 8);
}

TEST_CASE("cluster config errors name file, key path and expectation", "[cluster][config]") {
  using Catch::Matchers::Contains;
  CHECK_THAT(error_of("scale_up.topology", "mesh"), Contains("test.yaml") && Contains("scale_up.topology") &&
                                                        Contains("expected one of switch, ring, torus2d, torus3d"));
  CHECK_THAT(error_of("scale_up.link_gb_per_s", "0"), Contains("scale_up.link_gb_per_s") && Contains("> 0"));
  CHECK_THAT(error_of("scale_out.oversubscription", "0.5"),
             Contains("scale_out.oversubscription") && Contains("expected a number >= 1"));
  CHECK_THAT(error_of("scale_out.nics_per_node", "3"),
             Contains("scale_out.nics_per_node") && Contains("a divisor of chips_per_node (4)"));
  CHECK_THAT(error_of("scale_out.switch_radix", "15"), Contains("scale_out.switch_radix") && Contains("even"));
  CHECK_THAT(error_of("nodes", "0"), Contains("nodes") && Contains("expected an integer >= 1"));
  CHECK_THAT(error_of("scale_up.bogus", "1"), Contains("scale_up.bogus"));
  // A torus needs dims whose product is chips_per_node.
  YAML::Node torus = YAML::Load(kValid);
  torus["scale_up"]["topology"] = "torus2d";
  torus["scale_up"].remove("switch_latency_ns");
  torus["scale_up"]["dims"] = YAML::Load("[2, 3]");
  CHECK_THROWS_WITH(parse_cluster_config(torus, "test.yaml"),
                    Contains("scale_up.dims") && Contains("product is chips_per_node (4)"));
  torus["scale_up"]["dims"] = YAML::Load("[2, 2]");
  CHECK(parse_cluster_config(torus, "test.yaml").scale_up.links_per_neighbour() == 1);
  // Several nodes need a scale-out fabric.
  YAML::Node single = YAML::Load(kValid);
  single["scale_out"] = YAML::Load("{topology: none}");
  CHECK_THROWS_WITH(parse_cluster_config(single, "test.yaml"), Contains("scale_out.topology"));
}

TEST_CASE("every shipped cluster loads, and --set overrides apply", "[cluster][config]") {
  const auto names = shipped_cluster_names();
  for (const char* want : {"dgx-h100", "tpu-v5e-pod", "h100-64", "h100-1024", "h100-8192", "dgx-a100", "hgx-h200", "hgx-b200"})
    CHECK(std::find(names.begin(), names.end(), want) != names.end());
  for (const auto& n : names) {
    INFO(n);
    CHECK_NOTHROW(load_cluster_config(n));
  }
  CHECK(load_cluster_config("h100-1024").chips() == 1024);
  CHECK(load_cluster_config("h100-8192").chips() == 8192);
  CHECK(load_cluster_config("tpu-v5e-pod").chips() == 256);
  // The 8-GPU nodes: NVLink per GPU per direction is half the bidirectional total of chips.md
  // (A100 600 GB/s, H200 900 GB/s, B200 1.8 TB/s), on the chip each node names.
  for (auto [name, chip, gb] : {std::tuple{"dgx-a100", "a100", 300.0}, std::tuple{"hgx-h200", "h200", 450.0},
                                std::tuple{"hgx-b200", "b200", 900.0}}) {
    INFO(name);
    const ClusterConfig node = load_cluster_config(name);
    CHECK(node.chips() == 8);
    CHECK(node.chip == chip);
    CHECK(node.scale_up.chip_bytes_per_s() == Approx(gb * 1e9));
  }
  const auto c = load_cluster_config("h100-64", {"scale_out.oversubscription=2"});
  CHECK(c.scale_out.oversubscription == 2);
  CHECK_THROWS_WITH(load_cluster_config("h100-64", {"scale_out.oversubscription=0.5"}),
                    Catch::Matchers::Contains("scale_out.oversubscription"));
  CHECK_THROWS_WITH(load_cluster_config("dgx-h10"), Catch::Matchers::Contains("did you mean 'dgx-h100'"));
}
