"""The published API description: every documented example is a valid body."""

import pytest

from api.app import create_app
from motcua.settings import Settings
from schemas.lifecycle import ACTIONS, Action

SPEC = create_app(Settings()).openapi()
ACTION_ROUTE = SPEC["paths"]["/api/v1/dossiers/{code}/actions/{action}"]["post"]
EXAMPLES = ACTION_ROUTE["requestBody"]["content"]["application/json"]["examples"]


@pytest.mark.parametrize("action", sorted(EXAMPLES))
def test_each_action_example_validates(action: str) -> None:
    ACTIONS[Action(action)].body.model_validate(EXAMPLES[action]["value"])


def test_every_endpoint_is_documented_with_a_summary() -> None:
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method.upper()} {path}"
