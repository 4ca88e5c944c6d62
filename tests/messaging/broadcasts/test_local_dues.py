"""A `local_time` broadcast's due moments read for a whole targeting chunk at once
(`targeting.dues`) are the ones `targeting.due_at` finds member by member: the zone
from the customer's preferences, else the `timezone` trait, else the phone's country, else
the default; a profile it cannot find is due at the start."""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api
from tests.messaging.broadcasts.conftest import local_broadcast
from tests.messaging.conftest import customer
from unison.kit.clock import utcnow
from unison.kit.settings import Settings
from unison.messaging.broadcasts import targeting
from unison.messaging.gate.zones import customer_zone
from unison.models import Broadcast


def test_a_chunks_local_due_moments_are_each_members_own(
    api: Api,
    process: Callable[[], int],
    settings: Settings,
    sessions: sessionmaker[Session],
) -> None:
    city = {"city": "Local"}
    by_trait = customer(
        api, process, "u-trait", email="t@example.ge", timezone="Asia/Tbilisi", **city
    )
    by_phone = customer(api, process, "u-phone", phone="+972501234567", **city)
    by_default = customer(api, process, "u-none", email="n@example.am", **city)
    preferred = customer(
        api, process, "u-pref", email="p@example.ua", timezone="Asia/Tbilisi", **city
    )
    response = api.client.put(
        f"/api/profiles/{preferred}/preferences",
        json={"time_zone": "America/New_York"},  # the preference wins over the trait
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 200, response.text
    missing = max(by_trait, by_phone, by_default, preferred) + 1000
    day = (utcnow() + timedelta(days=2)).date().isoformat()
    made = local_broadcast(api, "ranni", "Local", day)
    members = [by_trait, by_phone, by_default, preferred, missing]
    now = utcnow()
    with sessions() as session:
        broadcast = session.get(Broadcast, made["id"])
        assert broadcast is not None
        dues = targeting.dues(session, settings, broadcast, members, now)
        one_by_one = {
            pid: targeting.due_at(session, settings, broadcast, pid, now) for pid in members
        }
    assert dues == one_by_one
    assert dues[by_trait] == datetime.fromisoformat(f"{day}T06:00+00:00")
    assert dues[by_phone] - dues[by_trait] == timedelta(hours=2)  # Jerusalem in winter
    assert dues[preferred] == datetime.fromisoformat(f"{day}T15:00+00:00")
    default_zone = datetime.fromisoformat(f"{day}T10:00").replace(
        tzinfo=customer_zone(None, None, None, settings.messaging_default_time_zone)[0]
    )
    assert dues[by_default] == default_zone
    assert dues[missing] == now
