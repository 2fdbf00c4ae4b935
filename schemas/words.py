"""Values people read, each named in Vietnamese and English by a table beside its enum."""

from enum import StrEnum
from typing import Any

# Each worded enum's table: member → (Vietnamese, English).
WORDS: dict[type, dict[Any, tuple[str, str]]] = {}


class Worded(StrEnum):
    @property
    def name_vi(self) -> str:
        return WORDS[type(self)][self][0]

    @property
    def name_en(self) -> str:
        return WORDS[type(self)][self][1]


def name_all(enum: type[Worded], names: dict[Any, tuple[str, str]]) -> None:
    """Give every member of `enum` its two names (a member left out is a mistake)."""
    missing = set(enum) - set(names)
    if missing:
        raise ValueError(f"{enum.__name__}: no words for {sorted(missing)}")
    WORDS[enum] = names
