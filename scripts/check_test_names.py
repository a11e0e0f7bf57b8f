#!/usr/bin/python3
"""Checks that every Catch2 test name survives ctest registration. catch_discover_tests splits a
name at ';' (CMake's list separator) into several tests that each match nothing and pass
without running anything, and Catch reads a name starting with '-' as an option. Exits 1 and
lists each offending name (file:line). Usage: scripts/check_test_names.py [repo-root]"""
import pathlib
import re
import sys

NAME = re.compile(r'^\s*TEST_CASE(?:_METHOD)?\((?:[^,"]*,\s*)?"((?:[^"\\]|\\.)*)"')


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    errors = []
    for path in sorted((root / "tests").glob("*.cpp")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = NAME.match(line)
            if not match:
                continue
            name = match.group(1)
            if ";" in name:
                errors.append(f"{path.relative_to(root)}:{number}: test name has ';' (ctest splits it): {name}")
            if name.startswith("-"):
                errors.append(f"{path.relative_to(root)}:{number}: test name starts with '-' (read as an option): {name}")
    for error in errors:
        print(error)
    if errors:
        return 1
    print("test names: every name registers as one ctest test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
