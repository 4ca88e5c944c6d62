"""The complexity gate (issue 15 item 4): no function or method in unison/ above cyclomatic
complexity 15 as radon counts it, save those on the allow-list, each with its reason.

    python scripts/complexity.py [--allow FILE] [PATH ...]

Exits 1 naming every function above the limit, and every allow-list entry that no longer
needs to be there (so the list only shrinks). `make test` runs it.
"""

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

LIMIT = 15
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ALLOW = ROOT / "scripts" / "complexity_allow.txt"


def _functions(blocks: list[object], prefix: str = "") -> Iterator[tuple[str, int]]:
    for block in blocks:
        if isinstance(block, Function):
            name = f"{prefix}{block.fullname}"
            yield name, block.complexity
            yield from _functions(list(block.closures), f"{name}.")


def measure(paths: list[Path]) -> dict[str, int]:
    """'<file>::<Class.function>' -> complexity, for every function under the paths."""
    found: dict[str, int] = {}
    for path in paths:
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            where = (
                file.resolve().relative_to(ROOT) if file.resolve().is_relative_to(ROOT) else file
            )
            for name, complexity in _functions(list(cc_visit(file.read_text("utf-8")))):
                found[f"{where}::{name}"] = complexity
    return found


def _shown(file: Path) -> Path:
    """Paths inside the repository relative to it, as the allow-list names them."""
    resolved = file.resolve()
    return resolved.relative_to(ROOT) if resolved.is_relative_to(ROOT) else file


def read_allow(file: Path) -> dict[str, str]:
    """'<file>::<function>  # reason' per line; blank lines and whole-line comments skipped."""
    allowed: dict[str, str] = {}
    for number, line in enumerate(file.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, reason = line.partition("#")
        if not reason.strip():
            raise SystemExit(f"{file}:{number}: every allowed function needs '# <reason>'")
        allowed[name.strip()] = reason.strip()
    return allowed


def problems(found: dict[str, int], allowed: dict[str, str]) -> list[str]:
    found_over = {name: cc for name, cc in found.items() if cc > LIMIT}
    over = [
        f"{name}: complexity {cc} > {LIMIT}; split it into named steps"
        for name, cc in sorted(found_over.items())
        if name not in allowed
    ]
    stale = [
        f"{name}: on the allow-list but "
        + (f"now {found[name]} <= {LIMIT}" if name in found else "not found")
        + "; remove the entry"
        for name in sorted(allowed)
        if name not in found_over
    ]
    return over + stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "unison"])
    parser.add_argument("--allow", type=Path, default=DEFAULT_ALLOW)
    args = parser.parse_args(argv)
    allowed = read_allow(args.allow) if args.allow.exists() else {}
    found = problems(measure(args.paths), allowed)
    for line in found:
        print(line)
    if not found:
        print(f"complexity: every function <= {LIMIT} ({len(allowed)} allowed above)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
