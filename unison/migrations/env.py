"""Alembic environment: runs on the engine the caller passes (see unison.migrations)."""

from alembic import context
from sqlalchemy import Engine, text

from unison.models import Base

# Serializes concurrent `unison serve`/`worker` start-ups that all try to migrate one database.
MIGRATION_LOCK_ID = 7_346_220_001


def run_migrations_online() -> None:
    engine: Engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})"))
            context.run_migrations()


run_migrations_online()
