"""deploy/ stays consistent with the code: every MOTCUA_ variable it sets is a setting,
every command it runs exists, and the image contains every package."""

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from motcua.cli import command_names
from motcua.settings import Settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SETTINGS = {f"MOTCUA_{name.upper()}" for name in Settings.model_fields}


def _documents() -> list[tuple[str, dict[str, Any]]]:
    found = [("compose.yaml", yaml.safe_load((DEPLOY / "compose.yaml").read_text()))]
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def _walk(node: Any) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            pairs.append((str(key), value))
            pairs += _walk(value)
    elif isinstance(node, list):
        for item in node:
            pairs += _walk(item)
    return pairs


def test_every_motcua_variable_deploy_sets_is_a_setting() -> None:
    names = {
        key
        for _, document in _documents()
        for key, _ in _walk(document)
        if key.startswith("MOTCUA_")
    }

    unknown = names - SETTINGS - {"MOTCUA_DB_PASSWORD"}  # compose's own, for postgres
    assert names
    assert unknown == set()


def test_every_command_deploy_runs_exists() -> None:
    commands = set()
    for _, document in _documents():
        for key, value in _walk(document):
            if key in ("args", "command") and isinstance(value, list) and value:
                # `args` follow the image's entrypoint (motcua); a probe's `command` names it.
                commands.add(value[1] if value[0] == "motcua" and len(value) > 1 else value[0])
    dockerfile = (DEPLOY / "Dockerfile").read_text()

    assert commands
    assert commands <= command_names()
    assert 'ENTRYPOINT ["motcua"]' in dockerfile
    assert 'CMD ["api"]' in dockerfile


def test_the_image_copies_every_package() -> None:
    project = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text())
    packages = {
        pattern.rstrip("*")
        for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied = set(re.findall(r"^COPY (\w+) \1$", (DEPLOY / "Dockerfile").read_text(), re.M))

    assert packages == copied


@pytest.mark.parametrize(
    "service", ["postgres", "temporal", "temporal-ui", "migrate", "api", "worker"]
)
def test_the_compose_stack_has(service: str) -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())

    assert service in compose["services"]
