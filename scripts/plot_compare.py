#!/usr/bin/python3
"""Plot a chip comparison written by `tessera compare ... -o compare.h5`.

Draws, as PNG files:
  PREFIX_bars.png      throughput and perf/W per chip (bars), with the ratio to the first chip
  PREFIX_roofline.png  one roofline per chip (min(peak FLOP/s, intensity x HBM bandwidth)) with
                       every operator placed at its arithmetic intensity (FLOPs per HBM byte)
                       and achieved FLOP/s; marker size follows the operator's share of time
PREFIX defaults to the input file's path without its extension.
Needs python3-h5py and python3-matplotlib (Debian packages).
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def load(path):
    import h5py
    import numpy as np

    with h5py.File(path, "r") as f:
        if _text(f.attrs.get("format", "")) != "tessera.compare":
            sys.exit(f"{path}: not a 'tessera compare' results file (format attribute is not tessera.compare)")
        data = {
            "workload": _text(f.attrs.get("workload_name", "")),
            "throughput_unit": _text(f.attrs["throughput_unit"]),
            "perf_per_watt_unit": _text(f.attrs["perf_per_watt_unit"]),
            "chips": [],
        }
        table = f["comparison"][()]
        for row in table:
            name = _text(row["chip"])
            group = f[name]
            summary = group["summary"].attrs
            ops = group["ops"][()]
            seconds = ops["end_s"] - ops["start_s"]
            data["chips"].append({
                "name": name,
                "throughput": float(row["throughput"]),
                "perf_per_watt": float(row["perf_per_watt"]),
                "avg_power_w": float(row["avg_power_w"]),
                "bound_by": _text(row["bound_by"]),
                "peak_flops": float(summary["peak_tflops"]) * 1e12,
                "hbm_peak": float(group.attrs["hbm_peak_bytes_per_second"]),
                "op_ids": [_text(x) for x in ops["id"]],
                "op_flops": np.asarray(ops["flops"], dtype=float),
                "op_bytes": np.asarray(ops["hbm_bytes"], dtype=float),
                "op_seconds": np.asarray(seconds, dtype=float),
            })
    return data


def plot_bars(data, out):
    chips = data["chips"]
    names = [c["name"] for c in chips]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, key, unit, title in (
        (axes[0], "throughput", data["throughput_unit"], "Throughput"),
        (axes[1], "perf_per_watt", data["perf_per_watt_unit"], "Perf per watt"),
    ):
        values = [c[key] for c in chips]
        colours = ["#4c72b0"] + ["#dd8452"] * (len(values) - 1)
        bars = ax.bar(names, values, color=colours)
        base = values[0] if values and values[0] > 0 else None
        for bar, v in zip(bars, values):
            label = (f"{v:,.0f}" if v >= 1000 else f"{v:.3g}") + (f"\n{v / base:.2f}x" if base else "")
            ax.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                        fontsize=8, xytext=(0, 2), textcoords="offset points")
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.set_ylim(0, max(values + [0]) * 1.25 or 1)
        ax.tick_params(axis="x", rotation=20)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"tessera compare: {data['workload']} (ratios against {names[0]})", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def plot_roofline(data, out):
    import numpy as np

    chips = data["chips"]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    cmap = plt.get_cmap("tab10")
    intensities = [1e-2, 1e4]
    for c in chips:
        ai = c["op_flops"] / np.maximum(c["op_bytes"], 1.0)
        ok = (c["op_flops"] > 0) & (c["op_seconds"] > 0) & (c["op_bytes"] > 0)
        if ok.any():
            intensities = [min(intensities[0], ai[ok].min() / 2), max(intensities[1], ai[ok].max() * 2)]
    x = np.logspace(np.log10(intensities[0]), np.log10(intensities[1]), 200)
    for i, c in enumerate(chips):
        colour = cmap(i % 10)
        roof = np.minimum(c["peak_flops"], x * c["hbm_peak"]) / 1e12
        ax.plot(x, roof, color=colour, lw=1.5, label=f"{c['name']} roof ({c['peak_flops'] / 1e12:.0f} TFLOP/s, "
                                                     f"{c['hbm_peak'] / 1e12:.2f} TB/s)")
        ok = (c["op_flops"] > 0) & (c["op_seconds"] > 0) & (c["op_bytes"] > 0)
        if not ok.any():
            continue
        ai = c["op_flops"][ok] / c["op_bytes"][ok]
        achieved = c["op_flops"][ok] / c["op_seconds"][ok] / 1e12
        share = c["op_seconds"][ok] / c["op_seconds"][ok].sum()
        ax.scatter(ai, achieved, s=15 + 300 * share, color=colour, alpha=0.6, edgecolors="black", linewidths=0.4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP per HBM byte)")
    ax.set_ylabel("achieved TFLOP/s")
    ax.set_title(f"Roofline: {data['workload']} (one point per operator; size = share of time)", fontsize=10)
    ax.grid(which="both", alpha=0.25)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="HDF5 file written by tessera compare -o")
    parser.add_argument("--prefix", help="output path prefix (default: the input without its extension)")
    args = parser.parse_args()
    data = load(args.file)
    if not data["chips"]:
        sys.exit(f"{args.file}: no chips in the comparison")
    prefix = args.prefix or os.path.splitext(args.file)[0]
    plot_bars(data, prefix + "_bars.png")
    plot_roofline(data, prefix + "_roofline.png")
    print(f"wrote {prefix}_bars.png and {prefix}_roofline.png")


if __name__ == "__main__":
    main()
