"""Messaging's SQL: the `messages` table, the kill switches, and the facts the gate reads in
one round trip (the profile's time zone, preferences, phone, last inbound WhatsApp message).

The gate's hot path is two statements: `profile_facts` (one row: the profile, its group's
newest preferences, and scalar subqueries all by primary key or a per-profile index, the cap
history by `ix_messages_profile_id_id`) and consent's own decision query (`can_contact`),
both read from the driver's cursor.
Reading consent's preferences and the profile tables here (not through their services) is
what keeps it one round trip; nothing here writes them.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from unison.kit import bulk
from unison.kit.db import (
    chunks,
    dialect_insert,
    driver_rows,
    driver_sql,
    json_loads,
    sqlite_time,
    upsert,
)
from unison.models import (
    ConsentPreferences,
    EventProfile,
    Message,
    MessagingChannel,
    OutboundMessage,
    Profile,
)
from unison.models.base import table

INBOUND = "Message Received"
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # no cap window: no history is read

_GROUP = "(SELECT g.id FROM profiles g WHERE g.canonical_id = p.canonical_id)"
# One statement, one round trip: every subquery reads by primary key or a per-profile index.
# The group's newest preferences are found once and joined (one lookup, not one per column).
# The cap history comes back as "channel|epoch" items: marketing messages of the profile
# group after `since`, not suppressed (at decide or send time), counted from when they were
# released to the provider (or decided, while still waiting unless `released only`).
_FACTS = (
    "SELECT p.canonical_id, {tz_trait}, "  # noqa: S608 - constants
    "cp.time_zone, cp.quiet_start, cp.quiet_end, cp.preferred_channel, "
    "(SELECT i.value FROM identifiers i WHERE i.profile_id = p.canonical_id "
    "AND i.type = 'phone' ORDER BY i.id LIMIT 1), "
    "(SELECT {agg}(k.channel{sep}) FROM messaging_channels k WHERE NOT k.enabled), "
    "(SELECT k.kind FROM consent_purposes k WHERE k.name = {m}), "
    "(SELECT {agg}(m.channel || '|' || {epoch}{sep}) FROM messages m "
    "WHERE m.profile_id IN " + _GROUP + " AND NOT m.transactional "
    "AND m.decision <> 'suppressed' AND m.channel IS NOT NULL "
    "AND (m.send_decision IS NULL OR m.send_decision <> 'suppressed') "
    "AND COALESCE(m.released_at, m.created_at) > {m} AND m.id <> {m} "
    "AND ({m} = 0 OR m.released_at IS NOT NULL)), "
    "CASE WHEN {m} = 1 THEN (SELECT max(e.timestamp) FROM event_profiles e "
    "WHERE e.profile_id IN " + _GROUP + " AND e.channel = 'whatsapp' AND {inbound} = {m}) END "
    "FROM profiles p LEFT JOIN profiles c ON c.id = p.canonical_id "
    "LEFT JOIN consent_preferences cp ON cp.profile_id = (SELECT n.profile_id "
    "FROM consent_preferences n WHERE n.profile_id IN " + _GROUP + " "
    "ORDER BY n.updated_at DESC LIMIT 1) "
    "WHERE p.id = {m}"
)
# What the two stores spell differently, side by side.
_DIALECTS = {
    "tz_trait": {
        "sqlite": "json_extract(c.traits, '$.timezone.value')",
        "postgresql": "c.traits -> 'timezone' ->> 'value'",
    },
    "agg": {"sqlite": "group_concat", "postgresql": "string_agg"},
    "sep": {"sqlite": "", "postgresql": ", ','"},
    "epoch": {
        "sqlite": "strftime('%s', COALESCE(m.released_at, m.created_at))",
        "postgresql": "extract(epoch FROM COALESCE(m.released_at, m.created_at))::bigint",
    },
    "m": {"sqlite": "?", "postgresql": "%s"},
    # Without statistics (nothing runs ANALYZE) SQLite walked every inbound message of every
    # profile through the (event, timestamp) index for this subquery: 365 ms a decision with
    # 600k events. The unary plus takes that index out of its choice, leaving the
    # profile's own (0.08 ms); PostgreSQL plans by its statistics.
    "inbound": {"sqlite": "+e.event", "postgresql": "e.event"},
}
_FACTS_SQL = {
    dialect: _FACTS.format(**{part: spelt[dialect] for part, spelt in _DIALECTS.items()})
    for dialect in ("sqlite", "postgresql")
}


@dataclass(frozen=True)
class ProfileFacts:
    live_id: int
    timezone_trait: Any
    preferred_time_zone: str | None
    quiet_hours: tuple[str, str] | None  # the customer's own, from their preferences
    preferred_channel: str | None
    phone: str | None
    disabled_channels: frozenset[str]
    declared_kind: str | None  # the purpose's kind when declared through the API
    history: list[tuple[str, datetime]]  # (channel, moment) counted against the caps
    last_whatsapp_inbound: datetime | None


def profile_facts(
    session: Session,
    profile_id: int,
    *,
    whatsapp: bool,
    purpose: str = "",
    since: datetime | None = None,
    exclude: int = 0,
    released_only: bool = False,
) -> ProfileFacts | None:
    """What the gate needs about a profile, in one statement (None: no such profile)."""
    dialect = session.get_bind().dialect.name
    params = (
        purpose,
        _bind_time(session, since or _NEVER),
        exclude,
        int(released_only),
        int(whatsapp),
        INBOUND,
        profile_id,
    )
    # The DBAPI cursor: for this eleven-column row SQLAlchemy's result set-up cost half as
    # much as the indexed reads themselves.
    found = driver_rows(session, _FACTS_SQL[dialect], params)
    if not found:
        return None
    live, trait, zone, start, end, channel, phone, disabled, kind, history, inbound = found[0]
    return ProfileFacts(
        live_id=int(live),
        timezone_trait=trait,
        preferred_time_zone=zone,
        quiet_hours=(start, end) if start and end else None,
        preferred_channel=channel,
        phone=phone,
        disabled_channels=frozenset(disabled.split(",")) if disabled else frozenset(),
        declared_kind=kind,
        history=_history(history),
        last_whatsapp_inbound=_moment(inbound),
    )


def _history(packed: str | None) -> list[tuple[str, datetime]]:
    found = []
    for item in (packed or "").split(","):
        if item:
            channel, _, epoch = item.partition("|")
            found.append((channel, datetime.fromtimestamp(int(float(epoch)), UTC)))
    return found


def _moment(value: Any) -> datetime | None:
    # SQLite hands back text for an aggregate (naive UTC); PostgreSQL an aware datetime.
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _bind_time(session: Session, moment: datetime) -> Any:
    # Raw SQL skips UTCDateTime: SQLite compares the stored naive-UTC text.
    return sqlite_time(moment) if session.get_bind().dialect.name == "sqlite" else moment


def channel_switches(session: Session) -> list[MessagingChannel]:
    return list(session.execute(select(MessagingChannel)).scalars())


def set_channel(session: Session, values: dict[str, Any]) -> None:
    upsert(
        session,
        table(MessagingChannel),
        [values],
        index_elements=["channel"],
        update=["enabled", "updated_at", "updated_by"],
    )


def by_key(session: Session, key: str) -> Message | None:
    query = select(Message).where(Message.idempotency_key == key)
    return session.execute(query).scalar_one_or_none()


def add_message(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a decided message; None when its idempotency key is already taken (a
    concurrent retry won the race)."""
    found = session.execute(_add_statement(session), values).scalar_one_or_none()
    return None if found is None else int(found)


