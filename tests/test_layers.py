"""The layers hold: the import contracts pass, SQL lives in repositories, each domain's
repository is its own, and the ingest path loads no science."""

import re
import subprocess
import sys
import tomllib
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


# Modules that run queries without being named repository.py, and why
DATA_ACCESS = {
    "unison/events/log.py": "the log's repository (positions and reads)",
    "unison/outbox/queue.py": "the outbox's repository",
    "unison/outbox/holds.py": "the outbox's repository for held rows (a broadcast's pause)",
    "unison/kit/db.py": "shared SQL helpers (upsert, insert-ignore)",
    "unison/kit/bulk.py": "shared driver-level multi-row inserts (messages, outbox, recipients)",
    "unison/app/operations.py": "the health probe's SELECT 1",
}
QUERY = re.compile(r"\.execute\(|exec_driver_sql\(")


class TestSqlLivesInRepositories:
    def test_no_module_but_a_repository_runs_a_query(self) -> None:
        running = {
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / "unison").rglob("*.py")
            if "migrations" not in path.parts
            and path.name != "repository.py"
            and QUERY.search(path.read_text())
        }
        assert running == set(DATA_ACCESS)


class TestRepositoriesAreTheirDomainsOwn:
    def test_every_domains_repository_is_forbidden_to_every_other_package_but_app(self) -> None:
        config = tomllib.loads((ROOT / "pyproject.toml").read_text())
        guarded = {
            module: set(contract["source_modules"])
            for contract in config["tool"]["importlinter"]["contracts"]
            if contract["type"] == "forbidden"
            for module in contract["forbidden_modules"]
        }
        packages = {
            f"unison.{p.stem if p.is_file() else p.name}"
            for p in (ROOT / "unison").iterdir()
            if (p.is_dir() and (p / "__init__.py").exists()) or p.name == "cli.py"
        }
        for repository in (ROOT / "unison").glob("*/repository.py"):
            domain = f"unison.{repository.parent.name}"
            importers = guarded.get(f"{domain}.repository", set())
            assert importers == packages - {domain, "unison.app"}, domain


class TestLayersAreStrict:
    def test_no_two_packages_of_one_layer_may_import_each_other(self) -> None:
        """`a : b` would let siblings import each other (a cycle kept in the open); every layer
        is one package or independent siblings (`a | b`)."""
        config = tomllib.loads((ROOT / "pyproject.toml").read_text())
        (flow,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
        assert [layer for layer in flow["layers"] if ":" in layer] == []
        assert len(flow.get("ignore_imports", [])) <= 3

    def test_every_domains_privacy_module_is_registered_by_the_composition_root(self) -> None:
        """Erasure must reach every table: each `privacy.py` of a domain above consent adds its
        eraser on import, and unison/app/privacy.py imports them all."""
        wiring = (ROOT / "unison" / "app" / "privacy.py").read_text()
        found = [*(ROOT / "unison").glob("*/privacy.py"), *(ROOT / "unison").glob("*/privacy/")]
        domains = sorted({p.parent.name for p in found} - {"app", "consent"})
        assert domains  # the glob still finds them
        for domain in domains:
            dotted = f"from unison.{domain} import privacy"
            assert dotted in wiring, f"unison/{domain}'s privacy is not imported by unison/app"
