"""Who gets what and when: the holdout and variant draws (deterministic hashes of the
broadcast and profile ids, so a restarted fan-out draws the same) and each recipient's due
moment (now, the same local wall time in each zone, or the customer's learned best hour)."""

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from unison.kit.settings import Settings
from unison.messaging import choice as choosing
from unison.messaging import repository as messaging_rows
from unison.messaging.gate.zones import customer_zone
from unison.models import Broadcast


def draw(broadcast_id: int, profile_id: int, salt: str) -> int:
    """A number in 0..9999, the same for the same (broadcast, profile, salt)."""
    digest = hashlib.sha256(f"{broadcast_id}:{profile_id}:{salt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000


def held_out(broadcast_id: int, profile_id: int, percent: int) -> bool:
    if percent <= 0:  # no draw is below 0: nobody, without hashing each member
        return False
    return draw(broadcast_id, profile_id, "holdout") < percent * 100


def variant_of(broadcast_id: int, profile_id: int, variants: Sequence[dict[str, Any]]) -> str:
    """The variant whose share of 0..9999 the profile's draw falls in."""
    if len(variants) == 1:  # the only one, whatever the draw
        return str(variants[0]["name"])
    point, edge = draw(broadcast_id, profile_id, "variant"), 0
    for variant in variants:
        edge += int(variant["split"]) * 100
        if point < edge:
            return str(variant["name"])
    return str(variants[-1]["name"])


def local_moment(local_at: str, zone: Any) -> datetime:
    return datetime.fromisoformat(local_at).replace(tzinfo=zone)


def _per_customer(broadcast: Broadcast) -> bool:
    """Whether each recipient's due moment is their own (else: the broadcast's start)."""
    return broadcast.timing in ("local", "best_hour")


def dues(
    session: Session,
    settings: Settings,
    broadcast: Broadcast,
    profile_ids: list[int],
    now: datetime,
) -> dict[int, datetime]:
    """`due_at` of each member of a targeting chunk: the broadcast's start for all, or for
    a `local` broadcast their zones read for the whole chunk in a few statements
    (messaging's `chunk_profiles`), not one per member."""
    if not _per_customer(broadcast):
        return dict.fromkeys(profile_ids, broadcast.scheduled_at or now)
    if broadcast.timing == "local" and broadcast.local_at:
        return _local_dues(session, settings, broadcast, broadcast.local_at, profile_ids, now)
    return {pid: due_at(session, settings, broadcast, pid, now) for pid in profile_ids}


def _local_dues(
    session: Session,
    settings: Settings,
    broadcast: Broadcast,
    local_at: str,
    profile_ids: list[int],
    now: datetime,
) -> dict[int, datetime]:
    people = messaging_rows.chunk_profiles(session, profile_ids)
    start = broadcast.scheduled_at or now
    moments: dict[Any, datetime] = {}  # zone -> the wall time there (many members share one)
    dues: dict[int, datetime] = {}
    for profile_id in profile_ids:
        live = people.live.get(profile_id)
        if live is None or live not in people.rows:
            dues[profile_id] = start  # as `due_at` for a profile it cannot find
            continue
        zone, _why = customer_zone(*people.zone_inputs(live), settings.messaging_default_time_zone)
        if zone not in moments:
            moments[zone] = max(local_moment(local_at, zone), now)
        dues[profile_id] = moments[zone]
    return dues


def due_at(
    session: Session, settings: Settings, broadcast: Broadcast, profile_id: int, now: datetime
) -> datetime:
    """When this profile's message is due; a moment already past is due now."""
    start = broadcast.scheduled_at or now
    if not _per_customer(broadcast):
        return start
    facts = messaging_rows.profile_facts(session, profile_id, whatsapp=False)
    if facts is None:
        return start
    zone, _why = customer_zone(
        facts.preferred_time_zone,
        facts.timezone_trait,
        facts.phone,
        settings.messaging_default_time_zone,
    )
    if broadcast.timing == "local" and broadcast.local_at:
        return max(local_moment(broadcast.local_at, zone), now)
    learned = choosing.learned_order(
        session,
        settings,
        facts.live_id,
        facts.preferred_channel,
        list(settings.messaging_channel_order),
        zone,
        broadcast.segment_id,
        now,
    )
    if learned.best_hour is None:
        return start
    local = start.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    local = local.replace(hour=learned.best_hour)
    if local < start.astimezone(zone):
        local += timedelta(days=1)
    return local