_ADD: dict[str, Any] = {}


def _add_statement(session: Session) -> Any:
    # Built once per dialect: values come as parameters, so the compiled form is cached.
    dialect = session.get_bind().dialect.name
    if dialect not in _ADD:
        _ADD[dialect] = (
            dialect_insert(session, table(Message))
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(table(Message).c.id)
        )
    return _ADD[dialect]


def set_outbox_key(session: Session, message_id: int, key: str) -> None:
    session.execute(update(Message).where(Message.id == message_id).values(outbox_key=key))


def by_ids(session: Session, message_ids: list[int]) -> dict[int, Message]:
    query = select(Message).where(Message.id.in_(message_ids))
    return {message.id: message for message in session.execute(query).scalars()}


def record_checks(session: Session, checks: list[dict[str, Any]]) -> None:
    """The send-time check's answers for many messages, one executemany: each {"id",
    "send_decision", "send_reason", "checked_at", "released_at"}; a message released
    before keeps its first release (what caps count)."""
    if checks:
        session.execute(_RECORD_CHECK, [{f"new_{k}": v for k, v in c.items()} for c in checks])


_MESSAGES = table(Message)
_RECORD_CHECK = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("new_id"))
    .values(
        send_decision=bindparam("new_send_decision"),
        send_reason=bindparam("new_send_reason"),
        checked_at=bindparam("new_checked_at"),
        released_at=func.coalesce(
            _MESSAGES.c.released_at,
            bindparam("new_released_at", type_=_MESSAGES.c.released_at.type),
        ),
    )
)


