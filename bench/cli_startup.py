"""CLI start-up: the median wall time of `signalroom --help`, a usage error and `--version`.

Like hyperfine: a few warm-up runs (so the OS file cache is warm, as for a user who
types a second command), then N timed runs of a fresh process each; the median and
the spread are printed with the machine and its load, for bench/RESULTS.md.
Goal (issue 13): under 0.5 s median for --help and a usage error.

    .venv/bin/python bench/cli_startup.py [--runs 15] [--warmup 2] [--command CMD]
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = {
    "--help": ["--help"],
    "usage error": ["metrics", "--bogus"],
    "--version": ["--version"],
}


def command() -> list[str]:
    """The installed console script beside this interpreter, else `python -m bot`."""
    script = Path(sys.executable).with_name("signalroom")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def time_once(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh process. CPU time (user + system) barely moves
    with the machine's load, wall time does: both are reported."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - began
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return elapsed, cpu


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()} on {platform.system()}; "
            f"load average before: {load}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--command", help="what to time instead of the installed script, e.g. an older "
                                          "checkout, run from its folder: 'env PYTHONPATH=. /path/to/python -m bot'")
    args = parser.parse_args()
    base = shlex.split(args.command) if args.command else command()
    print(f"machine: {machine()}")
    print(f"command: {' '.join(Path(base[0]).name if i == 0 else a for i, a in enumerate(base))}  "
          f"({args.runs} runs after {args.warmup} warm-up)")
    for name, argv in [(name, base + extra) for name, extra in CASES.items()] + [
            ("python -c pass", [sys.executable, "-c", "pass"])]:  # the interpreter alone, for scale
        for _ in range(args.warmup):
            time_once(argv)
        runs = [time_once(argv) for _ in range(args.runs)]
        wall = sorted(w for w, _ in runs)
        print(f"{name:<15} median {statistics.median(wall):.3f} s   min {wall[0]:.3f}   max {wall[-1]:.3f}   "
              f"CPU median {statistics.median(c for _, c in runs):.3f} s")
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
