// Cluster description: plain structs mirroring configs/clusters/*.yaml, filled and validated by
// load_cluster_config(). Fabric modules read only these structs, never raw YAML.
// Units are in the key names: *_gb_per_s is decimal GB/s (1e9 bytes/s) PER DIRECTION,
// *_ns nanoseconds. docs/cluster.md is the schema table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/types.h"

namespace tessera {

/// Scale-up fabric inside a node.
///   switch:  every chip has links_per_chip links to a non-blocking switch (NVSwitch-like);
///            the links are striped, so a chip has one port of links_per_chip x link bandwidth.
///   ring:    bidirectional ring; links_per_chip / 2 links to each neighbour.
///   torus2d / torus3d: dims[0] x dims[1] (x dims[2]) wrap-around torus, dimension-order
///            routing; links_per_chip / (2 * dimensions) links to each neighbour.
enum class ScaleUpTopology { switched, ring, torus2d, torus3d };
std::string_view to_string(ScaleUpTopology t);
std::optional<ScaleUpTopology> parse_scale_up_topology(std::string_view s);

/// Scale-out fabric between nodes.
///   none:           single node, no NICs.
///   fat_tree:       NICs attach to leaf switches in order (node-major); leaves join a non-blocking spine.
///   rail_optimized: NIC r of every node attaches to the leaves of rail r; rails join at the spine.
/// A leaf has switch_radix/2 down ports; its uplink capacity is (down ports x NIC bandwidth) / oversubscription.
enum class ScaleOutTopology { none, fat_tree, rail_optimized };
std::string_view to_string(ScaleOutTopology t);
std::optional<ScaleOutTopology> parse_scale_out_topology(std::string_view s);

struct ScaleUpConfig {
  ScaleUpTopology topology = ScaleUpTopology::switched;
  std::vector<std::uint32_t> dims;    // torus only: extents, product = chips_per_node
  std::uint32_t links_per_chip = 0;   // chip-to-chip links (ports) per chip
  double link_gb_per_s = 0;           // per link, per direction
  double link_latency_ns = 0;         // per link traversal (PHY + wire), one way
  double switch_latency_ns = 0;       // switch traversal (switched only)
  bool operator==(const ScaleUpConfig&) const = default;

  /// Links between one chip and one neighbour (direct topologies) or the switch (switched).
  std::uint32_t links_per_neighbour() const;
  /// Bandwidth of one chip's scale-up port, bytes/s per direction (all its links).
  double chip_bytes_per_s() const { return double(links_per_chip) * link_gb_per_s * 1e9; }
};

struct ScaleOutConfig {
  ScaleOutTopology topology = ScaleOutTopology::none;
  std::uint32_t nics_per_node = 0;    // chip c of a node uses NIC c % nics_per_node
  double nic_gb_per_s = 0;            // per NIC, per direction
  double link_latency_ns = 0;         // NIC <-> leaf and leaf <-> spine cable + PHY, one way
  double switch_latency_ns = 0;       // per switch traversal
  std::uint32_t switch_radix = 0;     // ports per switch
  double oversubscription = 1;        // leaf down : up bandwidth, >= 1 (2 = 2:1)
  bool operator==(const ScaleOutConfig&) const = default;

  std::uint32_t leaf_down_ports() const { return switch_radix / 2; }
};

struct ClusterConfig {
  std::string name;
  std::string description;
  std::string chip;                   // chip config name (configs/chips); not simulated yet
  std::uint32_t nodes = 0;
  std::uint32_t chips_per_node = 0;
  ScaleUpConfig scale_up;
  ScaleOutConfig scale_out;
  bool operator==(const ClusterConfig&) const = default;

  std::uint32_t chips() const { return nodes * chips_per_node; }
};

/// The file a cluster name or path refers to: an existing file, else configs/clusters/<name>.yaml
/// under $TESSERA_HOME, then the source tree. Throws Error listing the shipped clusters.
std::string resolve_cluster_path(const std::string& name_or_path);
/// Loads configs/clusters/<name>.yaml (or a path), applies --set overrides, validates.
ClusterConfig load_cluster_config(const std::string& name_or_path, const std::vector<std::string>& overrides = {});
/// Validates a parsed tree; `source` names it in errors ("<source>: <key.path>: expected ..., got ...").
ClusterConfig parse_cluster_config(const YAML::Node& root, const std::string& source);
/// The config as YAML with every key (what result files record).
YAML::Node to_yaml(const ClusterConfig& cfg);

/// Cluster names shipped in configs/clusters.
std::vector<std::string> shipped_cluster_names();

}  // namespace tessera