def defer_outbox(session: Session, key: str, until: datetime) -> None:
    """A message decided inside quiet hours waits in the outbox until they end."""
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.idempotency_key == key)
        .values(next_attempt_at=until)
    )


def of_profile(session: Session, live_id: int, *, before: int | None, limit: int) -> list[Message]:
    """The profile group's messages, newest first, keyset-paginated by id."""
    group = (
        select(text("g.id")).select_from(text("profiles g")).where(text("g.canonical_id = :live"))
    )
    query = select(Message).where(Message.profile_id.in_(group)).params(live=live_id)
    if before is not None:
        query = query.where(Message.id < before)
    return list(session.execute(query.order_by(Message.id.desc()).limit(limit)).scalars())


_ENGAGEMENT = text(
    """
SELECT e.profile_id, e.event, e.timestamp, {channel}
FROM event_profiles e JOIN events v ON v.id = e.event_id
WHERE e.profile_id IN ({who}) AND e.timestamp > :since AND e.event IN :names
ORDER BY e.timestamp DESC LIMIT :limit
"""
)


def engagement(
    session: Session, who: str, key: int, names: list[str], since: datetime, limit: int
) -> list[tuple[int, str, datetime, str | None]]:
    """(profile, event, time, message channel) of engagement events of a profile group ("profile")
    or a segment's members ("segment"), newest first."""
    dialect = session.get_bind().dialect.name
    channel = (
        "json_extract(v.payload, '$.properties.channel')"
        if dialect == "sqlite"
        else "v.payload -> 'properties' ->> 'channel'"
    )
    members = (
        "SELECT g.id FROM profiles g WHERE g.canonical_id = :key"
        if who == "profile"
        else "SELECT s.profile_id FROM segment_members s WHERE s.segment_id = :key"
    )
    sql = text(_ENGAGEMENT.text.format(channel=channel, who=members)).bindparams(
        bindparam("names", expanding=True)
    )
    params = {"key": key, "since": _bind_time(session, since), "names": names, "limit": limit}
    found = session.execute(sql, params)
    return [(pid, event, _moment(at) or since, ch) for pid, event, at, ch in found]


# The batch path (messaging/batch.py): what a chunk of messages needs, in a few statements
# whatever the chunk's size, each an IN list over primary keys or per-profile indexes.


@dataclass(frozen=True)
class ChunkProfiles:
    """The profiles of a chunk of messages and what rendering and the gate read of them."""

    live: dict[int, int]  # asked id -> its live (canonical) profile id
    rows: dict[int, Any]  # live id -> (id, traits, first_seen, last_seen, order_count, revenue)
    identifiers: dict[int, list[tuple[str, str]]]  # live id -> (type, value), oldest first
    computed: dict[int, dict[str, Any]]  # live id -> computed trait name -> value
    members: dict[int, list[int]]  # live id -> the ids of its group (itself included)
    preferences: dict[int, ConsentPreferences]  # live id -> the group's newest preferences

    def zone_inputs(self, live: int) -> tuple[str | None, Any, str | None]:
        """What `customer_zone` reads of a live profile, as `profile_facts` gives it: the
        preferred time zone, the `timezone` trait's value and the oldest phone number."""
        prefs = self.preferences.get(live)
        trait = (self.rows[live][1] or {}).get("timezone")
        phones = [value for kind, value in self.identifiers.get(live, []) if kind == "phone"]
        return (
            prefs.time_zone if prefs is not None else None,
            trait.get("value") if isinstance(trait, dict) else None,
            phones[0] if phones else None,
        )


