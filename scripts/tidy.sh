#!/usr/bin/env bash
# Runs clang-tidy 14 with the repository's .clang-tidy over every source file of a build (the
# build exports compile_commands.json), lists each finding once and counts the findings per check.
# Usage: scripts/tidy.sh [build-dir] [file-regex]
#   file-regex picks a subset of the build's sources, e.g. 'models/memory/'.
#   Exit status 1 when there are findings. The full clang-tidy output is kept in build-dir/tidy.log.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
build_dir="${1:-build}"
file_regex="${2:-.*}"
run_clang_tidy="${RUN_CLANG_TIDY:-run-clang-tidy-14}"

if [ ! -f "$build_dir/compile_commands.json" ]; then
  echo "tidy.sh: $build_dir/compile_commands.json not found: configure first (cmake --preset release)" >&2
  exit 2
fi
if ! command -v "$run_clang_tidy" >/dev/null; then
  echo "tidy.sh: $run_clang_tidy not found (apt-get install clang-tidy-14, or set RUN_CLANG_TIDY)" >&2
  exit 2
fi

log="$build_dir/tidy.log"
# run-clang-tidy exits non-zero on findings; the findings are counted below instead.
"$run_clang_tidy" -p "$build_dir" -quiet -j "$(nproc)" "$file_regex" >"$log" 2>&1 || true
if grep -q 'error:' "$log"; then
  echo "tidy.sh: clang-tidy reported errors (see $log):" >&2
  grep 'error:' "$log" | sort -u | head -20 >&2
fi

# run-clang-tidy 14 always asks for colour: strip it. A header's finding appears once per source
# that includes it: keep one of each.
sed -i 's/\x1b\[[0-9;]*m//g' "$log"
findings="$(grep -E '^[^ ]+:[0-9]+:[0-9]+: warning: .* \[[a-z0-9.,-]+\]$' "$log" |
            sed "s|^$root/||" | sort -u || true)"
if [ -z "$findings" ]; then
  echo "tidy.sh: no findings"
  exit 0
fi
echo "$findings"
echo
echo "findings per check:"
echo "$findings" | sed -E 's/.*\[([a-z0-9.,-]+)\]$/\1/' | tr ',' '\n' | sort | uniq -c | sort -rn
echo "tidy.sh: $(echo "$findings" | wc -l) finding(s)"
exit 1
