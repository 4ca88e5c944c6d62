"""The one Settings object; every configuration value comes from here (env prefix UNISON_)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UNISON_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./unison.db",
        description="SQLAlchemy URL; SQLite (embedded default) or postgresql+psycopg://...",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    # Processes serving the API (api/serving.py); 0 = one per CPU core, up to 4.
    web_processes: int = Field(default=0, ge=0, le=32)
    log_level: str = "INFO"
    log_json: bool = True

    # Collection limits (Segment's published HTTP API limits).
    max_event_bytes: int = 32 * 1024
    max_request_bytes: int = 500 * 1024
    max_batch_events: int = 2500

    # Group commit: how many queued writes one transaction may carry, and how long a write
    # waits for companions (0 = commit as soon as the writer is free; batching then comes
    # naturally from whatever queued during the previous commit).
    ingest_group_max: int = 500
    # PostgreSQL writer threads (connections) committing groups in parallel; 0 = 4.
    # SQLite always has one (it admits one writer at a time).
    ingest_writers: int = Field(default=0, ge=0, le=64)
    # SQLite durability: FULL fsyncs every commit (survives power loss); NORMAL only
    # survives process crashes. Acknowledged means durable, so FULL is the default.
    sqlite_synchronous: str = "FULL"

    write_key_cache_seconds: float = 30.0

    # Log processors. Embedded: `unison serve` runs them in-process (the default, and right
    # for SQLite); set false when `unison worker` processes run them (PostgreSQL).
    embedded_worker: bool = True
    processor_batch_size: int = Field(default=5000, ge=1, le=50_000)

    # Identity resolution: how many identifiers of a type one profile may hold before a link
    # is refused as a conflict (shared devices, family phones), and extra identifier types
    # read from traits under their own name (e.g. ["passport_no"]).
    identity_limits: dict[str, int] = Field(
        default_factory=lambda: {"user_id": 1, "email": 5, "phone": 5, "anonymous_id": 50}
    )
    identity_custom_types: list[str] = Field(default_factory=list)

    # Consent (docs/design/consent.md). Purposes known without an API call: name -> kind
    # ("service" messages follow their own rule, every other kind needs consent).
    consent_purposes: dict[str, str] = Field(
        default_factory=lambda: {
            "service": "service",
            "marketing": "marketing",
            "newsletter": "marketing",
            "promotions": "marketing",
            "surveys": "marketing",
        }
    )
    # Inbound messages consisting of one of these words withdraw marketing on that channel
    # (STOP, UNSUBSCRIBE, СТОП, ОТПИСАТЬСЯ, ВІДПИСАТИСЯ, הסר, სტოპ, ստոպ are always understood).
    consent_keywords: list[str] = Field(default_factory=list)
    consent_double_opt_in: bool = True  # email grants stay pending until confirmed
    # Root of every key: signs preference-center and unsubscribe links, encrypts webhook and
    # provider secrets. Unset, a key file is created once beside the SQLite database (or
    # ./unison.key), path overridable; set the key itself when several nodes must agree.
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    public_url: str = "http://127.0.0.1:8000"  # where links in messages point
    consent_link_ttl_seconds: int = Field(default=7 * 86400, ge=60)
    unsubscribe_link_ttl_seconds: int = Field(default=365 * 86400, ge=60)
    consent_webhooks_enabled: bool = True  # `unison serve` runs the delivery loop
    consent_webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    consent_webhook_backoff_seconds: float = Field(default=30.0, gt=0)
    consent_webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Outbox delivery (confirmations, and later every message). Email goes through this SMTP
    # server; with no host, email stays queued in the outbox until one is configured.
    outbox_delivery_enabled: bool = True  # `unison serve` runs the delivery loop
    outbox_max_attempts: int = Field(default=8, ge=1, le=50)
    outbox_backoff_seconds: float = Field(default=30.0, gt=0)
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "Unison <no-reply@localhost>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # Messenger replies go through the connector's credentials to these APIs (overridable
    # for a proxy, or a local stand-in in tests).
    telegram_api_url: str = "https://api.telegram.org"
    viber_api_url: str = "https://chatapi.viber.com"
    whatsapp_api_url: str = "https://graph.facebook.com/v21.0"
    outbox_http_timeout_seconds: float = Field(default=10.0, gt=0)

    # Channel connectors and the inbox (unison/channels/, unison/inbox/).
    connector_max_body_bytes: int = Field(default=256 * 1024, ge=1024)  # JSON webhooks
    connector_max_email_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)  # raw RFC 5322
    # X-Unison-Signature timestamps older or newer than this are refused as replays.
    connector_signature_tolerance_seconds: float = Field(default=300.0, gt=0)
    connector_cache_seconds: float = Field(default=30.0, ge=0)  # decrypted connector secrets

    # CLV and unit economics (unison/clv, docs/design/clv.md). Money is in `clv_currency`
    # (unset: the one currency the orders use; several without it is an error).
    clv_currency: str | None = None
    clv_time_unit: Literal["days", "weeks", "months"] = "weeks"
    clv_window_days: int = Field(default=365, ge=1)  # historical CLV window
    clv_horizon_months: int = Field(default=12, ge=1, le=120)  # predictive CLV horizon
    clv_annual_discount_rate: float = Field(default=0.10, ge=0, le=10)
    # Share of revenue kept after the cost of goods: a default and per product category.
    clv_gross_margin: float = Field(default=1.0, ge=0, le=1)
    clv_category_margins: dict[str, float] = Field(default_factory=dict)
    # Support contacts: event name -> default handling minutes when the event carries none.
    clv_support_events: dict[str, float] = Field(
        default_factory=lambda: {"Ticket Created": 15.0, "Call Completed": 6.0}
    )
    clv_support_cost_per_hour: float = Field(default=0.0, ge=0)
    # Outbound marketing: the events that record a sent message, and the cost per message by
    # channel (WhatsApp is charged per 24-hour conversation, so it counts conversations).
    clv_message_events: list[str] = Field(
        default_factory=lambda: ["Message Sent", "Email Delivered"]
    )
    clv_message_costs: dict[str, float] = Field(default_factory=dict)
    # Tiers by predicted 12-month CLV: the lowest quantile each tier starts at.
    clv_tiers: dict[str, float] = Field(
        default_factory=lambda: {"platinum": 0.95, "gold": 0.8, "silver": 0.5, "bronze": 0.0}
    )
    clv_min_customers: int = Field(default=20, ge=2)  # fewer: predictive traits are skipped
    # The purchase model behind p_alive, expected orders and clv_12m (Gamma-Gamma for spend).
    clv_purchase_model: Literal["bgnbd", "pareto_nbd"] = "bgnbd"
    # `unison serve` refreshes the CLV traits when the last refresh is older than this (0: off,
    # then run `unison clv refresh` from cron or POST /api/clv/refresh).
    clv_refresh_hours: float = Field(default=24.0, ge=0)

    # --- segments ---
    # How often `unison serve` / `unison worker` fire due window timers, and rescore RFM
    # over every buyer (0: only by `unison segments rfm refresh` and as orders arrive).
    segments_timer_interval_seconds: float = Field(default=1.0, gt=0)
    segments_rfm_refresh_hours: float = Field(default=24.0, ge=0)

    # --- identity: shared devices (issue 14 item 2) ---
    # A device id seen on these channels (store tills, call-centre and helpdesk desks) is
    # never an identity link: everyone who pays or calls there would become one profile.
    identity_shared_device_channels: list[str] = Field(
        default_factory=lambda: ["pos", "call_center", "helpdesk"]
    )
    # A device id seen with more than this many distinct values of one strong identifier
    # type (user_id, email or phone) is shared: it stops linking and is reported.
    identity_shared_device_max_identities: int = Field(default=3, ge=1, le=1000)
    # --- issue 14 item 10: the CLV reporting currency ---
    # Every CLV and unit-economics figure is converted into it at the dated exchange rates
    # (`unison clv rates import`). Unset: the one currency the orders use, else the base
    # currency of the imported rates. Cost settings (support, messages) are in it too.
    clv_reporting_currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    # Longest wall time of one model fit; a slower one stops with FitDidNotConverge.
    clv_fit_timeout_seconds: float = Field(default=60.0, gt=0)

    # --- API errors (issue 15 item 5) ---
    # An error answer naming a class its operation does not declare in OpenAPI (the route's
    # `raises(...)` and the rule-made ones, api/openapi.py) becomes a 500 naming the route and
    # the class. On in the tests, so every test that triggers an error proves the declaration;
    # off in production, where the client is better served by the error itself.
    strict_error_declarations: bool = False

    # --- console (issue 16; unison/console, unison/auth, docs/design/console.md) ---
    # A console session ends after this long without a request, and after the absolute
    # limit whatever happens; either way the next page asks for the password again.
    console_session_idle_minutes: float = Field(default=60.0, gt=0)
    console_session_absolute_hours: float = Field(default=12.0, gt=0)
    # Logins refused after this many failures within the window, per account and (a larger
    # allowance, since offices share addresses) per client address.
    console_login_max_failures: int = Field(default=5, ge=1)
    console_login_max_failures_per_address: int = Field(default=20, ge=1)
    console_login_window_minutes: float = Field(default=15.0, gt=0)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
