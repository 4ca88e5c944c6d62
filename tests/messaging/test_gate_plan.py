"""The gate's facts statement reads by the profile's own indexes on SQLite, also where no
statistics were gathered (nothing in Unison runs ANALYZE): a plan through an index of every
profile's events costs a scan of the whole log per decision."""

import pytest
from sqlalchemy import Engine

from unison.messaging import repository
from unison.messaging.repository import INBOUND


def test_the_last_inbound_whatsapp_message_is_found_through_the_profiles_own_events(
    engine: Engine,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("a query plan of SQLite's planner")
    sql = repository._FACTS_SQL["sqlite"]  # the statement the gate runs
    params = ("promotions", "2026-12-01 00:00:00.000000", 0, 0, 1, INBOUND, 1)
    with engine.connect() as connection:
        plan = [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
    events = [step for step in plan if "event_profiles" in step or " e USING" in step]
    assert events == ["SEARCH e USING INDEX ix_event_profiles_profile_id_timestamp (profile_id=?)"]
    # Every other step is a search by key; the only table read whole is the kill switches'.
    assert [step for step in plan if step.startswith("SCAN")] == ["SCAN k"], plan
