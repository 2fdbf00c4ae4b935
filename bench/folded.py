"""The frames a py-spy profile (raw, folded stacks) spends its samples in, inclusive.

    python -m bench.folded artifacts/profiles/approve-worker.folded [--top 40] [--match sign]

A frame counts once per sample however deep it recurses; `--match` keeps the samples
whose stack names it (a function, a module), as a share of all.
"""

import argparse
from collections import Counter
from pathlib import Path


def _frame(text: str) -> str:
    # py-spy writes `function (path/to/module.py:line)`.
    name, _, where = text.partition(" (")
    module = where.rsplit("/", 1)[-1].split(":", 1)[0]
    return f"{name} ({module})" if module else name


def shares(path: Path, match: str = "") -> tuple[int, Counter[str]]:
    total, inclusive = 0, Counter[str]()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        if match and match not in stack:
            continue
        inclusive.update({_frame(f): int(count) for f in set(stack.split(";"))})
    return total, inclusive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="")
    args = parser.parse_args()
    total, inclusive = shares(args.profile, args.match)
    print(f"{total} samples")
    for frame, count in inclusive.most_common(args.top):
        print(f"{100 * count / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
