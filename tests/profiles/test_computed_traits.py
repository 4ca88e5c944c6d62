"""Computed traits: producers write and replace their values; the 360 view shows them."""

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.profiles.test_api import two_profiles  # noqa: F401 - fixture
from unison.kit.db import transaction
from unison.profiles import computed_traits

AT = datetime(2026, 5, 1, 12, tzinfo=UTC)


class TestComputedTraits:
    def test_written_values_appear_in_the_360_view_with_their_producer(
        self,
        client: TestClient,
        admin_token: str,
        sessions: sessionmaker[Session],
        two_profiles: tuple[dict[str, Any], ...],  # noqa: F811 - fixture
    ) -> None:
        _, user = two_profiles
        with transaction(sessions) as session:
            values = [(user["id"], "clv_tier", "gold"), (user["id"], "p_alive", 0.93)]
            computed_traits.write(session, "clv", values, AT)
            computed_traits.write(session, "clv", [(user["id"], "clv_tier", "платина")], AT)
        view = client.get(
            f"/api/profiles/{user['id']}", headers={"Authorization": f"Bearer {admin_token}"}
        ).json()
        assert view["computed_traits"]["clv_tier"]["value"] == "платина"  # replaced, not added
        assert view["computed_traits"]["p_alive"] == {
            "value": 0.93,
            "source": "clv",
            "computed_at": "2026-05-01T12:00:00Z",
        }

    def test_a_producer_removes_only_its_own_names_and_erasure_removes_all(
        self,
        sessions: sessionmaker[Session],
        two_profiles: tuple[dict[str, Any], ...],  # noqa: F811 - fixture
    ) -> None:
        anon, user = two_profiles
        with transaction(sessions) as session:
            computed_traits.write(session, "rfm", [(user["id"], "rfm_cell", "champions")], AT)
            computed_traits.write(session, "clv", [(user["id"], "clv_tier", "gold")], AT)
            computed_traits.write(session, "clv", [(anon["id"], "clv_tier", "low")], AT)
            assert computed_traits.remove(session, "rfm", ["clv_tier"]) == 0
            assert computed_traits.remove(session, "clv", ["clv_tier"], [anon["id"]]) == 1
            found = computed_traits.values(session, [user["id"], anon["id"]], ["clv_tier"])
            assert found == {user["id"]: {"clv_tier": "gold"}}
            assert computed_traits.erase(session, [user["id"]]) == 2
            assert computed_traits.of_profile(session, user["id"]) == []
