"""The coverage gate of `make test`: no module under the floor unless CONTRIBUTING.md says why."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parent.parent
FLOOR = 70.0
# A listed module is stale once it clearly clears the floor; the margin keeps a run that
# happens to reach 70.1 % from failing.
STALE = FLOOR + 5.0
# A row of the table in CONTRIBUTING.md: | `services/x.py` | reason |
ROW = re.compile(r"^\|\s*`(services/[\w/]+\.py)`\s*\|\s*(.+?)\s*\|\s*$", re.M)


def percentages(data_file: str) -> dict[str, float]:
    """Statement coverage per module of services/ (never imported: 0 %), by its path."""
    cov = coverage.Coverage(data_file=data_file)
    cov.load()
    found: dict[str, float] = {}
    for path in sorted((ROOT / "services").rglob("*.py")):
        _, statements, _, missing, _ = cov.analysis2(str(path))
        if statements:
            share = 100.0 * (len(statements) - len(missing)) / len(statements)
            found[str(path.relative_to(ROOT))] = share
    return found


def excused(contributing: Path) -> dict[str, str]:
    return dict(ROW.findall(contributing.read_text()))


def problems(measured: dict[str, float], reasons: dict[str, str]) -> list[str]:
    """Modules under the floor without a reason, and reasons no longer needed."""
    out = [
        f"{path}: {share:.1f} % < {FLOOR:.0f} % and no reason in CONTRIBUTING.md"
        for path, share in sorted(measured.items())
        if share < FLOOR and path not in reasons
    ]
    out += [
        f"{path}: listed as under {FLOOR:.0f} % but measures "
        f"{measured.get(path, 0.0):.1f} % (or is gone): remove its row"
        for path in sorted(reasons)
        if measured.get(path, -1.0) >= STALE or path not in measured
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-file", default=str(ROOT / ".coverage"))
    parser.add_argument("--contributing", type=Path, default=ROOT / "CONTRIBUTING.md")
    args = parser.parse_args(argv)
    found = problems(percentages(args.data_file), excused(args.contributing))
    for line in found:
        print(f"coverage: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
