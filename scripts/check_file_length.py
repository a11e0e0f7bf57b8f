#!/usr/bin/env python3
"""Checks that no C++ source file is over 600 lines unless it says why near its top.

A file (.h or .cpp under the folders below) longer than MAX_LINES needs, within its first
HEAD_LINES lines, a comment of the form `// Longer than 600 lines: <why>`. Exits 1 and lists
each offending file with its length otherwise. Usage: scripts/check_file_length.py [repo-root]
"""
import pathlib
import re
import sys

FOLDERS = ("base", "models", "workloads", "sim", "cluster", "report", "econ", "sweep", "apps",
           "bench", "tests")
MAX_LINES = 600
HEAD_LINES = 10
# The reason after the colon must not be empty.
MARKER = re.compile(r"^\s*//\s*Longer than 600 lines:\s*\S")


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    errors = []
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".h", ".cpp") or "build" in path.parts:
                continue
            lines = path.read_text().splitlines()
            if len(lines) <= MAX_LINES:
                continue
            if not any(MARKER.match(line) for line in lines[:HEAD_LINES]):
                errors.append(f"{path.relative_to(root)}: {len(lines)} lines, and no "
                              f"'// Longer than 600 lines: <why>' comment in its first "
                              f"{HEAD_LINES} lines")
    for error in errors:
        print(error)
    if errors:
        print(f"{len(errors)} file(s) over {MAX_LINES} lines without saying why: split them, "
              f"or say why at the top")
        return 1
    print(f"file length: every file over {MAX_LINES} lines says why")
    return 0


if __name__ == "__main__":
    sys.exit(main())
