"""profile search: whole-term keys for exact and prefix matches, trigram text for substrings

SQLite keeps the substring text in an FTS5 table with the trigram tokenizer (rowid = profile
id); PostgreSQL in a plain table with a pg_trgm GIN index. Existing profiles are indexed
here, from their traits and identifiers, the way the profile processor indexes them.
"""

import sqlalchemy as sa
from alembic import op

from unison.migrations.columns import profile_id
from unison.migrations.tables import indexes, keyed_by

revision: str = "0011"
down_revision: str | None = "0010"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    key = sa.String(255) if sqlite else sa.String(255, collation="C")
    op.create_table(
        "profile_search_keys",
        sa.Column("field", sa.String(1), nullable=False),
        sa.Column("key", key, nullable=False),
        profile_id(),
        keyed_by("profile_search_keys", "field", "key", "profile_id"),
    )
    indexes("profile_search_keys", "profile_id")
    if sqlite:
        # case_sensitive 1: both sides are case-folded by Python (every script, not ASCII only)
        op.execute(
            "CREATE VIRTUAL TABLE profile_search_text USING fts5("
            "profile_id UNINDEXED, body, tokenize = 'trigram case_sensitive 1')"
        )
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_table(
            "profile_search_text",
            profile_id(primary_key=True),
            sa.Column("body", sa.Text(), nullable=False),
        )
        op.execute(
            "CREATE INDEX ix_profile_search_text_body ON profile_search_text "
            "USING gin (body gin_trgm_ops)"
        )
    _index_existing()


def _index_existing() -> None:
    # The same code the profile processor indexes with, so old and new profiles agree.
    from unison.profiles.search import service

    service.rebuild_all(op.get_bind())


def downgrade() -> None:
    op.execute("DROP TABLE profile_search_text")
    op.drop_table("profile_search_keys")
