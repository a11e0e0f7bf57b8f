#!/usr/bin/python3
"""Plots of `tessera serve` results (HDF5 files written with -o).

For each file: the latency CDFs (TTFT and TPOT per request), and the KV blocks in use and the
waiting queue over time (per replica). With several files (the same deployment at several arrival
rates), or a file from `--find-capacity` (its capacity_search table), a third panel shows p99 TTFT
and TPOT against the arrival rate: the knee where the deployment saturates.

  scripts/plot_serving.py serve.h5 -o serve.png
  scripts/plot_serving.py rate-2.h5 rate-4.h5 rate-8.h5 -o knee.png
"""
import argparse
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    with h5py.File(path, "r") as f:
        if "requests" not in f or "iterations" not in f:
            raise SystemExit(f"{path}: not a tessera serve result (no /requests and /iterations tables)")
        run = {
            "path": path,
            "requests": f["requests"][()],
            "iterations": f["iterations"][()],
            "summary": {k: f["summary"].attrs[k] for k in f["summary"].attrs} if "summary" in f else {},
            "capacity": f["capacity_search"][()] if "capacity_search" in f else None,
        }
    return run


def number(summary, key):
    value = summary.get(key)
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def cdf(ax, values, label):
    v = np.sort(np.asarray(values, dtype=float))
    if v.size:
        ax.plot(v * 1e3, np.arange(1, v.size + 1) / v.size, label=label)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", help="tessera serve HDF5 results")
    p.add_argument("-o", "--out", required=True, help="output image (PNG, SVG or PDF)")
    args = p.parse_args()
    runs = [read(path) for path in args.files]

    knee = len(runs) > 1 or any(r["capacity"] is not None for r in runs)
    fig, axes = plt.subplots(1, 3 if knee else 2, figsize=(15 if knee else 10, 4.2))
    ax_cdf, ax_kv = axes[0], axes[1]
    ax_queue = ax_kv.twinx()
    for r in runs:
        name = r["path"].rsplit("/", 1)[-1]
        cdf(ax_cdf, r["requests"]["ttft_s"], f"TTFT {name}")
        cdf(ax_cdf, r["requests"]["tpot_s"][r["requests"]["output_tokens"] > 1], f"TPOT {name}")
        it = r["iterations"]
        for replica in np.unique(it["replica"]):
            rows = it[it["replica"] == replica]
            ax_kv.step(rows["start_s"], rows["kv_blocks_used"], where="post", label=f"KV blocks r{replica} {name}")
            ax_queue.step(rows["start_s"], rows["waiting"], where="post", linestyle=":", label=f"waiting r{replica} {name}")
    ax_cdf.set_xscale("log")
    ax_cdf.set_xlabel("latency (ms)")
    ax_cdf.set_ylabel("fraction of requests")
    ax_cdf.set_title("Latency CDFs")
    ax_cdf.legend(fontsize="small")
    ax_cdf.grid(True, alpha=0.3)
    ax_kv.set_xlabel("simulated time (s)")
    ax_kv.set_ylabel("KV blocks in use (solid)")
    ax_queue.set_ylabel("requests waiting (dotted)")
    ax_kv.set_title("KV cache and queue")
    handles = ax_kv.get_legend_handles_labels()
    more = ax_queue.get_legend_handles_labels()
    ax_kv.legend(handles[0] + more[0], handles[1] + more[1], fontsize="small")
    ax_kv.grid(True, alpha=0.3)

    if knee:
        ax = axes[2]
        rates, ttft, tpot = [], [], []
        for r in runs:
            if r["capacity"] is not None:
                c = r["capacity"]
                order = np.argsort(c["rate"])
                ax.plot(c["rate"][order], c["ttft_p99_s"][order] * 1e3, "o-", label=f"p99 TTFT (search)")
                ax.plot(c["rate"][order], c["tpot_p99_s"][order] * 1e3, "s-", label=f"p99 TPOT (search)")
            else:
                rates.append(number(r["summary"], "offered_rate"))
                ttft.append(number(r["summary"], "ttft_p99_s") * 1e3)
                tpot.append(number(r["summary"], "tpot_p99_s") * 1e3)
        if rates:
            order = np.argsort(rates)
            ax.plot(np.asarray(rates)[order], np.asarray(ttft)[order], "o-", label="p99 TTFT")
            ax.plot(np.asarray(rates)[order], np.asarray(tpot)[order], "s-", label="p99 TPOT")
        ax.set_yscale("log")
        ax.set_xlabel("arrival rate (requests/s)")
        ax.set_ylabel("latency (ms)")
        ax.set_title("Latency against load")
        ax.legend(fontsize="small")
        ax.grid(True, alpha=0.3)

    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
