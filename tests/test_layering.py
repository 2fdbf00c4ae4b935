"""Dependencies point one way: schemas ← workflows ← activities/api; nothing imports api."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["schemas", "workflows", "activities", "api", "db", "catalogue", "motcua", "worktime"]
ALLOWED = {
    "schemas": set(),
    "catalogue": {"schemas"},
    "db": {"schemas", "worktime"},
    "workflows": {"schemas", "activities"},
    "activities": {"schemas", "db", "worktime"},
    "api": {"schemas", "db", "workflows", "motcua", "catalogue", "worktime"},
    "motcua": {"schemas", "db", "workflows", "activities", "catalogue", "worktime"},
    "worktime": {"schemas"},
}


def _imports(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return (found & set(PACKAGES)) - {package}


# Parsed while the tests are collected: CPython 3.11's parser can trip over the recursion
# counter that greenlet switches (SQLAlchemy's async bridge) leave behind in a long run.
IMPORTS = {package: _imports(package) for package in PACKAGES}


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package: str) -> None:
    assert IMPORTS[package] <= ALLOWED[package]


def test_nothing_imports_the_api() -> None:
    assert [p for p in PACKAGES if "api" in IMPORTS[p]] == []
