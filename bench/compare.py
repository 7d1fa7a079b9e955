"""The differences between two combined bench runs (`bench/results/*.json`): every figure
both have, side by side with B/A, then the goals whose verdict changed.
Usage: python -m bench.compare A.json B.json [--all]"""

import argparse
import json
from pathlib import Path
from typing import Any

from bench.report import table


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Every number in `tree`, keyed by its path (`burg.comments.post_per_s`)."""
    flat: dict[str, float] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat |= flatten(value, f"{prefix}{key}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[f"{prefix}{key}"] = float(value)
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--all", action="store_true", help="also figures that moved < 5%%")
    args = parser.parse_args()
    a, b = (json.loads(path.read_text()) for path in (args.a, args.b))
    print(f"A: {args.a.name} ({a['meta']['version']}, {a['meta']['when']})")
    print(f"B: {args.b.name} ({b['meta']['version']}, {b['meta']['when']})\n")
    skip = ("meta", "rows")
    old = flatten({k: v for k, v in a.items() if k not in skip})
    new = flatten({k: v for k, v in b.items() if k not in skip})
    lines = [["figure", "A", "B", "B/A"]]
    for key in sorted(old.keys() & new.keys()):
        before, after = old[key], new[key]
        change = after / before if before else None
        if args.all or change is None or abs(change - 1) >= 0.05:
            lines.append([key, f"{before:,.2f}", f"{after:,.2f}",
                          f"{change:.2f}x" if change is not None else "-"])
    print(table(lines))
    for side, keys in (("only in A", old.keys() - new.keys()),
                       ("only in B", new.keys() - old.keys())):
        if keys:
            print(f"\n  {side}: {', '.join(sorted(keys))}")
    verdicts = [["goal", "A", "B"]]
    for row_a, row_b in zip(a.get("rows", []), b.get("rows", []), strict=False):
        if row_a["path"] == row_b["path"] and row_a["met"] != row_b["met"]:
            verdicts.append([f"{row_a['path']}: {row_a['goal']}", str(row_a["met"]),
                             str(row_b["met"])])
    print("\n" + (table(verdicts) if len(verdicts) > 1 else "  no goal changed its verdict"))


if __name__ == "__main__":
    main()
