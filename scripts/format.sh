#!/usr/bin/env bash
# Formats the C++ sources (.h, .cpp) with the repository's .clang-format, using clang-format 14
# (Debian package clang-format-14; another binary through CLANG_FORMAT=...).
# Usage: scripts/format.sh [--check] [file...]
#   Without --check the files are rewritten in place. With --check nothing is written: the files
#   that would change are listed and the exit status is 1 if there are any.
#   Without files: every tracked or new (not ignored) .h/.cpp file in the repository.
set -euo pipefail

check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
root="$(cd "$(dirname "$0")/.." && pwd)"
files=()
for f in "$@"; do
  [ -f "$f" ] || { echo "format.sh: $f: no such file" >&2; exit 2; }
  files+=("$(realpath --relative-to="$root" "$f")")
done
cd "$root"
if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.h' '*.cpp')
fi

clang_format="${CLANG_FORMAT:-clang-format-14}"
if ! command -v "$clang_format" >/dev/null; then
  echo "format.sh: $clang_format not found (apt-get install clang-format-14, or set CLANG_FORMAT)" >&2
  exit 2
fi

if [ $check -eq 0 ]; then
  "$clang_format" -i --style=file "${files[@]}"
  exit 0
fi

differ=0
for f in "${files[@]}"; do
  if ! "$clang_format" --style=file "$f" | cmp -s - "$f"; then
    echo "$f"
    differ=$((differ + 1))
  fi
done
if [ $differ -gt 0 ]; then
  echo "format.sh: $differ of ${#files[@]} file(s) differ from .clang-format (scripts/format.sh fixes them)" >&2
  exit 1
fi
echo "format.sh: ${#files[@]} file(s) formatted"
