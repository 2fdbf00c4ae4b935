"""The workflows run outside the SDK's sandbox (`workflows/dossier.py` says why), so this is
their guard: nothing a workflow executes may read the clock, chance, the environment or a
file, import a module that could, or depend on an order that differs between processes.
The replay tests (`test_replay.py`) then check that what the code does is what it did.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a workflow executes: its own modules, and the schemas it builds and validates.
GUARDED = sorted([*ROOT.glob("workflows/*.py"), *ROOT.glob("schemas/*.py")])

ALLOWED_IMPORTS = {
    "__future__",
    "asyncio",
    "collections",
    "collections.abc",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "hashlib",
    "hmac",
    "inspect",
    "itertools",
    "pydantic",
    "pydantic_core",
    "re",
    "temporalio",
    "temporalio.common",
    "temporalio.exceptions",
    "typing",
}
# Our own packages: the activity modules only lend their definitions to the schedule calls.
OWN_PACKAGES = {"activities", "schemas", "workflows"}

CLOCK_READS = {"now", "utcnow", "today"}
# hash() and id() of the same value differ from one process to the next.
FORBIDDEN_CALLS = {
    "open": "reads a file",
    "input": "reads the terminal",
    "print": "writes to the terminal",
    "breakpoint": "stops the worker",
    "hash": "differs between processes (hash randomisation)",
    "id": "differs between processes",
}


def _allowed(module: str) -> bool:
    return module in ALLOWED_IMPORTS or module.split(".")[0] in OWN_PACKAGES


def _is_unordered(node: ast.expr) -> bool:
    if isinstance(node, ast.Set | ast.SetComp):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"set", "frozenset"}
    )


def violations(source: str, where: str) -> list[str]:
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{where}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not _allowed(alias.name):
                    flag(node, f"imports {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not _allowed(node.module):
                flag(node, f"imports from {node.module}")
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in CLOCK_READS
                and isinstance(func.value, ast.Name)
                and func.value.id in {"datetime", "date"}
            ):
                flag(node, f"reads the clock ({func.value.id}.{func.attr}); use workflow.now()")
            elif isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                flag(node, f"calls {func.id}(), which {FORBIDDEN_CALLS[func.id]}")
        elif isinstance(node, ast.For | ast.comprehension) and _is_unordered(node.iter):
            # A set of strings iterates in an order that changes with each process.
            flag(node, "iterates over a set; sort it first")
    return found


def test_no_workflow_code_reads_the_clock_chance_or_the_environment() -> None:
    assert GUARDED, "no workflow module found"
    found = [
        v for path in GUARDED for v in violations(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found == []


@pytest.mark.parametrize(
    ("line", "what"),
    [
        ("import random", "imports random"),
        ("from uuid import uuid4", "imports from uuid"),
        ("import os.path", "imports os.path"),
        ("when = datetime.now(UTC)", "reads the clock (datetime.now)"),
        ("day = date.today()", "reads the clock (date.today)"),
        ("data = open('x').read()", "calls open()"),
        ("key = hash(code)", "calls hash()"),
        ("for unit in {'a', 'b'}: pass", "iterates over a set"),
        ("names = [u for u in set(units)]", "iterates over a set"),
    ],
)
def test_the_guard_catches_each_kind_of_non_determinism(line: str, what: str) -> None:
    found = violations(line, "example.py")
    assert len(found) == 1, found
    assert what in found[0], found


def test_the_guard_lets_deterministic_code_through() -> None:
    source = """
from datetime import datetime, timedelta
from temporalio import workflow
from schemas.status import DossierStatus

def due(start: datetime) -> datetime:
    return workflow.now() + timedelta(days=1)

for unit in sorted({"a", "b"}):
    pass
"""
    assert violations(source, "example.py") == []
