#!/usr/bin/python3
"""Scatter plot of a `tessera sweep` results table with its Pareto front.

Reads the HDF5 file `tessera sweep` writes (/points table, /pareto group) and draws every
finished point on two metrics, the non-dominated points joined as the Pareto front. By default
the axes are the two metrics the sweep spec named under `pareto:`; --x/--y pick any numeric
columns (the front is then recomputed for them).

  scripts/plot_sweep.py g1.h5 -o g1.png
  scripts/plot_sweep.py g1.h5 --x achieved_tflops --x-goal max --y area_proxy --y-goal min --color hbm.data_rate_gbps
"""
import argparse
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def pareto_front(x, y, max_x, max_y):
    """Indices of the points no other point dominates, sorted by x (best first)."""
    sx = 1.0 if max_x else -1.0
    sy = 1.0 if max_y else -1.0
    order = sorted(range(len(x)), key=lambda i: (-sx * x[i], -sy * y[i]))
    front, best_prev, g = [], None, 0
    while g < len(order):
        e = g
        while e < len(order) and sx * x[order[e]] == sx * x[order[g]]:
            e += 1
        group_best = sy * y[order[g]]
        for k in range(g, e):
            v = sy * y[order[k]]
            if not ((best_prev is not None and best_prev >= v) or v < group_best):
                front.append(order[k])
        best_prev = group_best if best_prev is None else max(best_prev, group_best)
        g = e
    return front


def label(name, units):
    unit = units.get(name, "")
    return f"{name} [{unit}]" if unit else name


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", help="HDF5 file written by tessera sweep")
    ap.add_argument("-o", "--out", help="PNG to write (default: RESULTS with .png)")
    ap.add_argument("--x", help="column on the x axis (default: the spec's first Pareto metric)")
    ap.add_argument("--y", help="column on the y axis (default: the spec's second Pareto metric)")
    ap.add_argument("--x-goal", choices=["max", "min"], help="direction of x for the front (default: the spec's, else max)")
    ap.add_argument("--y-goal", choices=["max", "min"], help="direction of y for the front (default: the spec's, else min)")
    ap.add_argument("--color", help="numeric column to colour the points by (default: the first parameter)")
    ap.add_argument("--log-x", action="store_true", help="logarithmic x axis")
    ap.add_argument("--log-y", action="store_true", help="logarithmic y axis")
    ap.add_argument("--annotate", action="store_true", help="label the front's points with their index")
    args = ap.parse_args(argv)

    with h5py.File(args.results, "r") as f:
        if f.attrs.get("format") != "tessera-sweep" or "points" not in f:
            sys.exit(f"{args.results}: not a tessera sweep results file")
        points = f["points"][:]
        units = dict(zip(points.dtype.names, [text(u) for u in f["points"].attrs.get("units", [])]))
        spec_pareto = {}
        if "pareto" in f:
            spec_pareto = {k: text(v) for k, v in f["pareto"].attrs.items()}
        name = text(f.attrs.get("name", ""))
        description = text(f.attrs.get("description", ""))

    names = points.dtype.names
    x_name = args.x or spec_pareto.get("x")
    y_name = args.y or spec_pareto.get("y")
    if not x_name or not y_name:
        sys.exit("the results name no Pareto metrics: give --x and --y")
    same_axes = x_name == spec_pareto.get("x") and y_name == spec_pareto.get("y")
    x_goal = args.x_goal or (spec_pareto.get("x_goal") if same_axes else None) or "max"
    y_goal = args.y_goal or (spec_pareto.get("y_goal") if same_axes else None) or "min"
    for col in (x_name, y_name):
        if col not in names:
            sys.exit(f"no column '{col}'; columns: {', '.join(names)}")
        if points.dtype[col].kind not in "fiu":
            sys.exit(f"column '{col}' is not numeric")

    status = np.array([text(s) for s in points["status"]])
    ok = status == "ok"
    x = points[x_name].astype(float)
    y = points[y_name].astype(float)
    ok &= np.isfinite(x) & np.isfinite(y)
    idx = np.nonzero(ok)[0]
    if len(idx) == 0:
        sys.exit("no finished points with both metrics")

    # Colour by a parameter: the first column after "index" unless told otherwise.
    color_name = args.color or (names[1] if len(names) > 1 else None)
    colors = None
    if color_name and color_name in names and points.dtype[color_name].kind in "fiu":
        colors = points[color_name].astype(float)[idx]

    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=120)
    sc = ax.scatter(x[idx], y[idx], c=colors, cmap="viridis", s=28, alpha=0.8, edgecolors="none",
                    label=f"points ({len(idx)} ok)")
    if colors is not None:
        cb = fig.colorbar(sc, ax=ax)
        cb.set_label(label(color_name, units))

    front = [idx[i] for i in pareto_front(list(x[idx]), list(y[idx]), x_goal == "max", y_goal == "max")]
    fx, fy = x[front], y[front]
    order = np.argsort(fx)
    ax.plot(fx[order], fy[order], "-", color="crimson", lw=1.5, zorder=3)
    ax.scatter(fx, fy, s=70, facecolors="none", edgecolors="crimson", lw=1.5, zorder=4,
               label=f"Pareto front ({len(front)}: {x_goal} x, {y_goal} y)")
    if args.annotate:
        for i in front:
            ax.annotate(str(int(points["index"][i])), (x[i], y[i]), textcoords="offset points", xytext=(4, 4),
                        fontsize=8, color="crimson")
    failed = int(np.sum(status == "failed"))
    skipped = int(np.sum(status == "skipped"))
    if args.log_x:
        ax.set_xscale("log")
    if args.log_y:
        ax.set_yscale("log")
    ax.set_xlabel(label(x_name, units))
    ax.set_ylabel(label(y_name, units))
    title = name or "sweep"
    extra = []
    if failed:
        extra.append(f"{failed} failed")
    if skipped:
        extra.append(f"{skipped} skipped")
    ax.set_title(title + (f" ({', '.join(extra)})" if extra else ""), fontsize=11)
    if description:
        fig.text(0.01, 0.01, description, fontsize=7, color="gray")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    out = args.out or (args.results.rsplit(".", 1)[0] + ".png")
    fig.savefig(out)
    print(f"wrote {out}: {len(idx)} points, {len(front)} on the front")
    return 0


if __name__ == "__main__":
    sys.exit(main())
