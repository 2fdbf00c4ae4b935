"""Dependencies point one way: schemas ← workflows ← services ← api; nothing imports api,
and only the web layer imports the service room."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [
    "schemas",
    "workflows",
    "activities",
    "services",
    "api",
    "db",
    "catalogue",
    "motcua",
    "worktime",
    "store",
    "signing",
    "simulators",
]
ALLOWED = {
    "schemas": set(),
    "catalogue": {"schemas"},
    "db": {"schemas", "worktime"},
    "workflows": {"schemas", "activities"},
    "activities": {"schemas", "db", "worktime", "catalogue", "store", "signing"},
    # The service room sits below the web layer: no FastAPI, no Starlette, no api.
    "services": {
        "schemas",
        "db",
        "workflows",
        "motcua",
        "catalogue",
        "worktime",
        "store",
        "signing",
    },
    "api": {
        "schemas",
        "db",
        "workflows",
        "services",
        "motcua",
        "catalogue",
        "worktime",
        "store",
        "signing",
    },
    "motcua": {
        "schemas",
        "db",
        "workflows",
        "activities",
        "catalogue",
        "worktime",
        "store",
        "signing",
    },
    "worktime": {"schemas"},
    # Bytes in and out, sealed: it knows nothing of dossiers.
    "store": set(),
    # PDFs typeset and signed on a token: nor does it.
    "signing": set(),
    # The other side of systems no machine here reaches: it knows only their contracts, and
    # no product code knows it (ALLOWED names it nowhere).
    "simulators": set(),
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


def test_the_service_room_knows_nothing_of_the_web() -> None:
    web = {"fastapi", "starlette"}
    for path in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not {n.split(".")[0] for n in names} & web, path


def test_only_the_session_and_one_explicit_step_commit() -> None:
    """A request commits when its route returns (api.deps) or through services.transaction;
    nothing under db/ commits a caller's work behind its back."""
    allowed = {ROOT / "api" / "deps.py", ROOT / "services" / "transaction.py"}
    for package in ("db", "api", "services"):
        for path in (ROOT / package).rglob("*.py"):
            if path not in allowed:
                assert "session.commit()" not in path.read_text(encoding="utf-8"), path


def _route_functions(path: Path) -> set[str]:
    """Functions a router serves as JSON routes: decorated `@router.<method>(…)`."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "router"
                ):
                    found.add(node.name)
    return found


def test_pages_call_services_not_json_routes() -> None:
    """The pages and the JSON routes are two faces of the same services; a page that
    called a route function would inherit its HTTP shape (dependencies, status codes)."""
    routes = {
        path.stem: _route_functions(path)
        for path in (ROOT / "api").glob("*.py")
        if not path.stem.startswith("pages")
    }
    for path in (ROOT / "api").glob("pages*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        api_modules: dict[str, str] = {}  # local name → module of api/ (`from api import auth`)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "api":
                api_modules |= {a.asname or a.name: a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("api."):
                served = routes.get(str(node.module).removeprefix("api."), set())
                assert not {a.name for a in node.names} & served, (path, node.module)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                module = api_modules.get(node.value.id)
                assert node.attr not in routes.get(str(module), set()), (path, node.attr)
