#!/usr/bin/python3
"""Throughput and efficiency against chip count, from `tessera size` or `tessera run --cluster`.

Inputs (any mix, each file detected by content):
  - a `tessera size` result (HDF5 with a /candidates table, or its --format json document):
    every simulated layout is a point; the Pareto front is joined and the recommended layout
    circled;
  - `tessera run --cluster ... --format json` documents or their HDF5 files (--out): one point
    each, joined in chip order (a strong- or weak-scaling curve).

Top panel: throughput (tokens/s or requests/s) against chips. Bottom panel: efficiency, the
throughput per chip relative to the best per-chip throughput among the plotted points (1 = as
good per chip as the best), which is the scaling efficiency of a curve.

  scripts/plot_scaling.py size-70b.h5 -o size-70b.png
  scripts/plot_scaling.py run-64.json run-512.json run-1024.json -o scaling.png
"""
import argparse
import json
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def read_size_h5(f):
    rows = f["candidates"][()]
    unit = text(f["summary"].attrs["throughput_unit"])
    rec = int(f["summary"].attrs["recommended"])
    points = []
    for i, r in enumerate(rows):
        if text(r["status"]) != "simulated":
            continue
        points.append({"chips": int(r["chips"]), "throughput": float(r["throughput"]), "pareto": bool(r["pareto"]),
                       "recommended": i == rec, "label": layout_label(r)})
    return unit, points


def layout_label(r):
    get = (lambda k: r[k]) if not isinstance(r, dict) else (lambda k: r.get(k, 0))
    if int(get("batch")) > 0:
        return f"tp{int(get('tp'))} pp{int(get('pp'))} b{int(get('batch'))}"
    return f"tp{int(get('tp'))} pp{int(get('pp'))} dp{int(get('dp'))}"


def read_size_json(doc):
    if "summary" in doc:  # format 2: flat candidate rows, the recommendation in the summary
        rec = int(doc["summary"].get("recommended", -1))
        unit = doc["summary"]["throughput_unit"]
    else:  # format 1: nested layouts, top-level recommendation
        rec = doc.get("recommended")
        unit = doc["throughput_unit"]
    points = []
    for i, c in enumerate(doc["candidates"]):
        if c["status"] != "simulated":
            continue
        row = dict(c["layout"], batch=c.get("batch", 0)) if isinstance(c.get("layout"), dict) else c
        points.append({"chips": c["chips"], "throughput": c["throughput"], "pareto": bool(c["pareto"]),
                       "recommended": rec == i, "label": layout_label(row)})
    return unit, points


def run_point(summary, name):
    if "chips" not in summary:
        sys.exit(f"{name}: not a multi-chip result (no 'chips' in its summary); run with --cluster")
    tput = summary.get("tokens_per_second", summary.get("samples_per_second"))
    unit = "tokens/s" if "tokens_per_second" in summary else "samples/s"
    return unit, {"chips": int(summary["chips"]), "throughput": float(tput), "pareto": False, "recommended": False,
                  "label": text(summary.get("layout", ""))}


def read(path):
    """(kind, unit, points) of one file."""
    try:
        with h5py.File(path, "r") as f:
            if "candidates" in f:
                unit, points = read_size_h5(f)
                return "size", unit, points
            if "summary" in f:
                s = {k: (text(v) if isinstance(v, (bytes, str)) else v) for k, v in f["summary"].attrs.items()}
                unit, p = run_point(s, path)
                return "run", unit, [p]
            sys.exit(f"{path}: neither a tessera size nor a tessera run result")
    except OSError:
        pass
    try:
        with open(path) as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: cannot read it as HDF5 or JSON ({e})")
    if "candidates" in doc:
        unit, points = read_size_json(doc)
        return "size", unit, points
    if "summary" in doc:
        unit, p = run_point(doc["summary"], path)
        return "run", unit, [p]
    sys.exit(f"{path}: neither a tessera size nor a tessera run result")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+", help="tessera size or tessera run --cluster results (HDF5 or JSON)")
    ap.add_argument("-o", "--out", help="PNG to write (default: the first input with .png)")
    ap.add_argument("--title", help="plot title")
    args = ap.parse_args(argv)

    sizes, runs, units = [], [], set()
    for path in args.results:
        kind, unit, points = read(path)
        units.add(unit)
        (sizes if kind == "size" else runs).append((path, points))
    if len(units) > 1:
        sys.exit(f"inputs measure throughput in different units: {', '.join(sorted(units))}")
    unit = units.pop()
    every = [p for _, pts in sizes for p in pts] + [p for _, pts in runs for p in pts]
    if not every:
        sys.exit("no simulated points to plot")
    best_per_chip = max(p["throughput"] / p["chips"] for p in every)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 8), sharex=True)
    for path, pts in sizes:
        name = path.rsplit("/", 1)[-1]
        top.scatter([p["chips"] for p in pts], [p["throughput"] for p in pts], s=18, alpha=0.6, label=f"{name}: simulated")
        # The front in these two axes: no other point has as many or fewer chips and more throughput.
        front, best = [], 0.0
        for p in sorted(pts, key=lambda p: (p["chips"], -p["throughput"])):
            if p["throughput"] > best:
                front.append(p)
                best = p["throughput"]
        top.plot([p["chips"] for p in front], [p["throughput"] for p in front], "-", lw=1,
                 label=f"{name}: most throughput for the chips")
        for p in pts:
            bottom.scatter(p["chips"], p["throughput"] / p["chips"] / best_per_chip, s=18, alpha=0.6, color="C0")
            if p["recommended"]:
                for ax, y in ((top, p["throughput"]), (bottom, p["throughput"] / p["chips"] / best_per_chip)):
                    ax.scatter(p["chips"], y, s=160, facecolors="none", edgecolors="red", linewidths=1.5)
                top.annotate(f"recommended: {p['label']}", (p["chips"], p["throughput"]), textcoords="offset points",
                             xytext=(8, -12), fontsize=8, color="red")
    if runs:
        pts = sorted((p for _, ps in runs for p in ps), key=lambda p: p["chips"])
        top.plot([p["chips"] for p in pts], [p["throughput"] for p in pts], "o-", label="tessera run --cluster")
        bottom.plot([p["chips"] for p in pts], [p["throughput"] / p["chips"] / best_per_chip for p in pts], "o-")
        for p in pts:
            top.annotate(p["label"], (p["chips"], p["throughput"]), textcoords="offset points", xytext=(4, 4), fontsize=7)

    top.set_xscale("log", base=2)
    top.set_yscale("log")
    top.set_ylabel(f"throughput [{unit}]")
    top.grid(True, which="both", alpha=0.3)
    top.legend(fontsize=8)
    bottom.set_xscale("log", base=2)
    bottom.set_xlabel("chips")
    bottom.set_ylabel("efficiency (throughput per chip / best)")
    bottom.set_ylim(0, 1.05)
    bottom.grid(True, which="both", alpha=0.3)
    if args.title:
        fig.suptitle(args.title)
    out = args.out or args.results[0].rsplit(".", 1)[0] + ".png"
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
