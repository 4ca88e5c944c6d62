"""The one Settings object; every configuration value comes from here (env prefix UNISON_)."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
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

    # --- messaging: the send gate and channel choice (issue 17, unison/messaging) ---
    # Frequency caps on marketing messages: "all" across channels, or a channel name, to
    # "<max>/<days>d" (or "<hours>h"); transactional (service) messages are exempt.
    messaging_frequency_caps: dict[str, str] = Field(
        default_factory=lambda: {"all": "3/7d"},
        description='e.g. {"all": "3/7d", "sms": "1/1d"}',
    )
    # Quiet hours in the customer's own time zone (their preferences override them); a
    # marketing message decided inside them waits for their end, it is never dropped.
    messaging_quiet_start: str = Field(default="21:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    messaging_quiet_end: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # The zone when the customer has none (preferences, trait `timezone`, phone country).
    messaging_default_time_zone: str = "UTC"
    # Channel choice: the order tried after the customer's preferred channel, and the
    # default mode ("preferred", or "learned" from the customer's past engagement).
    messaging_channel_order: list[str] = Field(
        default_factory=lambda: ["email", "telegram", "viber", "whatsapp", "sms", "push"]
    )
    messaging_channel_choice: Literal["preferred", "learned"] = "preferred"
    # Engagement (opens, clicks, replies, purchases after a message) looked at by "learned".
    messaging_engagement_days: int = Field(default=90, ge=1, le=3650)
    # WhatsApp's customer-service window after the customer's last inbound message.
    messaging_whatsapp_window_hours: float = Field(default=24.0, gt=0)

    @field_validator("messaging_frequency_caps")
    @classmethod
    def _caps_are_counts_per_window(cls, caps: dict[str, str]) -> dict[str, str]:
        for scope, text in caps.items():
            if not re.fullmatch(r"\s*\d+\s*/\s*[1-9]\d*\s*[dh]\s*", text):
                raise ValueError(f'{scope}: {text!r} is not "<max>/<days>d" or "<max>/<hours>h"')
        return caps

    # --- API errors (issue 15 item 5) ---
    # An error answer naming a class its operation does not declare in OpenAPI (the route's
    # `raises(...)` and the rule-made ones, api/openapi.py) becomes a 500 naming the route and
    # the class. On in the tests, so every test that triggers an error proves the declaration;
    # off in production, where the client is better served by the error itself.
    strict_error_declarations: bool = False

    # --- messaging: templates (issue 17 item 1, unison/messaging/templates/) ---
    # The locales a render falls back to, in order, after the customer's own (a template
    # may set its own chain); the template's default locale ends every chain.
    templates_fallback_locales: list[str] = Field(default_factory=lambda: ["ka", "ru", "en"])
    # An SMS body longer than this many segments (160/153 GSM-7, 70/67 UCS-2) is refused.
    templates_sms_max_segments: int = Field(default=6, ge=1, le=50)
    # A rendered part longer than this fails the render (a template cannot flood the outbox).
    templates_max_output_chars: int = Field(default=200_000, ge=1000)
    # A test send goes to at most this many seed addresses.
    templates_test_send_max_recipients: int = Field(default=20, ge=1, le=1000)

    # --- issue 17: delivery (unison/outbox, unison/channels/outbound, docs/design/outbox.md) ---
    # SMS through a Twilio-compatible gateway (connector type `sms`): the API root; whether
    # it drops a repeated Idempotency-Key (then a send interrupted by a crash is repeated,
    # else held as a dead letter); sends per second per account and sender.
    sms_api_url: str = "https://api.twilio.com"
    sms_gateway_dedupes: bool = False
    sms_rate_per_second: float = Field(default=10.0, ge=0)
    telegram_rate_per_second: float = Field(default=30.0, ge=0)  # per bot (Bot API FAQ)
    # Rows a dispatcher marks in flight per commit: 1 commits once per message (a crash leaves
    # one row in doubt); more commit less often, and a crash leaves up to that many in doubt
    # (held as dead letters where the provider cannot drop a repeat).
    # It is also how many sends of one batch run at once (capped at 16 threads).
    outbox_inflight_batch: int = Field(default=1, ge=1, le=500)
    # Mobile push through FCM HTTP v1 (connector type `push`): the API root and the OAuth2
    # token endpoint the service account's signed JWT is exchanged at.
    fcm_api_url: str = "https://fcm.googleapis.com"
    fcm_token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
    # Webhook destinations (channel `webhook`, recipient type `url`): HMAC key of
    # X-Unison-Signature, and whether private/loopback/link-local addresses are allowed.
    webhook_signing_secret: SecretStr | None = None
    webhook_allow_private: bool = False
    # Email: implicit TLS (port 465) beside UNISON_SMTP_STARTTLS; a CA bundle to trust (a
    # private relay); DKIM signing when a key is set; open pixel and click tracking.
    smtp_tls: bool = False
    smtp_ca_file: Path | None = None
    dkim_domain: str | None = None
    dkim_selector: str = "unison"
    dkim_private_key: SecretStr | None = None  # PEM
    email_track_opens: bool = True
    email_track_clicks: bool = True

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
    # --- issue 17: broadcasts (unison/messaging/broadcasts) ---
    # The fan-out loop (off: broadcasts wait); profiles per committed chunk (a pause takes
    # effect between chunks); its idle poll.
    broadcasts_enabled: bool = True
    broadcasts_chunk_size: int = Field(default=1000, ge=1, le=10_000)
    broadcasts_poll_seconds: float = Field(default=0.5, gt=0)
    # A chunk stops deciding after this long (on SQLite it holds the one write lock, so a
    # pause waits for it; on PostgreSQL a pause rolls the chunk back instead).
    broadcasts_chunk_seconds: float = Field(default=0.3, gt=0, le=10)
    # This process's share of every broadcast's recipients, "k/n": the recipients whose
    # profile id is k modulo n. Fan-out processes with shares 0/2 and 1/2 (e.g. `unison
    # serve` and a `unison worker --delivery`) decide a broadcast on two cores at once.
    broadcasts_share: str = "0/1"

    @field_validator("broadcasts_share")
    @classmethod
    def _share(cls, value: str) -> str:
        k, _, n = value.partition("/")
        if not (k.isdigit() and n.isdigit() and 0 <= int(k) < int(n) <= 64):
            raise ValueError(f"broadcasts_share must be k/n with 0 <= k < n <= 64, not {value!r}")
        return value

    @property
    def broadcast_share(self) -> tuple[int, int]:
        k, _, n = self.broadcasts_share.partition("/")
        return int(k), int(n)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
