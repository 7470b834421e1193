"""core's domain imports only the standard library (and phonenumbers); core never imports a platform."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import core

CORE = Path(core.__file__).parent
PLATFORMS = {"pywa", "pywa_async", "telegram", "apscheduler", "starlette", "uvicorn", "httpx"}
DOMAIN_MAY_IMPORT = {"core", "phonenumbers", "__future__"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_only_the_standard_library() -> None:
    for path in (CORE / "domain").glob("*.py"):
        foreign = _imports(path) - DOMAIN_MAY_IMPORT - set(sys.stdlib_module_names)
        assert not foreign, f"{path.name} imports {foreign}"


def test_core_never_imports_a_platform_library() -> None:
    for path in CORE.rglob("*.py"):
        assert not _imports(path) & PLATFORMS, f"{path.relative_to(CORE)} imports {_imports(path) & PLATFORMS}"
