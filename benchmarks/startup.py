"""CLI start-up: ``scaffold --help`` wall time, against ``copier --help`` (target: under 0.5 s).

Both run as fresh processes, in turn (A B A B), after one warm-up run each that also writes
their bytecode caches: the environment may set PYTHONDONTWRITEBYTECODE, which no user's install
would, and without those caches every start compiles the sources again. Reports the median
seconds of each and the median of the per-round ratios.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import record

BIN = Path(sys.executable).parent
TARGET_S = 0.5
COMMANDS = {name: [str(BIN / name), "--help"] for name in ("scaffold", "copier")}


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        seconds(command, env)
    for _ in range(args.rounds):
        for name, command in COMMANDS.items():
            times[name].append(seconds(command, env))
    pairs = zip(times["scaffold"], times["copier"], strict=True)
    ratios = [ours / theirs for ours, theirs in pairs]
    figures = {
        "scaffold_help_s": round(statistics.median(times["scaffold"]), 3),
        "scaffold_help_min_s": round(min(times["scaffold"]), 3),
        "copier_help_s": round(statistics.median(times["copier"]), 3),
        "ratio_to_copier": round(statistics.median(ratios), 2),
        "target_s": TARGET_S,
        "rounds": args.rounds,
    }
    figures["within_target"] = figures["scaffold_help_s"] < TARGET_S
    print(
        f"CLI start-up: scaffold --help {figures['scaffold_help_s']:.2f} s (fastest "
        f"{figures['scaffold_help_min_s']:.2f} s), copier --help {figures['copier_help_s']:.2f} s: "
        f"{figures['ratio_to_copier']}x (target scaffold --help < {TARGET_S} s)"
    )
    if args.json:
        record(args.json, "cli_startup", figures)


if __name__ == "__main__":
    main()
