"""Every query CLV makes: tracked events per live profile, first touches, acquisition spend,
exchange rates."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from unison.kit.db import chunks, upsert
from unison.models import AcquisitionSpend, Event, EventProfile, ExchangeRate, Profile

_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class Tracked:
    """A track event as CLV needs it: whose (the live profile), when, where, what."""

    profile_id: int
    at: datetime
    name: str
    channel: str
    properties: dict[str, Any]


def tracked(
    session: Session, names: Sequence[str], *, since: datetime | None, until: datetime
) -> Iterator[Tracked]:
    """Track events with these names in [since, until], attributed to the surviving profile
    of any merge (canonical_id), read in pages of the log's own order."""
    if not names:
        return
    after = 0
    while True:
        query = (
            select(
                Event.id,
                Profile.canonical_id,
                Event.timestamp,
                Event.event,
                Event.channel,
                Event.payload,
            )
            .join(EventProfile, EventProfile.event_id == Event.id)
            .join(Profile, Profile.id == EventProfile.profile_id)
            .where(Event.type == "track", Event.event.in_(names), Event.timestamp <= until)
            .where(Event.id > after)
            .order_by(Event.id)
            .limit(_PAGE)
        )
        if since is not None:
            query = query.where(Event.timestamp >= since)
        rows = session.execute(query).all()
        for event_id, profile_id, at, name, channel, payload in rows:
            properties = payload.get("properties") if isinstance(payload, dict) else None
            yield Tracked(
                profile_id, at, name, channel, properties if isinstance(properties, dict) else {}
            )
            after = event_id
        if len(rows) < _PAGE:
            return


def channel_firsts(session: Session, profile_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """Live profile id -> {channel: first seen (ISO text)} from the projected stats."""
    found: dict[int, dict[str, str]] = {}
    wanted = sorted(set(profile_ids))
    for chunk in chunks(wanted, 1000):
        rows = session.execute(select(Profile.id, Profile.channels).where(Profile.id.in_(chunk)))
        for pid, channels in rows:
            found[pid] = {name: str(stats.get("first", "")) for name, stats in channels.items()}
    return found


def save_spend(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or replace spend per (channel, month, currency)."""
    upsert(
        session, AcquisitionSpend, rows, ["channel", "month", "currency"], ["amount", "updated_at"]
    )


def spend(
    session: Session, first_month: str | None, last_month: str | None
) -> list[AcquisitionSpend]:
    query = select(AcquisitionSpend).order_by(
        AcquisitionSpend.month, AcquisitionSpend.channel, AcquisitionSpend.currency
    )
    if first_month:
        query = query.where(AcquisitionSpend.month >= first_month)
    if last_month:
        query = query.where(AcquisitionSpend.month <= last_month)
    return list(session.execute(query).scalars())


def save_rates(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or replace rates per (base, currency, day)."""
    upsert(session, ExchangeRate, rows, ["base", "currency", "day"], ["rate", "updated_at"])


def rates(session: Session) -> list[tuple[date, str, str, float]]:
    """Every rate as (day, base, currency, rate)."""
    rows = session.execute(
        select(ExchangeRate.day, ExchangeRate.base, ExchangeRate.currency, ExchangeRate.rate)
    )
    return [(day, base, currency, rate) for day, base, currency, rate in rows]


def rate_bases(session: Session) -> list[str]:
    query = select(ExchangeRate.base).distinct().order_by(ExchangeRate.base)
    return list(session.execute(query).scalars())


def rates_page(
    session: Session, currency: str | None, since: date | None, limit: int
) -> list[ExchangeRate]:
    query = select(ExchangeRate).order_by(
        ExchangeRate.day.desc(), ExchangeRate.base, ExchangeRate.currency
    )
    if currency:
        query = query.where(ExchangeRate.currency == currency)
    if since:
        query = query.where(ExchangeRate.day >= since)
    return list(session.execute(query.limit(limit)).scalars())
