"""Every setting of a Dejima process, read once from the environment (prefix ``DEJIMA_``).

One object, validated at start and then passed in: no module reads the environment by itself.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from hub import limits

_MONGO_SCHEMES = ("mongodb", "mongodb+srv")
_REDIS_SCHEMES = ("redis", "rediss", "unix")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEJIMA_", extra="ignore", frozen=True)

    mongodb_url: str = Field(description="MongoDB connection string; the database name is its path.")
    redis_url: str = Field(description="Redis URL used for fan-out, presence, throttling and arq.")
    secret_key: SecretStr = Field(min_length=32, description="Signs one-click links; at least 32 characters.")
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed for cookie-authenticated requests and /ws."
    )
    admin_email: str | None = Field(default=None, description="The first admin, created when none exists.")
    admin_password: SecretStr | None = None
    mongodb_database: str = Field(default="", description="Overrides the database named in the URL.")

    public_url: str = Field(default="http://127.0.0.1:8080", description="Base of links in e-mails.")
    dev: bool = Field(
        default=False,
        description="Human-readable logs, the demo banner, and static files checked again at each load"
        " (edited while the hub runs, they are seen on reload).",
    )
    secure_cookies: bool = Field(default=False, description="Set the Secure flag (behind HTTPS).")
    session_ttl_s: int = Field(default=14 * 24 * 3600, gt=0, description="Sliding session lifetime.")
    event_retention_days: int = Field(default=7, ge=7, description="How long channel events are kept.")
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="Reverse proxies (addresses or networks, comma separated) whose X-Forwarded-* "
        "headers are believed; from anyone else they are ignored.",
    )
    login_max_failures_per_account: int = Field(default=limits.LOGIN_MAX_FAILURES_PER_ACCOUNT, gt=0)
    login_max_failures_per_address: int = Field(default=limits.LOGIN_MAX_FAILURES_PER_ADDRESS, gt=0)
    login_lockout_s: int = Field(default=limits.LOGIN_LOCKOUT_S, gt=0, description="Failure window and lock.")
    # argon2id's cost for passwords set from now on (stored hashes keep theirs). Lower only where no
    # real password lives: the test suite uses the cheapest, as Django's test settings use MD5.
    password_time_cost: int = Field(default=limits.PASSWORD_TIME_COST, ge=1)
    password_memory_kib: int = Field(default=limits.PASSWORD_MEMORY_KIB, ge=8)
    password_parallelism: int = Field(default=limits.PASSWORD_PARALLELISM, ge=1)

    smtp_host: str | None = None
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    smtp_from: str = "Dejima <no-reply@dejima.local>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_ca_file: str | None = Field(default=None, description="CA bundle for STARTTLS to an internal relay.")

    line_api_base: str = "https://api.line.me"
    line_channel_token: SecretStr | None = None
    line_channel_secret: SecretStr | None = None

    visitor_retention_days: int = Field(default=90, gt=0)
    # Events at the hubs: the reminder this many hours before the start; public registrations per
    # address and hour (hub/limits.py says why; a load test raises it).
    event_reminder_h: int = Field(default=24, gt=0)
    event_registrations_per_address: int = Field(default=limits.EVENT_REGISTRATIONS_PER_ADDRESS, gt=0)
    attachment_max_bytes: int = Field(
        default=limits.ATTACHMENT_MAX_BYTES, ge=0, description="Largest card attachment; larger ones get 413."
    )
    webhook_allow_private: bool = False
    urgent_reminder_s: int = Field(default=15 * 60, gt=0)
    line_bot_id: str | None = Field(default=None, description="The bot's LINE ID, shown when linking.")
    resident_quiet_hours: str | None = Field(
        default=None,
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="Town-wide quiet hours for residents (Asia/Tokyo), e.g. 21:00-07:00: LINE messages "
        "and newsletters that are not urgent wait until they end.",
    )
    line_friend_url: str | None = Field(
        default=None,
        pattern=r"^https://",
        description="The official account's friend link (https://lin.ee/…), shown as a QR code when linking.",
    )
    # Waits after the 1st, 2nd … failed attempt; when they run out the delivery is recorded failed.
    # Defaults: e-mail / LINE about 8 hours of tries; webhooks now, 5 s, 30 s, 2 min, 10 min, 1 h, 3 h,
    # 8 h, 24 h (API.md: at least 24 hours). Tests make them short.
    delivery_retry_delays_s: list[float] = Field(default=[10, 60, 300, 1800, 7200, 21600], min_length=1)
    webhook_retry_delays_s: list[float] = Field(
        default=[5, 30, 120, 600, 3600, 3 * 3600, 8 * 3600, 24 * 3600], min_length=1
    )
    job_timeout_s: int = Field(
        default=120,
        gt=0,
        description="Longest an arq job may run; a killed worker's jobs rerun after it + 10 s.",
    )

    # Finding and reminding (API.md): the town's zone gives a date-only ``due`` its moment (the end of
    # that day) and the digest its hour; reminders go out this many hours before a due moment.
    timezone: str = Field(default="Asia/Tokyo", description="IANA zone of date-only due dates and digests.")
    due_soon_h: float = Field(default=24, gt=0, le=24 * 30, description="Hours before due of card.due_soon.")
    digest_at: str = Field(
        default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Daily digest time, HH:MM."
    )

    log_format: Literal["json", "text"] | None = Field(
        default=None, description="Defaults to text in dev, JSON lines otherwise."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("is not a known IANA time zone") from error
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("mongodb_url")
    @classmethod
    def _mongo_scheme(cls, value: str) -> str:
        if urlsplit(value).scheme not in _MONGO_SCHEMES or "://" not in value:
            raise ValueError("must be a mongodb:// or mongodb+srv:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in _REDIS_SCHEMES or "://" not in value:
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            # An address is a network of one; host bits set in a network are a typo, not a refusal.
            return [ip_network(part, strict=False) if isinstance(part, str) else part for part in value]
        return value

    @model_validator(mode="after")
    def _argon2_memory(self) -> Settings:
        if self.password_memory_kib < 8 * self.password_parallelism:
            raise ValueError("password_memory_kib must be at least 8 × password_parallelism (argon2)")
        return self

    @property
    def database_name(self) -> str:
        if self.mongodb_database:
            return self.mongodb_database
        path = urlsplit(self.mongodb_url).path.lstrip("/")
        return path or "dejima"

    @property
    def text_logs(self) -> bool:
        return self.log_format == "text" or (self.log_format is None and self.dev)


def describe_errors(error: Exception) -> str:
    """One line naming every setting that failed, for the operator reading the terminal."""
    from pydantic import ValidationError

    if not isinstance(error, ValidationError):
        return f"invalid settings: {error}"
    parts = []
    for item in error.errors():
        name = "DEJIMA_" + "_".join(str(p) for p in item["loc"]).upper()
        reason = (
            "is required but not set"
            if item["type"] == "missing"
            else item["msg"].removeprefix("Value error, ")
        )
        parts.append(f"{name} {reason}")
    return "invalid settings: " + "; ".join(parts)
