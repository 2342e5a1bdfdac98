"""The import contracts of pyproject.toml catch what they forbid.

`lint-imports` runs the real contracts on a fixture package laid out like loket: first as the
rules want it (every contract kept, with the imports the contracts allow), then with one module
that breaks one rule (that contract broken, and the run fails). The real tree is checked by
`make lint` and CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))

with (ROOT / "pyproject.toml").open("rb") as _handle:
    CONFIG = tomllib.load(_handle)["tool"]["importlinter"]
CONTRACTS = {c["id"]: c for c in CONFIG["contracts"]}

# What the rules allow, so that the kept run shows the allowances work (module -> its imports).
ALLOWED = {
    "loket.domain.rules": ["import holidays", "import loket.domain"],
    "loket.formatting": ["import babel", "import loket.domain"],
    "loket.i18n": ["import loket.formatting"],
    "loket.store.booking_repo": ["import sqlalchemy", "import loket.domain", "import loket.store.tables"],
    "loket.services.booking": ["import loket.store.booking_repo", "import loket.notify.outbox"],
    "loket.notify.outbox": ["import loket.store.tables", "import loket.store.database"],
    "loket.web.pages": ["import loket.services.booking", "import loket.store.database", "import fastapi"],
    "loket.cli.runner": ["import loket.services.booking", "import loket.store.database", "import typer"],
    "loket.reports.pdf": ["import loket.formatting", "import loket.i18n", "import loket.domain"],
    "loket.planning.forecast": ["import numpy", "import loket.domain"],
}

# One module that breaks one rule: (contract id, module, its import).
BREACHES = [
    ("domain-pure", "loket.domain.breach", "import sqlalchemy"),
    ("domain-pure", "loket.domain.breach", "from loket.services import booking"),
    ("planning-reports-domain-only", "loket.reports.breach", "import loket.store.booking_repo"),
    ("planning-reports-domain-only", "loket.planning.breach", "import loket.reports.pdf"),
    ("planning-reports-domain-only", "loket.planning.breach", "import loket.settings"),
    ("store-domain-only", "loket.store.breach", "import loket.notify.outbox"),
    ("store-domain-only", "loket.store.breach", "from loket.services import booking"),
    ("services-not-entry-points", "loket.services.breach", "import loket.web.pages"),
    ("services-not-entry-points", "loket.services.breach", "import loket.cli.runner"),
    ("entry-points-not-store", "loket.web.breach", "from loket.store import booking_repo"),
    ("entry-points-not-store", "loket.cli.breach", "import loket.store.tables"),
    ("notify-not-repositories", "loket.notify.breach", "from loket.store import booking_repo"),
    ("sql-only-in-store", "loket.services.breach", "import sqlalchemy"),
    ("sql-only-in-store", "loket.web.breach", "import psycopg"),
    ("testing-domain-only", "loket.testing.breach", "import loket.services.booking"),
]


def _internal(name: str) -> bool:
    return name == "loket" or name.startswith("loket.")


def _named_modules() -> set[str]:
    """Every loket module the contracts name (wildcards left out)."""
    names: set[str] = set()
    for contract in CONFIG["contracts"]:
        names.update(contract.get("source_modules", []))
        names.update(contract.get("forbidden_modules", []))
        for expression in contract.get("ignore_imports", []):
            names.update(part.strip() for part in expression.split("->"))
    return {n for n in names if _internal(n) and "*" not in n}


def _write(src: Path, module: str, lines: list[str]) -> None:
    # Every module is a package, so that any of them may have submodules.
    folder = src.joinpath(*module.split("."))
    for depth in range(1, len(module.split(".")) + 1):
        package = src.joinpath(*module.split(".")[:depth])
        package.mkdir(exist_ok=True)
        (package / "__init__.py").touch()
    (folder / "__init__.py").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def _lay_out(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for module in sorted(_named_modules()):
        _write(src, module, [])
    for module, lines in ALLOWED.items():
        _write(src, module, lines)
    config = ["[tool.importlinter]", f'root_package = "{CONFIG["root_package"]}"']
    config.append(f"include_external_packages = {str(CONFIG['include_external_packages']).lower()}")
    (tmp_path / "pyproject.toml").write_text("\n".join(config) + "\n" + _contracts_toml(), encoding="utf-8")
    return src


def _contracts_toml() -> str:
    # The real contracts, copied as they are.
    out = []
    for contract in CONFIG["contracts"]:
        out.append("[[tool.importlinter.contracts]]")
        for key, value in contract.items():
            if isinstance(value, bool):
                out.append(f"{key} = {str(value).lower()}")
            elif isinstance(value, list):
                out.append(f"{key} = [{', '.join(_quoted(v) for v in value)}]")
            else:
                out.append(f"{key} = {_quoted(value)}")
    return "\n".join(out) + "\n"


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lint(tmp_path: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    assert LINT_IMPORTS, "lint-imports is missing: `make install` (the test extra has import-linter)"
    args = [LINT_IMPORTS, "--no-cache", "--no-logo", *(a for c in contracts for a in ("--contract", c))]
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    return subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_every_contract_has_an_id_and_a_breach_here() -> None:
    assert CONFIG["root_package"] == "loket"
    assert set(CONTRACTS) == {contract for contract, _, _ in BREACHES}


def test_the_layout_the_rules_want_keeps_every_contract(tmp_path: Path) -> None:
    _lay_out(tmp_path)
    done = _lint(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in done.stdout


@pytest.mark.parametrize(("contract", "module", "line"), BREACHES)
def test_a_breach_breaks_its_contract(tmp_path: Path, contract: str, module: str, line: str) -> None:
    src = _lay_out(tmp_path)
    _write(src, module, [line])
    done = _lint(tmp_path, contract)
    assert done.returncode != 0, done.stdout + done.stderr
    assert f"{CONTRACTS[contract]['name']} BROKEN" in " ".join(done.stdout.split()), done.stdout
    assert module in done.stdout