def chunk_profiles(session: Session, profile_ids: list[int]) -> ChunkProfiles:
    """Read as plain driver rows (`_rows_in`): the ORM's result processing of these
    per-profile rows cost more than the reads. JSON and times decoded as their columns'
    types would (`_Decode`). The session is flushed first, as the ORM's reads would."""
    session.flush()
    decode = _Decode(session.get_bind().dialect.name == "sqlite")
    asked = _rows_in(session, "SELECT id, canonical_id FROM profiles WHERE id IN ({})", profile_ids)
    live = {int(pid): int(canonical) for pid, canonical in asked}
    ids = sorted(set(live.values()))
    rows: dict[int, Any] = {}
    for pid, traits, first, last, orders, revenue in _rows_in(session, _PROFILE_ROWS, ids):
        traits, revenue = decode.json(traits), decode.json(revenue)
        rows[int(pid)] = (int(pid), traits, decode.time(first), decode.time(last), orders, revenue)
    identifiers: dict[int, list[tuple[str, str]]] = {}
    for pid, kind, value in _rows_in(session, _IDENTIFIER_ROWS, ids):
        identifiers.setdefault(int(pid), []).append((kind, value))
    computed: dict[int, dict[str, Any]] = {}
    for pid, name, value in _rows_in(session, _COMPUTED_ROWS, ids):
        computed.setdefault(int(pid), {})[name] = decode.json(value)
    members: dict[int, list[int]] = {}
    for pid, canonical in _rows_in(session, _GROUP_ROWS, ids):
        members.setdefault(int(canonical), []).append(int(pid))
    owner = {pid: canonical for canonical, group_ids in members.items() for pid in group_ids}
    preferences = _newest_preferences(session, owner, decode)
    return ChunkProfiles(live, rows, identifiers, computed, members, preferences)


def _newest_preferences(
    session: Session, owner: dict[int, int], decode: "_Decode"
) -> dict[int, ConsentPreferences]:
    """Each live profile's group's newest preferences, as transient (unsaved) rows."""
    preferences: dict[int, ConsentPreferences] = {}
    for found in _rows_in(session, _PREFERENCE_ROWS, sorted(owner)):
        values = dict(zip(_PREFERENCE_COLUMNS, found, strict=True))
        prefs = ConsentPreferences(**{**values, "updated_at": decode.time(values["updated_at"])})
        canonical = owner[prefs.profile_id]
        kept = preferences.get(canonical)
        if kept is None or prefs.updated_at > kept.updated_at:
            preferences[canonical] = prefs
    return preferences


_PROFILE_ROWS = (
    "SELECT id, traits, first_seen, last_seen, order_count, revenue FROM profiles WHERE id IN ({})"
)
# A profile's identifiers all fall in one statement's IN list: oldest first.
_IDENTIFIER_ROWS = (
    "SELECT profile_id, type, value FROM identifiers WHERE profile_id IN ({}) ORDER BY id"
)
_COMPUTED_ROWS = "SELECT profile_id, name, value FROM computed_traits WHERE profile_id IN ({})"
_GROUP_ROWS = "SELECT id, canonical_id FROM profiles WHERE canonical_id IN ({})"
_PREFERENCE_COLUMNS = (
    "profile_id",
    "preferred_channel",
    "preferred_language",
    "frequency",
    "quiet_start",
    "quiet_end",
    "time_zone",
    "source",
    "updated_at",
)
_PREFERENCE_ROWS = (
    f"SELECT {', '.join(_PREFERENCE_COLUMNS)} FROM consent_preferences "  # noqa: S608 - constants
    "WHERE profile_id IN ({})"
)


