"""The gate's pure rules: quiet hours over midnight and across DST, zones from phone
numbers, caps as configured."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from unison.kit.settings import Settings
from unison.messaging.gate.rules import QuietHours, over_caps, parse_caps
from unison.messaging.gate.zones import customer_zone, phone_zone

NIGHT = QuietHours.of("21:00", "09:00")


class TestQuietHours:
    @pytest.mark.parametrize(
        ("utc", "until"),
        [
            ((2026, 12, 7, 16, 59), None),  # 20:59 Tbilisi
            ((2026, 12, 7, 17, 0), (2026, 12, 8, 5, 0)),  # 21:00 -> 09:00 next day
            ((2026, 12, 7, 23, 30), (2026, 12, 8, 5, 0)),  # 03:30 -> 09:00 same day
            ((2026, 12, 8, 5, 0), None),  # 09:00: allowed again
        ],
    )
    def test_over_midnight_in_tbilisi(
        self, utc: tuple[int, ...], until: tuple[int, ...] | None
    ) -> None:
        found = NIGHT.until(ZoneInfo("Asia/Tbilisi"), datetime(*utc, tzinfo=UTC))
        assert found == (datetime(*until, tzinfo=UTC) if until else None)

    def test_the_end_follows_a_dst_change_in_jerusalem(self) -> None:
        # 23:00 on 2026-10-24 is UTC+3; clocks go back that night, so 09:00 is UTC+2.
        found = NIGHT.until(ZoneInfo("Asia/Jerusalem"), datetime(2026, 10, 24, 20, 0, tzinfo=UTC))
        assert found == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)

    def test_a_window_within_one_day_and_an_empty_one(self) -> None:
        lunch = QuietHours.of("13:00", "14:00")
        assert lunch.until(ZoneInfo("UTC"), datetime(2026, 1, 1, 13, 30, tzinfo=UTC)) == datetime(
            2026, 1, 1, 14, 0, tzinfo=UTC
        )
        assert QuietHours.of("00:00", "00:00").until(ZoneInfo("UTC"), datetime.now(UTC)) is None


class TestZones:
    def test_each_source_in_order_and_said(self) -> None:
        assert customer_zone("Asia/Yerevan", "Asia/Tbilisi", "+972501234567", "UTC")[0].key == (
            "Asia/Yerevan"
        )
        zone, why = customer_zone(None, "Asia/Tbilisi", "+972501234567", "UTC")
        assert (zone.key, why) == ("Asia/Tbilisi", "time zone Asia/Tbilisi from the trait timezone")
        zone, why = customer_zone(None, "Mars/Olympus", "+972501234567", "UTC")
        assert (zone.key, why) == (
            "Asia/Jerusalem",
            "time zone Asia/Jerusalem from the phone's country IL",
        )
        assert customer_zone(None, None, None, "Europe/Kyiv")[0].key == "Europe/Kyiv"

    @pytest.mark.parametrize(
        ("phone", "zone"),
        [
            ("+995577000111", "Asia/Tbilisi"),
            ("+972501234567", "Asia/Jerusalem"),  # Israeli mobiles name no zone of their own
            ("+37491234567", "Asia/Yerevan"),
            ("+79161234567", "Europe/Moscow"),
            ("+380501234567", "Europe/Kyiv"),
            ("+13105550123", "America/Los_Angeles"),
        ],
    )
    def test_phone_countries(self, phone: str, zone: str) -> None:
        found = phone_zone(phone)
        assert found is not None
        assert found[0] == zone


class TestCaps:
    def test_caps_are_parsed_and_counted_per_scope_and_window(self) -> None:
        caps = parse_caps({"all": "3/7d", "sms": "1/12h"})
        now = datetime(2026, 12, 7, tzinfo=UTC)
        history = [("email", now - timedelta(days=1)), ("sms", now - timedelta(hours=13))]
        assert over_caps(caps, "sms", history, now) == []
        history.append(("email", now - timedelta(days=6)))
        assert [c.code for c in over_caps(caps, "email", history, now)] == ["frequency_cap:all"]
        history[1] = ("sms", now - timedelta(hours=11))
        assert [c.code for c in over_caps(caps, "sms", history, now)] == [
            "frequency_cap:all",
            "frequency_cap:sms",
        ]

    def test_a_malformed_cap_is_refused_at_start_naming_it(self) -> None:
        with pytest.raises(ValidationError, match="sms: 'often' is not"):
            Settings(messaging_frequency_caps={"sms": "often"})
