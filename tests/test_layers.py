"""The layers hold: the import contracts pass, and the ingest path loads no science."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCIENCE = ("scipy", "numpy", "matplotlib", "mpmath")


class TestImportContracts:
    def test_the_layers_independence_and_kit_contracts_are_kept(self) -> None:
        lint = Path(sys.executable).with_name("lint-imports")
        result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout[-3000:]
        assert "0 broken" in result.stdout


class TestIngestImportPath:
    def test_importing_the_collector_loads_no_scientific_library(self) -> None:
        probe = (
            "import sys, unison.events.collect; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {SCIENCE!r}))"
        )
        result = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == "[]"
