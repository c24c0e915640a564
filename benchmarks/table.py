"""Print the figures that `make bench` recorded as one table: what, figure, target, met.

    python -m benchmarks.table benchmarks/results.json benchmarks/update-results.json

Figures that a file lacks (a benchmark not run) are left out.
"""

import argparse
import json
from pathlib import Path

Row = tuple[str, str, str, bool]


def rows(results: dict, update: dict) -> list[Row]:
    """One row per figure found: the measure, its value, the target, whether it is met."""
    table: list[Row] = []
    for task, row in results.get("loop_overhead", {}).items():
        table.append(
            (
                f"loop overhead, {task} (generated / plain steps/s)",
                f"{row['ratio']:.2f}x",
                f">= {row['target']}x",
                row["ratio"] >= row["target"],
            )
        )
    if pipeline := results.get("input_pipeline"):
        table.append(
            (
                "input pipeline (generated / ImageFolder+PIL images/s)",
                f"{pipeline['ratio']:.2f}x",
                f">= {pipeline['target']}x",
                pipeline["ratio"] >= pipeline["target"],
            )
        )
    if new := results.get("new_vs_copier_copy"):
        table.append(
            (
                "scaffold new / copier copy (s)",
                f"{new['ratio_median']:.2f}x",
                f"<= {new['target_ratio']}x",
                new["within_target"],
            )
        )
    if update:
        table.append(
            (
                "scaffold update / copier update (s)",
                f"{update['ratio_median']:.2f}x",
                f"<= {update['target_ratio']}x",
                update["within_target"],
            )
        )
    if startup := results.get("cli_startup"):
        table.append(
            (
                "scaffold --help (s)",
                f"{startup['scaffold_help_s']:.2f} s",
                f"< {startup['target_s']} s",
                startup["within_target"],
            )
        )
    if first := results.get("time_to_first_step"):
        table.append(
            (
                "time to first step: new + demo data + 1 step (s)",
                f"{first['total']:.1f} s (hand-written: {first['hand_written_floor']:.1f} s)",
                f"< {first['target_s']:.0f} s",
                first["within_target"],
            )
        )
    for task, demo in results.get("demo", {}).items():
        table.append(
            (
                f"demo {task}: best {demo['metric']}",
                f"{demo['best']:.3f}",
                f">= {demo['target']}",
                demo["reached"],
            )
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("update_results", type=Path, nargs="?")
    args = parser.parse_args()
    results = json.loads(args.results.read_text()) if args.results.is_file() else {}
    update_file = args.update_results
    update = json.loads(update_file.read_text()) if update_file and update_file.is_file() else {}
    table = rows(results, update)
    width = max((len(name) for name, *_ in table), default=0)
    print(f"\n{'measure':<{width}}  {'figure':>9}  {'target':>9}  met")
    for name, figure, target, met in table:
        print(f"{name:<{width}}  {figure:>9}  {target:>9}  {'yes' if met else 'NO'}")


if __name__ == "__main__":
    main()
