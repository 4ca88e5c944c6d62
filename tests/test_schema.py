"""The models describe the schema the migrations build: Alembic's autogenerate comparison of
`Base.metadata` with the migrated database finds only the differences named here, each on
purpose. A model change the migrations do not make (or the reverse) fails this test."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from unison.models import Base

# Built by the migrations in SQL of their own, so no model describes them: the search text
# table (an FTS5 virtual table and its shadow tables on SQLite; a pg_trgm GIN index on
# PostgreSQL), the log's (txid, id) read order and the covering index of segment recomputes.
UNMODELLED = {
    "sqlite": {
        ("remove_table", "profile_search_text_config"),
        ("remove_table", "profile_search_text_content"),
        ("remove_table", "profile_search_text_data"),
        ("remove_table", "profile_search_text_docsize"),
        ("remove_table", "profile_search_text_idx"),
        ("remove_index", "ix_event_profiles_event_timestamp_profile_id"),
        # The FTS5 table's columns carry no type or NOT NULL for the model to match.
        ("modify_nullable", "profile_search_text.profile_id"),
        ("modify_nullable", "profile_search_text.body"),
    },
    "postgresql": {
        ("remove_index", "ix_event_profiles_event_timestamp_profile_id"),
        ("remove_index", "ix_events_txid_id"),
        ("remove_index", "ix_profile_search_text_body"),
    },
}
# Nullable in the database, NOT NULL in the model: the code always writes a value.
LOOSER_IN_THE_DATABASE = {
    ("modify_nullable", "segment_history.reason"),
    ("modify_nullable", "segment_state.value"),
}


def _named(diff: Any) -> tuple[str, str]:
    """('remove_table', name), ('remove_index', name) or ('modify_nullable', table.column)."""
    if isinstance(diff, list):  # column changes come as a list of one tuple
        (kind, _schema, table, column, *_rest) = diff[0]
        return kind, f"{table}.{column}"
    kind, item = diff[0], diff[1]
    return kind, item.name


def test_the_models_match_the_migrated_schema_but_for_the_named_differences(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = {_named(diff) for diff in compare_metadata(context, Base.metadata)}
    assert found == UNMODELLED[engine.dialect.name] | LOOSER_IN_THE_DATABASE
