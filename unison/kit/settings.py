"""The one Settings object; every configuration value comes from here (env prefix UNISON_)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UNISON_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./unison.db",
        description="SQLAlchemy URL; SQLite (embedded default) or postgresql+psycopg://...",
    )
    host: str = "127.0.0.1"
    port: int = 8000
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
