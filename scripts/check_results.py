#!/usr/bin/python3
"""Open a Tessera results HDF5 file with h5py and print what it holds.

Prints the file's metadata, the /summary metrics with their units, the first rows of /ops and
the /units table. Exits non-zero when the file lacks a group or dataset of the results layout
(docs/results.md), so it doubles as a quick check that h5py can read a file.
"""
import argparse
import json
import sys

import h5py
import numpy as np


def text(value):
    """h5py gives str for variable-length string attributes and bytes for fixed-length fields."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def print_table(ds, rows):
    data = ds[:rows]
    names = list(data.dtype.names)
    units = [text(u) for u in ds.attrs.get("units", [""] * len(names))]
    cells = [[f"{n} [{u}]" if u else n for n, u in zip(names, units)]]
    for row in data:
        out = []
        for n in names:
            v = row[n]
            if isinstance(v, (bytes, np.bytes_)):
                out.append(text(v))
            elif isinstance(v, (float, np.floating)):
                out.append(f"{v:.6g}")
            else:
                out.append(str(v))
        cells.append(out)
    widths = [max(len(r[i]) for r in cells) for i in range(len(names))]
    for r in cells:
        print("  " + "  ".join(c.rjust(w) for c, w in zip(r, widths)))
    if ds.shape[0] > rows:
        print(f"  ... {ds.shape[0] - rows} more rows")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="results file written by tessera (HDF5)")
    parser.add_argument("--rows", type=int, default=5, help="operator rows to print (default 5)")
    parser.add_argument("--group", default="/",
                        help="result group inside the file (default: the root)")
    args = parser.parse_args()

    with h5py.File(args.path, "r") as f:
        root = f[args.group]
        missing = [name for name in ("meta", "summary", "ops", "units") if name not in root]
        if missing:
            print(f"{args.path}: missing {', '.join(missing)} in {args.group}", file=sys.stderr)
            return 1
        if "format" in f.attrs:
            print(f"format: {text(f.attrs['format'])} v{int(f.attrs['format_version'])}")
        meta = root["meta"].attrs
        print(f"tool_version: {text(meta['tool_version'])}")
        print(f"chip: {text(meta['chip_name'])}")
        workload = json.loads(text(meta["workload"]))
        if isinstance(workload, dict) and "name" in workload:
            print(f"workload: {workload['name']}")
        print(f"chip_config: {len(text(meta['chip_config']).splitlines())} lines of YAML")

        print("\n/summary")
        summary = root["summary"]
        units = summary["units"].attrs if "units" in summary else {}
        for key, value in summary.attrs.items():
            unit = text(units[key]) if key in units else ""
            shown = text(value) if isinstance(value, (str, bytes)) else f"{float(value):.6g}"
            print(f"  {key:28s} {shown} {unit}".rstrip())

        print(f"\n/ops ({root['ops'].shape[0]} rows)")
        print_table(root["ops"], args.rows)
        print(f"\n/units ({root['units'].shape[0]} rows)")
        print_table(root["units"], root["units"].shape[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
