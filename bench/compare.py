"""Before/after in one run: a benchmark against BASE_REV and against the working tree, figures side by side.

    .venv/bin/python bench/compare.py BASE_REV SCRIPT [ARGS...]
    .venv/bin/python bench/compare.py HEAD intake.py --seconds 10
    scripts/with-postgres.sh .venv/bin/python bench/compare.py HEAD intake.py   # also PostgreSQL
    .venv/bin/python bench/compare.py --own bc69e08 end_to_end.py -n 200

BASE_REV is checked out (detached) into a git worktree under /tmp, removed afterwards. Nothing is
installed: both runs use this tree's .venv, the base run with PYTHONPATH and LAPOR_BENCH_TREE pointing
at the worktree (bench/_common.py puts that tree first on sys.path; subprocesses such as
`lapor-camat run` inherit PYTHONPATH), one after the other, base first. By default both runs use this
tree's copy of SCRIPT, so the harness, its options and its baselines are the same and only the system
differs; `--own` runs each tree's own copy instead (for in-process benchmarks whose harness calls
internals that changed between the trees). Each run's output streams as it comes; at the end the
lines are paired: a line both runs printed alike once, otherwise the base's then the working tree's.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def git(*argv: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *argv], check=True, capture_output=True, text=True).stdout.strip()


def run(label: str, tree: Path, script: Path, argv: list[str]) -> list[str]:
    """SCRIPT with the code of `tree`; its stdout, streamed with `label` in front (stderr passes through)."""
    env = dict(os.environ, LAPOR_BENCH_TREE=str(tree),
               PYTHONPATH=os.pathsep.join([str(tree), *filter(None, [os.environ.get("PYTHONPATH")])]))
    code = subprocess.run([sys.executable, "-c", "import core; print(core.__file__)"], cwd="/", env=env,
                          capture_output=True, text=True).stdout.strip()
    if not code.startswith(str(tree)):
        sys.exit(f"{label}: core would be imported from {code or '?'}, not from {tree}")
    print(f"--- {label}: {script} {' '.join(argv)} (code from {tree})", flush=True)
    lines: list[str] = []
    with subprocess.Popen([sys.executable, str(script), *argv], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          text=True, bufsize=1) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            print(f"{label} | {lines[-1]}", flush=True)
    if proc.returncode:
        lines.append(f"(exited with {proc.returncode})")
    return lines


def side_by_side(before: tuple[str, list[str]], after: tuple[str, list[str]]) -> None:
    width = max(len(before[0]), len(after[0]), len("both"))
    print(f"\n=== {before[0]} vs {after[0]}")
    for old, new in itertools.zip_longest(before[1], after[1]):
        if old == new:
            print(f"{'both':<{width}} | {old}")
            continue
        if old is not None:
            print(f"{before[0]:<{width}} | {old}")
        if new is not None:
            print(f"{after[0]:<{width}} | {new}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--own", action="store_true", help="run each tree's own copy of SCRIPT")
    parser.add_argument("base", metavar="BASE_REV")
    parser.add_argument("script", metavar="SCRIPT", help="a benchmark in bench/, e.g. intake.py")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="passed to SCRIPT")
    args = parser.parse_args()
    rev = git("rev-parse", "--short", f"{args.base}^{{commit}}")
    script = Path(args.script).name
    if not (ROOT / "bench" / script).is_file():
        parser.error(f"no bench/{script}")
    folder = Path(tempfile.mkdtemp(prefix="lapor-compare-"))
    base = folder / "tree"
    git("worktree", "add", "--detach", str(base), rev)
    try:
        (base / ".venv").symlink_to(ROOT / ".venv")  # the base tree's own scripts (--own) find the same venv
        if args.own and not (base / "bench" / script).is_file():
            parser.error(f"{rev} has no bench/{script}")
        before = (f"before {rev}", run(f"before {rev}", base, (base if args.own else ROOT) / "bench" / script,
                                       args.args))
        after = ("after (working tree)", run("after (working tree)", ROOT, ROOT / "bench" / script, args.args))
    finally:
        git("worktree", "remove", "--force", str(base))
        shutil.rmtree(folder, ignore_errors=True)
    side_by_side(before, after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
