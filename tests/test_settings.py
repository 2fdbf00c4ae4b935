"""Settings: one class, `MOTCUA_` prefix, no default secret outside development."""

import pytest
from pydantic import ValidationError

from motcua.settings import DEFAULT_SECRET, Environment, Settings


@pytest.mark.parametrize("environment", [Environment.PRODUCTION, Environment.TEST])
def test_default_secret_is_refused_outside_development(environment: Environment) -> None:
    with pytest.raises(ValidationError, match="MOTCUA_SECRET_KEY"):
        Settings(environment=environment, secret_key=DEFAULT_SECRET)


def test_a_short_secret_is_refused_outside_development() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(environment=Environment.PRODUCTION, secret_key="only-twenty-three-chars")


def test_development_accepts_the_default_secret() -> None:
    assert Settings(environment=Environment.DEVELOPMENT).secret_key == DEFAULT_SECRET


def test_values_come_from_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_TASK_QUEUE", "dak-lak-dossiers")
    monkeypatch.setenv("MOTCUA_TEMPORAL_ADDRESS", "temporal.internal:7233")
    monkeypatch.setenv("MOTCUA_DATABASE_URL", "postgresql+asyncpg://u@db/motcua")

    settings = Settings()

    assert settings.task_queue == "dak-lak-dossiers"
    assert settings.resolved_temporal_address == "temporal.internal:7233"
    assert settings.resolved_database_url == "postgresql+asyncpg://u@db/motcua"


def test_empty_addresses_mean_the_embedded_services(tmp_path: object) -> None:
    settings = Settings(temporal_address="", database_url="", temporal_port=7999)

    assert settings.resolved_temporal_address == "127.0.0.1:7999"
    assert settings.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.resolved_database_url.endswith("/data/motcua.db")
