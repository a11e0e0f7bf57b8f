#include "workloads/gemm_topology.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "base/text.h"
#include "base/types.h"

namespace tessera {

namespace {

/// The comma-separated fields of one line, trimmed; a trailing empty field is dropped.
std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string f;
  while (std::getline(ss, f, ',')) out.emplace_back(trim(f));
  if (!line.empty() && line.back() == ',') out.push_back("");
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

const std::vector<std::string> kGemmHeader = {"layer", "m", "n", "k"};
const std::vector<std::string> kConvHeader = {"layer name",   "ifmap height", "ifmap width", "filter height",
                                              "filter width", "channels",     "num filter",  "strides"};

}  // namespace

std::vector<TopologyLayer> load_gemm_topology(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("{}: cannot open the topology file", path));
  std::string line;
  int number = 0;
  std::vector<std::string> header;
  while (header.empty() && std::getline(in, line)) {
    ++number;
    if (!trim(line).empty()) header = fields(line);
  }
  if (header.empty()) throw Error(fmt::format("{}: empty topology file: expected a header line", path));
  std::vector<std::string> names;
  for (const auto& h : header) names.push_back(to_lower(h));
  const bool conv = names == kConvHeader;
  if (!conv && names != kGemmHeader)
    throw Error(fmt::format("{}:{}: expected the header 'Layer, M, N, K' (GEMM) or 'Layer name, IFMAP Height, IFMAP "
                            "Width, Filter Height, Filter Width, Channels, Num Filter, Strides' (conv), got '{}'",
                            path, number, trim(line)));
  const std::vector<std::string>& columns = conv ? kConvHeader : kGemmHeader;

  std::vector<TopologyLayer> layers;
  while (std::getline(in, line)) {
    ++number;
    if (trim(line).empty()) continue;
    const std::vector<std::string> f = fields(line);
    if (f.size() != columns.size())
      throw Error(fmt::format("{}:{}: expected {} fields ({}), got {}", path, number, columns.size(),
                              conv ? "name and 7 integers" : "name, M, N, K", f.size()));
    std::vector<std::uint64_t> v;
    for (std::size_t i = 1; i < f.size(); ++i) {
      std::uint64_t x = 0;
      const auto [end, ec] = std::from_chars(f[i].data(), f[i].data() + f[i].size(), x);
      if (ec != std::errc() || end != f[i].data() + f[i].size() || x == 0)
        throw Error(fmt::format("{}:{}: {}: expected a positive integer, got '{}'", path, number, header[i], f[i]));
      v.push_back(x);
    }
    TopologyLayer l;
    l.name = f[0].empty() ? fmt::format("layer{}", layers.size()) : f[0];
    l.line = number;
    if (!conv) {
      l.m = v[0], l.n = v[1], l.k = v[2];
    } else {
      const std::uint64_t ih = v[0], iw = v[1], fh = v[2], fw = v[3], ch = v[4], filters = v[5], stride = v[6];
      if (fh > ih || fw > iw)
        throw Error(fmt::format("{}:{}: the {}x{} filter is larger than the {}x{} input feature map", path, number, fh,
                                fw, ih, iw));
      const std::uint64_t oh = (ih - fh) / stride + 1, ow = (iw - fw) / stride + 1;
      l.m = oh * ow, l.n = filters, l.k = fh * fw * ch;
    }
    layers.push_back(std::move(l));
  }
  if (layers.empty()) throw Error(fmt::format("{}: no layers after the header", path));
  return layers;
}

}  // namespace tessera
