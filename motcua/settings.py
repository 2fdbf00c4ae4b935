"""All configuration, read once from the environment (prefix `MOTCUA_`) or a `.env` file."""

import math
from collections import Counter
from datetime import time
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from motcua.codec import parse_keys
from worktime.calendar import parse_periods

# Development only (refused elsewhere), and at least 32 characters, as HMAC-SHA256 asks.
DEFAULT_SECRET = "development-only-change-me-in-production"
# A secret whose characters (or a key whose bytes) carry less than this, by their observed
# frequencies, is a placeholder ("aaaa…", all zeros, "1234…"), not a secret.
MIN_SECRET_BITS = 100


def estimated_bits(symbols: bytes | str) -> float:
    """Shannon entropy of the observed symbol frequencies, times the length: a generous
    upper bound of the guessing work, so what falls below the floor is surely weak."""
    if not symbols:
        return 0.0
    counts = Counter(symbols)
    total = len(symbols)
    per_symbol = -sum(n / total * math.log2(n / total) for n in counts.values())
    return per_symbol * total


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


# "21:00-07:00": a period of the day, from one clock time to another (maybe the next day).
_PERIOD = r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("data")
    # Empty means the embedded SQLite file under data_dir; set a postgresql+asyncpg URL
    # for production and tests.
    database_url: str = ""
    # Empty means "start the embedded Temporal dev server" (make run); tests and
    # production point at a running server.
    temporal_address: str = ""
    temporal_namespace: str = "default"
    task_queue: str = "motcua-dossiers"
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # How long the API lets requests finish after SIGTERM before it closes what is left
    # (open event streams); below the pod's grace period.
    api_drain_seconds: int = Field(default=10, ge=0, le=300)
    # Signs tracking secrets (and, later, tokens); must be set outside development.
    secret_key: str = Field(default=DEFAULT_SECRET, min_length=16)
    timezone: str = "Asia/Ho_Chi_Minh"
    # Who the province is: the root of the unit tree loaded from the catalogue.
    province_code: str = "dak-lak"
    # The working day (production default: 8 hours), configurable per province.
    working_hours: str = "07:00-11:30,13:30-17:00"
    # Where fired rungs send their notifications: log, email or sms.
    notification_channel: Literal["log", "email", "sms"] = "log"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "motcua@localhost"
    email_domain: str = "localhost"
    sms_gateway_url: str = ""
    # Messages to applicants, each channel as they chose it: SMS through the gateway above
    # (without marks unless told otherwise), email through the SMTP server above when
    # enabled, Zalo ZNS through the Official Account's API with its registered template.
    # A channel left unconfigured writes its messages to the log.
    sms_unaccented: bool = True
    citizen_email_enabled: bool = False
    zalo_zns_url: str = ""
    zalo_zns_access_token: str = ""
    zalo_zns_template_id: str = ""
    # The National Public Service Portal's integration API (OpenCPS v2 shape). Empty URL:
    # nothing is queued for it. The sender retries a refusal after 2 s, 4 s … up to this.
    portal_url: str = ""
    portal_username: str = ""
    portal_password: str = ""
    portal_dstcode: str = "H15"
    portal_agency: str = "000.00.00.H15"
    portal_batch: int = Field(default=50, ge=1, le=1000)
    portal_max_backoff_seconds: float = Field(default=300.0, gt=0)
    # How often the API takes in the dossiers filed on the portal.
    portal_pull_seconds: float = Field(default=60.0, gt=0)
    # The payment gateway citizens pay fees through (VNPAY 2.1.0's contract): where to send
    # them, the merchant's code and the secret its signatures are made with. Empty URL: fees
    # are paid at the counter only.
    payment_gateway_url: str = ""
    payment_merchant_code: str = ""
    payment_secret: str = ""
    # Citizens' sign-in: the national identity's OpenID Connect provider (the portal's single
    # sign-on) and this site's registration there. Empty issuer: code and secret only.
    citizen_oidc_issuer: str = ""
    citizen_oidc_client_id: str = ""
    citizen_oidc_client_secret: str = ""
    citizen_oidc_scopes: str = "openid profile phone vneid"
    # The time a unit has to answer a complaint or petition, in working days.
    complaint_answer_working_days: int = Field(default=10, ge=1, le=90)
    # No message reaches a citizen in these hours; one due then waits for the morning.
    # The same start and end ("00:00-00:00"): no quiet hours.
    citizen_quiet_hours: str = Field(
        default="21:00-07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"
    )
    # How often a worker's outbox dispatcher looks for notifications it was not woken for:
    # queued by another worker, a retry come due, a dead dispatcher's lease run out.
    outbox_poll_seconds: float = Field(default=5.0, gt=0)
    # The worker's Temporal SDK metrics (workflow and activity latencies) for Prometheus;
    # 0 turns them off.
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535)
    # 0.0.0.0 in a container, so that Prometheus can reach it.
    worker_metrics_host: str = "127.0.0.1"
    # Dossiers a worker keeps in memory between their actions (the sticky cache). Memory
    # grows with this, not with the number of open dossiers, which wait in Temporal.
    worker_cached_workflows: int = Field(default=5_000, ge=0)
    # How long a dossier's next task waits for the worker that holds it in memory before
    # any worker may take it (and replay its whole history). A busy worker catching up on
    # a burst (a thousand deadlines at once) must not lose its cache to this; a crashed
    # worker's dossiers wait this long before another worker takes them.
    worker_sticky_seconds: float = Field(default=5.0, gt=0)
    # How long a worker told to stop (SIGTERM, a pod's termination) lets its running
    # activities finish before it cancels them; below the pod's grace period.
    worker_drain_seconds: float = Field(default=30.0, ge=0)
    # A worker proves every this many seconds that Temporal sees it polling, by touching
    # its heartbeat file; a file older than four beats means a worker alive but stuck
    # (`motcua run` replaces it; Kubernetes' probe runs `motcua alive FILE`).
    worker_heartbeat_seconds: float = Field(default=15.0, gt=0)
    # Empty: `{data_dir}/worker-{pid}.alive`.
    worker_heartbeat_file: str = ""
    # Keys that encrypt Temporal payloads, `id:base64(32 bytes)` comma-separated, newest
    # first; required outside development.
    payload_keys: str = ""
    # Where documents are kept: `folder` ({data_dir}/documents, nothing to set up) or `s3`
    # (any S3-compatible storage: MinIO, Ceph RGW, a government cloud). Either way sealed
    # with the payload keys above and named by their SHA-256.
    documents_backend: Literal["folder", "s3"] = "folder"
    documents_s3_bucket: str = "motcua-documents"
    documents_s3_endpoint: str = ""
    documents_s3_region: str = ""
    documents_s3_access_key: str = ""
    documents_s3_secret_key: str = ""
    documents_s3_prefix: str = ""
    # What one file, and one dossier's files together, may weigh; which kinds are taken
    # (judged from the content's first bytes, not from the file's name).
    documents_max_file_mb: float = Field(default=25, gt=0, le=1024)
    documents_max_dossier_mb: float = Field(default=100, gt=0, le=10240)
    documents_accepted_types: str = "application/pdf,image/jpeg,image/png,image/tiff,image/webp"
    # `host:port` of a clamd to scan every upload with; empty: no scan.
    documents_clamd: str = ""
    # Where results and forms are signed: a PKCS#11 token (a leader's USB token, the
    # unit's HSM; SoftHSM2 for the demo and the tests), found by its label and opened with
    # its PIN. Its `leader` key signs as the deciding leader, its `seal` key as the unit's
    # seal. Empty library: `make run` provisions a demo token under {data_dir}/signing
    # (DEMO certificates, no legal value); elsewhere nothing is signed and approving says so.
    signing_pkcs11_library: str = ""
    signing_token_label: str = "motcua-demo"
    signing_pin: str = ""
    signing_leader_key: str = "leader"
    signing_seal_key: str = "seal"
    # Without a token: the leader's and the seal's PKCS#12 files (their passphrase is
    # signing_pin). The key can be copied from a file, so a token is the default.
    signing_pkcs12_leader: str = ""
    signing_pkcs12_seal: str = ""
    # PEM file of the roots a signature is verified against (the national root CA; the
    # demo CA for the demo): also the chain embedded in what is signed.
    signing_trust_roots: str = ""
    # The address citizens reach this site at, printed on what they hold (where to verify a
    # signed result).
    public_url: str = "http://127.0.0.1:8000"
    # A signed-in session lasts one working day.
    token_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)
    # Citizen look-ups allowed per client address and minute.
    tracking_per_minute: int = Field(default=30, ge=1)
    # Addresses of the reverse proxies in front of the API, comma-separated (IPs or CIDR
    # networks): only their X-Forwarded-For names the client. Empty: none is trusted.
    trusted_proxies: str = ""
    # Other origins whose pages may change state here (`https://motcua.daklak.gov.vn`),
    # when a proxy rewrites the Host header; the API's own origin is always allowed.
    allowed_origins: str = ""
    # A bearer token that /metrics asks for (Prometheus' `authorization` setting); empty:
    # /metrics answers only on the loopback address.
    metrics_token: str = ""
    # Demo mode (`motcua seed`): submissions may carry X-Demo-Time, a past instant their
    # clocks start from. Development only; such dossiers are marked demo everywhere.
    demo_clock: bool = False
    # How many back-dated demo dossiers `make run` seeds on its first run (0: none).
    demo_seed_dossiers: int = Field(default=40, ge=0)
    # Where `make run` starts the national portal's and the payment gateway's simulators
    # (simulators/), when no real portal_url or payment_gateway_url is set.
    demo_portal_port: int = 8101
    demo_payment_port: int = 8102
    # Log lines as JSON objects (with request and dossier ids) for a log pipeline, or as
    # text for a terminal; empty: text in development, JSON elsewhere.
    log_format: Literal["", "text", "json"] = ""
    log_level: str = "INFO"
    # OpenTelemetry traces through API, workflows and activities, exported over OTLP/HTTP
    # to OTEL_EXPORTER_OTLP_ENDPOINT (the standard variable; default localhost:4318).
    otel_enabled: bool = False
    otel_service_name: str = "motcua"

    @field_validator("working_hours")
    @classmethod
    def _valid_working_hours(cls, value: str) -> str:
        parse_periods(value)
        return value

    @property
    def working_periods(self) -> tuple[tuple[time, time], ...]:
        return parse_periods(self.working_hours)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Self:
        if self.environment is not Environment.DEVELOPMENT and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                "MOTCUA_SECRET_KEY must be set to a private value when "
                f"MOTCUA_ENVIRONMENT={self.environment.value}"
            )
        # It keys HMAC-SHA256 (sign-in tokens, tracking secrets): RFC 7518 asks for at
        # least 256 bits of key.
        if self.environment is not Environment.DEVELOPMENT and len(self.secret_key) < 32:
            raise ValueError(
                "MOTCUA_SECRET_KEY must be at least 32 characters when "
                f"MOTCUA_ENVIRONMENT={self.environment.value}"
            )
        if (
            self.environment is not Environment.DEVELOPMENT
            and estimated_bits(self.secret_key) < MIN_SECRET_BITS
        ):
            raise ValueError(
                "MOTCUA_SECRET_KEY looks like a placeholder (too few distinct characters); "
                "generate one, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return self

    @model_validator(mode="after")
    def _demo_clock_in_development_only(self) -> Self:
        if self.demo_clock and self.environment is not Environment.DEVELOPMENT:
            raise ValueError("MOTCUA_DEMO_CLOCK is for development only")
        return self

    @model_validator(mode="after")
    def _payload_keys_outside_development(self) -> Self:
        if self.environment is Environment.PRODUCTION and not self.payload_keys:
            raise ValueError("MOTCUA_PAYLOAD_KEYS must be set when MOTCUA_ENVIRONMENT=production")
        for key_id, key in parse_keys(self.payload_keys):
            if len(key) != 32:
                raise ValueError(f"MOTCUA_PAYLOAD_KEYS: key {key_id!r} is not 32 bytes (AES-256)")
            weak = estimated_bits(key) < MIN_SECRET_BITS
            if weak and self.environment is not Environment.DEVELOPMENT:
                raise ValueError(
                    f"MOTCUA_PAYLOAD_KEYS: key {key_id!r} is not random (too few distinct "
                    "bytes); generate one with `openssl rand -base64 32`"
                )
        return self

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o)

    @property
    def secure_cookies(self) -> bool:
        """Outside development the service runs behind TLS: cookies never travel in clear."""
        return self.environment is not Environment.DEVELOPMENT

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'motcua.db').resolve()}"

    @property
    def json_logs(self) -> bool:
        if self.log_format:
            return self.log_format == "json"
        return self.environment is not Environment.DEVELOPMENT

    @property
    def resolved_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
