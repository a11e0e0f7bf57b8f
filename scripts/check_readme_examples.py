#!/usr/bin/env python3
"""Runs every `build/bin/tessera ...` line of the README's ```sh blocks (the examples a new user
copies) from a scratch directory, with `results/` redirected there, and fails if one exits
non-zero. Usage: check_readme_examples.py SOURCE_DIR TESSERA_BINARY"""
import os
import shlex
import subprocess
import sys
import tempfile


def example_commands(readme):
    commands, in_sh = [], False
    for line in open(readme, encoding="utf-8"):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_sh = stripped in ("```sh", "```bash") and not in_sh
            continue
        if in_sh and stripped.startswith("build/bin/tessera "):
            commands.append(stripped.split("#")[0].strip())
    return commands


def main():
    source, binary = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    commands = example_commands(os.path.join(source, "README.md"))
    if not commands:
        print("no README examples found")
        return 1
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        os.makedirs(os.path.join(scratch, "results"))
        for command in commands:
            args = shlex.split(command)
            args[0] = binary
            env = dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE", TESSERA_HOME=source)
            r = subprocess.run(args, cwd=scratch, env=env, capture_output=True, text=True)
            print(("ok    " if r.returncode == 0 else "FAIL  ") + command)
            if r.returncode != 0:
                failed += 1
                print(r.stderr[-2000:])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
