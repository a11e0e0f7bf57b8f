#!/usr/bin/env python3
"""Checks that every project include goes down the layer picture of docs/architecture.md.

Each top-level folder is one library; a file may include headers of its own folder and of the
folders listed for it below, never of a folder above it. Exits 1 and lists each offending
include (file:line) otherwise. Usage: scripts/check_layers.py [repo-root]
"""
import pathlib
import re
import sys

# folder -> the folders it may include (its own folder is always allowed)
ALLOWED = {
    "base": set(),
    "models": {"base"},
    "workloads": {"base"},
    "sim": {"base", "models", "workloads"},
    "cluster": {"base", "models", "workloads", "sim"},
    "report": {"base", "models", "workloads", "sim"},
    "econ": {"base"},
    "sweep": {"base", "models", "workloads", "sim", "cluster", "report"},
    "serving": {"base", "models", "workloads", "sim", "cluster"},
    "apps": {"base", "models", "workloads", "sim", "cluster", "report", "econ", "sweep", "serving"},
    "bench": {"base", "models", "workloads", "sim", "cluster", "report", "serving"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    errors = []
    for folder, allowed in ALLOWED.items():
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".h", ".cpp", ".in") or "build" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                match = INCLUDE.match(line)
                if not match or "/" not in match.group(1):
                    continue
                target = match.group(1).split("/")[0]
                if target != folder and target in ALLOWED and target not in allowed:
                    errors.append(f"{path.relative_to(root)}:{number}: includes "
                                  f"\"{match.group(1)}\" but {folder}/ may only use "
                                  f"{', '.join(sorted(allowed)) or 'nothing else'}")
    for error in errors:
        print(error)
    if errors:
        print(f"{len(errors)} include(s) run up the layers (docs/architecture.md)")
        return 1
    print("layers: every include goes down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
