"""Column types that behave the same on PostgreSQL and SQLite."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from schemas.status import Channel, DossierStatus

JSONVariant = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC, always returned aware.

    SQLite drops the offset of an aware datetime instead of converting it, so every value is
    normalised to UTC on the way in and marked UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StatusCode(TypeDecorator[DossierStatus]):
    """The national status code (DossierStatus): an integer in the table, the enum in Python,
    so that no query or row compares against a bare number."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> int | None:
        # Validated on the way in too: a number that is no status never reaches the table.
        return None if value is None else int(DossierStatus(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> DossierStatus | None:
        return None if value is None else DossierStatus(value)


class ChannelCode(TypeDecorator[Channel]):
    """How a dossier was submitted (Channel): an integer in the table, the enum in Python."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> int | None:
        return None if value is None else int(Channel(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Channel | None:
        return None if value is None else Channel(value)
