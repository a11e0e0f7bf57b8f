#!/usr/bin/python3
"""Plot the compute-centre account written by `tessera tco`.

Reads the HDF5 file (`tessera tco ... -o tco.h5`) or the JSON document
(`tessera tco ... --format json > tco.json`) and draws, as PNG files:
  PREFIX_cashflow.png  yearly cash flow (bars) with cumulative and discounted cumulative lines
  PREFIX_tornado.png   NPV at -20% / +20% of each input (when the run had --tornado)
  PREFIX_sweeps.png    NPV along each one-way sweep (when the run had --sweep)
One panel per deployment (two with --compare).
"""
import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def _nan_to_none(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def load_hdf5(path):
    import h5py

    runs = []
    with h5py.File(path, "r") as f:
        if _text(f.attrs.get("kind", "")) != "tessera tco":
            sys.exit(f"{path}: not a 'tessera tco' results file")
        group = f["deployments"]
        for index in sorted(group.keys(), key=int):
            g = group[index]
            run = {
                "name": _text(g.attrs["name"]),
                "currency": _text(g.attrs["currency"]),
                "summary": {k: (_nan_to_none(v) if not isinstance(v, (str, bytes)) else _text(v))
                            for k, v in g["summary"].attrs.items()},
                "cashflow": {k: [float(x) for x in g["cashflow"][k][()]] for k in g["cashflow"].keys()},
                "sweeps": [],
                "tornado": None,
            }
            if "sweeps" in g:
                for key in g["sweeps"].keys():
                    s = g["sweeps"][key]
                    run["sweeps"].append({
                        "key": _text(s.attrs["key"]),
                        "base_value": float(s.attrs["base_value"]),
                        "value": list(s["value"][()]),
                        "npv": list(s["npv"][()]),
                    })
            if "tornado" in g:
                t = g["tornado"]
                run["tornado"] = {
                    "base_npv": float(t.attrs["base_npv"]),
                    "fraction": float(t.attrs["fraction"]),
                    "entries": [
                        {"key": _text(k), "npv_low": float(lo), "npv_high": float(hi)}
                        for k, lo, hi in zip(t["key"][()], t["npv_low"][()], t["npv_high"][()])
                    ],
                }
            runs.append(run)
    return runs


def load_json(path):
    with open(path) as fh:
        doc = json.load(fh)
    if doc.get("tool") != "tessera tco":
        sys.exit(f"{path}: not the JSON document of 'tessera tco --format json'")
    runs = []
    for d in doc["deployments"]:
        runs.append({
            "name": d["name"],
            "currency": d["currency"],
            "summary": d["summary"],
            "cashflow": d["cashflow"],
            "sweeps": [{"key": s["key"], "base_value": s["base_value"], "value": s["value"], "npv": s["npv"]}
                       for s in d.get("sweeps", [])],
            "tornado": d.get("tornado"),
        })
    return runs


def load(path):
    with open(path, "rb") as fh:
        signature = fh.read(8)
    return load_hdf5(path) if signature == b"\x89HDF\r\n\x1a\n" else load_json(path)


def money_axis(ax, currency):
    def fmt(v, _):
        a = abs(v)
        if a >= 1e9:
            return f"{v / 1e9:.1f}B"
        if a >= 1e6:
            return f"{v / 1e6:.1f}M"
        if a >= 1e3:
            return f"{v / 1e3:.0f}k"
        return f"{v:.0f}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))
    ax.set_ylabel(currency)


def plot_cashflow(runs, out):
    fig, axes = plt.subplots(1, len(runs), figsize=(6.5 * len(runs), 4.5), squeeze=False)
    for ax, run in zip(axes[0], runs):
        cf = run["cashflow"]
        years = [int(y) for y in cf["year"]]
        colors = ["tab:green" if v >= 0 else "tab:red" for v in cf["cash_flow"]]
        ax.bar(years, cf["cash_flow"], color=colors, alpha=0.5, label="cash flow (year)")
        ax.plot(years, cf["cumulative"], "o-", color="black", label="cumulative")
        ax.plot(years, cf["cumulative_discounted"], "s--", color="tab:blue", label="cumulative, discounted")
        ax.axhline(0, color="grey", linewidth=0.8)
        s = run["summary"]
        payback = s.get("payback_years")
        if payback is not None:
            ax.axvline(payback, color="tab:orange", linestyle=":", label=f"payback {payback:.2f} y")
        irr = s.get("irr")
        irr_text = f"{irr * 100:.1f}%" if irr is not None else "n/a"
        ax.set_title(f"{run['name']}\nNPV {s['npv'] / 1e6:,.2f}M {run['currency']}, IRR {irr_text}")
        ax.set_xlabel("year (cash flows at year end; year 0 = CapEx)")
        ax.set_xticks(years)
        money_axis(ax, run["currency"])
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def plot_tornado(runs, out, top):
    runs = [r for r in runs if r.get("tornado") and r["tornado"]["entries"]]
    if not runs:
        return None
    n_rows = max(min(len(r["tornado"]["entries"]), top) for r in runs)
    fig, axes = plt.subplots(1, len(runs), figsize=(7.5 * len(runs), 0.35 * n_rows + 1.8), squeeze=False)
    for ax, run in zip(axes[0], runs):
        t = run["tornado"]
        entries = t["entries"][:top][::-1]  # largest swing on top
        base = t["base_npv"]
        pct = t["fraction"] * 100
        for i, e in enumerate(entries):
            ax.barh(i, e["npv_low"] - base, left=base, color="tab:red", alpha=0.7,
                    label=f"input -{pct:.0f}%" if i == 0 else None)
            ax.barh(i, e["npv_high"] - base, left=base, color="tab:blue", alpha=0.7,
                    label=f"input +{pct:.0f}%" if i == 0 else None)
        ax.set_yticks(range(len(entries)))
        ax.set_yticklabels([e["key"] for e in entries], fontsize=8)
        ax.axvline(base, color="black", linewidth=1)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1e6:,.1f}M"))
        ax.set_xlabel(f"NPV ({run['currency']}); base {base / 1e6:,.2f}M")
        ax.set_title(f"{run['name']}: NPV tornado, each input +-{pct:.0f}%")
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def plot_sweeps(runs, out):
    keys = []
    for r in runs:
        for s in r["sweeps"]:
            if s["key"] not in keys:
                keys.append(s["key"])
    if not keys:
        return None
    fig, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 4), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for r in runs:
            for s in r["sweeps"]:
                if s["key"] == key:
                    ax.plot(s["value"], s["npv"], "o-", label=f"{r['name']} ({r['currency']})")
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_xlabel(key)
        ax.set_title(f"NPV against {key}")
        money_axis(ax, "NPV")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="tco.h5 (tessera tco -o) or tco.json (tessera tco --format json)")
    parser.add_argument("-o", "--out", help="output prefix (default: the input name without its extension)")
    parser.add_argument("--top", type=int, default=15, help="tornado bars to draw, largest first (default 15)")
    args = parser.parse_args()

    runs = load(args.input)
    prefix = args.out or os.path.splitext(args.input)[0]
    written = [plot_cashflow(runs, f"{prefix}_cashflow.png"),
               plot_tornado(runs, f"{prefix}_tornado.png", args.top),
               plot_sweeps(runs, f"{prefix}_sweeps.png")]
    for w in written:
        if w:
            print(f"wrote {w}")


if __name__ == "__main__":
    main()
