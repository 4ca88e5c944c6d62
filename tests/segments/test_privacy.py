"""A person's segment memberships and history (whose reasons hold the values conditions
saw) are exported with them and erased with them."""

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.segments.conftest import START, Api, Clock, identify
from unison.consent.privacy import service as privacy
from unison.kit.db import transaction
from unison.kit.settings import Settings
from unison.models import SegmentHistory, SegmentMember
from unison.segments import service
from unison.segments.language import parse_text


def test_export_and_erase_cover_segments(
    api: Api,
    process: Callable[[], int],
    sessions: sessionmaker[Session],
    settings: Settings,
    clock: Clock,
) -> None:
    with transaction(sessions) as session:
        service.create(
            session, settings, "Nino", "", parse_text('trait("email") starts_with "nino"'), START
        )
    api.send(identify("nino", START, email="nino@example.ge"))
    process()
    nino = api.profile("nino")
    with transaction(sessions) as session:
        exported = privacy.export(session, nino, "test")
    found = exported["segments"]
    assert [m["segment"] for m in found["memberships"]] == ["Nino"]
    assert found["history"][0]["reason"]["explanation"]["observed"] == "nino@example.ge"
    with transaction(sessions) as session:
        privacy.erase(session, nino, "test")
    with sessions() as session:
        for model in (SegmentMember, SegmentHistory):
            count = session.execute(select(func.count()).select_from(model)).scalar_one()
            assert count == 0
