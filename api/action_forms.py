"""An action's form, read from its body's schema (schemas.actions), and the body read back
from what was typed: one line per item in lists, `unit | question` rows for nested ones."""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from schemas.lifecycle import ACTIONS, Action


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, textarea, lines, rows, number, checkbox, choice, datetime
    required: bool
    choices: tuple[str, ...] = ()
    row_fields: tuple[str, ...] = ()


# Filled by the engine (the stored scans judge `digitised`, the uploads make `attached`), or
# typed on the checklist's own form rather than as a line of text.
_NOT_TYPED = frozenset({"actor", "actor_unit", "digitised", "attached", "checklist"})


def form_fields(action: Action) -> list[FieldSpec]:
    """The inputs an action's body needs, read from its schema (schemas.actions)."""
    model = ACTIONS[action].body
    fields = []
    for name, info in model.model_fields.items():
        if name in _NOT_TYPED:
            continue
        annotation = info.annotation
        args = [a for a in get_args(annotation) if a is not type(None)]
        inner = args[0] if get_origin(annotation) is not list and args else annotation
        origin = get_origin(annotation)
        required = info.is_required()
        if origin is list:
            item = get_args(annotation)[0]
            if isinstance(item, type) and issubclass(item, BaseModel):
                row = tuple(n for n, f in item.model_fields.items() if f.is_required())
                fields.append(FieldSpec(name, "rows", required, row_fields=row))
            else:
                fields.append(FieldSpec(name, "lines", required))
        elif inner is bool:
            fields.append(FieldSpec(name, "checkbox", False))
        elif inner is int:
            fields.append(FieldSpec(name, "number", required))
        elif inner is datetime:
            fields.append(FieldSpec(name, "datetime", required))
        elif isinstance(inner, type) and issubclass(inner, Enum):
            fields.append(FieldSpec(name, "choice", required, tuple(str(m.value) for m in inner)))
        elif name in ("reason", "findings", "opinion", "description"):
            fields.append(FieldSpec(name, "textarea", required))
        else:
            fields.append(FieldSpec(name, "text", required))
    return fields


def body_from_form(action: Action, form: dict[str, str], tz: ZoneInfo) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for spec in form_fields(action):
        raw = form.get(spec.name, "").strip()
        if spec.kind == "checkbox":
            body[spec.name] = spec.name in form
        elif spec.kind == "lines":
            if raw or spec.required:
                body[spec.name] = lines(raw)
        elif spec.kind == "rows":
            body[spec.name] = [
                dict(zip(spec.row_fields, (part.strip() for part in line.split("|")), strict=False))
                for line in lines(raw)
            ]
        elif spec.kind == "datetime" and raw:
            body[spec.name] = datetime.fromisoformat(raw).replace(tzinfo=tz).isoformat()
        elif raw:
            body[spec.name] = raw
    return body


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