def _rows_in(session: Session, sql: str, ids: list[int]) -> list[Any]:
    """`sql`'s rows for `ids` (its IN list), a statement per 500 ids."""
    mark = "?" if session.get_bind().dialect.name == "sqlite" else "%s"
    found: list[Any] = []
    for part in chunks(ids):
        found += driver_rows(session, sql.format(", ".join([mark] * len(part))), part)
    return found


class _Decode:
    """Driver values as the ORM's column types give them: JSON text decoded on SQLite
    (psycopg decodes jsonb itself), times aware UTC (SQLite stores naive UTC text; each
    text parsed once: a chunk's profiles share many)."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self._times: dict[str, datetime] = {}

    def json(self, value: Any) -> Any:
        return json_loads(value) if self.sqlite and value is not None else value

    def time(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if not self.sqlite:
            moment: datetime = value.astimezone(UTC)
            return moment
        found = self._times.get(value)
        if found is None:
            found = self._times[value] = datetime.fromisoformat(value + "+00:00")
        return found


def disabled_channels(session: Session) -> frozenset[str]:
    found = driver_rows(session, "SELECT channel FROM messaging_channels WHERE NOT enabled", ())
    return frozenset(channel for (channel,) in found)


def cap_history(
    session: Session, profile_ids: list[int], since: datetime, *, released_only: bool = False
) -> dict[int, list[tuple[str, datetime]]]:
    """(channel, moment) of the marketing messages counted against the caps since `since`,
    per profile id (the same rule as `profile_facts`' history at decide time, or at send time
    with `released_only`: only what was let go), in one query."""
    moment = func.coalesce(Message.released_at, Message.created_at)
    query = select(Message.profile_id, Message.channel, Message.released_at, Message.created_at)
    query = query.where(
        Message.profile_id.in_(profile_ids),
        Message.transactional.is_(False),
        Message.decision != "suppressed",
        Message.channel.is_not(None),
        (Message.send_decision.is_(None)) | (Message.send_decision != "suppressed"),
        moment > since,
    )
    if released_only:
        query = query.where(Message.released_at.is_not(None))
    found: dict[int, list[tuple[str, datetime]]] = {}
    for pid, channel, released, created in session.execute(query):
        found.setdefault(int(pid), []).append((str(channel), released or created))
    return found


def last_whatsapp_inbound(session: Session, profile_ids: list[int]) -> dict[int, datetime]:
    query = (
        select(EventProfile.profile_id, func.max(EventProfile.timestamp))
        .where(
            EventProfile.profile_id.in_(profile_ids),
            EventProfile.channel == "whatsapp",
            EventProfile.event == INBOUND,
        )
        .group_by(EventProfile.profile_id)
    )
    found: dict[int, datetime] = {}
    for pid, at in session.execute(query):
        moment = _moment(at)
        if moment is not None:
            found[int(pid)] = moment
    return found


def by_keys(session: Session, keys: list[str]) -> dict[str, Message]:
    query = select(Message).where(Message.idempotency_key.in_(keys))
    return {m.idempotency_key: m for m in session.execute(query).scalars()}


def add_messages(session: Session, values: list[dict[str, Any]]) -> dict[str, int]:
    """Insert decided messages (`enqueue.row_of`'s dicts) in one statement per 500;
    idempotency key -> id of those inserted (a key already taken, by a concurrent retry, is
    left out). Through the driver: SQLAlchemy's per-value processing cost more than the write."""
    tail = "ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key, id"
    found = bulk.insert_rows(session, _MESSAGE_COLUMNS, values, tail, returning=True)
    return {str(key): int(mid) for key, mid in found}


_MESSAGE_COLUMNS = bulk.Columns(
    "messages",
    (
        "idempotency_key",
        "profile_id",
        "template_id",
        "template_version",
        "campaign_id",
        "broadcast_id",
        "variant",
        "purpose",
        "transactional",
        "locale",
        "channel",
        "channel_reason",
        "recipient",
        "decision",
        "reasons",
        "detail",
        "deliver_after",
        "created_at",
        "choice",
    ),
    json=frozenset({"reasons", "choice"}),
    times=frozenset({"deliver_after", "created_at"}),
)


def set_outbox_keys(session: Session, message_ids: list[int]) -> None:
    """Each message's outbox row is keyed `message:<id>` (a driver-level statement per 500)."""
    for part in chunks(message_ids):
        sql = driver_sql(session)
        marks = sql.marks(len(part))
        sql.connection.exec_driver_sql(
            "UPDATE messages SET outbox_key = 'message:' || CAST(id AS VARCHAR) "  # noqa: S608 - constant text
            f"WHERE id IN ({marks})",
            tuple(part),
        )


# The send-time gate (messaging/send_time.py, gate/lease.py): what a lease of queued messages
# needs, a few statements whatever its size.


@dataclass(frozen=True)
class Leased:
    """A queued message as the send-time gate reads it."""

    id: int
    profile_id: int
    purpose: str
    released_at: datetime | None  # set once it was let go: a retry of a counted send


def leased_messages(session: Session, message_ids: list[int]) -> dict[int, Leased]:
    """The messages of a lease by id, one statement per chunk (a gone id is left out)."""
    found: dict[int, Leased] = {}
    for chunk in _lease_chunks(message_ids):
        query = select(Message.id, Message.profile_id, Message.purpose, Message.released_at)
        for mid, pid, purpose, released in session.execute(query.where(Message.id.in_(chunk))):
            found[int(mid)] = Leased(int(mid), int(pid), purpose, released)
    return found


def _lease_chunks(ids: list[int], size: int = 1000) -> list[list[int]]:
    # Bounded IN lists, whatever lease size is configured.
    return [ids[start : start + size] for start in range(0, len(ids), size)]


# Per asked profile: its live id, the live profile's time-zone trait and first phone, and its
# group's newest preferences (as `_FACTS` reads them for one profile).
_GATE_PROFILES = (
    "SELECT p.id, p.canonical_id, {tz_trait}, "  # noqa: S608 - constants and placeholders
    "(SELECT i.value FROM identifiers i WHERE i.type = 'phone' "
    "AND i.profile_id = p.canonical_id ORDER BY i.id LIMIT 1), "
    "cp.time_zone, cp.quiet_start, cp.quiet_end, cp.preferred_channel "
    "FROM profiles p LEFT JOIN profiles c ON c.id = p.canonical_id "
    "LEFT JOIN consent_preferences cp ON cp.profile_id = (SELECT n.profile_id FROM "
    "consent_preferences n WHERE n.profile_id IN " + _GROUP + " ORDER BY n.updated_at DESC "
    "LIMIT 1) WHERE p.id IN ({ids})"
)


def gate_profiles(session: Session, profile_ids: list[int]) -> dict[int, ProfileFacts]:
    """What the gate reads of each profile's row, preferences and phone, by asked id, one
    statement per chunk from the driver's cursor; the rest of its facts (switches, kind,
    history, WhatsApp window) are left empty for the caller to fill in."""
    dialect = session.get_bind().dialect.name
    spelt = {part: _DIALECTS[part][dialect] for part in ("tz_trait", "m")}
    found: dict[int, ProfileFacts] = {}
    for chunk in _lease_chunks(profile_ids):
        marks = ", ".join([spelt["m"]] * len(chunk))
        sql = _GATE_PROFILES.format(tz_trait=spelt["tz_trait"], ids=marks)
        for pid, live, trait, phone, zone, start, end, channel in driver_rows(session, sql, chunk):
            quiet = (start, end) if start and end else None
            row = (int(live), trait, zone, quiet, channel, phone)
            found[int(pid)] = ProfileFacts(*row, frozenset(), None, [], None)
    return found


def group_members(session: Session, live_ids: list[int]) -> dict[int, int]:
    """Every profile id of these live profiles' groups -> its live id."""
    query = select(Profile.id, Profile.canonical_id).where(Profile.canonical_id.in_(live_ids))
    return {int(pid): int(live) for pid, live in session.execute(query)}
