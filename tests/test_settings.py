"""Settings: one class, `MOTCUA_` prefix, no default secret outside development."""

import base64
import secrets
from pathlib import Path

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


@pytest.mark.parametrize(
    "secret", ["a" * 32, "ab" * 24, "1234" * 8, "motcua-motcua-motcua-motcua-motcua"]
)
def test_a_placeholder_secret_is_refused_outside_development(secret: str) -> None:
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(environment=Environment.PRODUCTION, secret_key=secret, payload_keys=_key())


@pytest.mark.parametrize("raw", [bytes(32), b"\x01\x02" * 16, b"key!" * 8])
def test_a_payload_key_that_is_not_random_is_refused_outside_development(raw: bytes) -> None:
    with pytest.raises(ValidationError, match="not random"):
        Settings(
            environment=Environment.PRODUCTION,
            secret_key=secrets.token_urlsafe(48),
            payload_keys=f"k1:{base64.b64encode(raw).decode()}",
        )


def test_a_generated_secret_and_key_are_accepted() -> None:
    settings = Settings(
        environment=Environment.PRODUCTION,
        secret_key=secrets.token_urlsafe(48),
        payload_keys=f"{_key()},old:{base64.b64encode(secrets.token_bytes(32)).decode()}",
    )

    assert settings.environment is Environment.PRODUCTION


def _key() -> str:
    return f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def test_the_time_zone_is_named_in_the_settings_only() -> None:
    """A province elsewhere sets MOTCUA_TIMEZONE; no day boundary may stay in Đắk Lắk."""
    root = Path(__file__).resolve().parents[1]
    packages = ("activities", "api", "db", "motcua", "schemas", "services", "workflows", "worktime")
    named = [
        path.relative_to(root)
        for package in packages
        for path in (root / package).rglob("*.py")
        if "Asia/Ho_Chi_Minh" in path.read_text(encoding="utf-8")
    ]
    assert named == [Path("motcua/settings.py")]
