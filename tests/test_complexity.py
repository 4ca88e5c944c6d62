"""The complexity gate (scripts/complexity.py): `make test` fails when a function in unison/
is above cyclomatic complexity 15 and not on the allow-list with a reason."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "complexity.py"


def _branches(count: int) -> str:
    """A function of complexity 1 + count."""
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(count))
    return f"def pick(x):\n{body}    return -1\n"


def _gate(tmp_path: Path, source: str, allow: str = "") -> subprocess.CompletedProcess[str]:
    module = tmp_path / "module.py"
    module.write_text(source)
    allow_file = tmp_path / "allow.txt"
    allow_file.write_text(allow)
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--allow", str(allow_file), str(module)],
        capture_output=True,
        text=True,
        check=False,
    )


class TestTheGate:
    def test_a_function_of_complexity_16_fails_it_by_name(self, tmp_path: Path) -> None:
        run = _gate(tmp_path, _branches(15))
        assert run.returncode == 1
        assert "module.py::pick: complexity 16 > 15" in run.stdout

    def test_complexity_15_passes(self, tmp_path: Path) -> None:
        assert _gate(tmp_path, _branches(14)).returncode == 0

    def test_a_nested_function_counts_on_its_own(self, tmp_path: Path) -> None:
        nested = "def outer():\n" + "".join(
            "    " + line + "\n" for line in _branches(15).splitlines()
        )
        run = _gate(tmp_path, nested + "    return pick\n")
        assert run.returncode == 1
        assert "::outer.pick: complexity 16" in run.stdout

    def test_an_allowed_function_passes_only_with_a_reason(self, tmp_path: Path) -> None:
        name = f"{tmp_path / 'module.py'}::pick"
        assert _gate(tmp_path, _branches(15), f"{name}  # owned elsewhere\n").returncode == 0
        without_reason = _gate(tmp_path, _branches(15), f"{name}\n")
        assert without_reason.returncode == 1
        assert "needs '# <reason>'" in without_reason.stderr

    def test_an_allow_list_entry_no_longer_needed_fails_so_the_list_only_shrinks(
        self, tmp_path: Path
    ) -> None:
        name = f"{tmp_path / 'module.py'}::pick"
        run = _gate(tmp_path, _branches(3), f"{name}  # was complex\n")
        assert run.returncode == 1
        assert "now 4 <= 15; remove the entry" in run.stdout


class TestTheRepository:
    def test_every_function_in_unison_is_within_the_limit_or_allowed(self) -> None:
        run = subprocess.run(
            [sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False
        )
        assert run.returncode == 0, run.stdout + run.stderr
