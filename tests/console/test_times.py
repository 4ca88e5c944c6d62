"""Dates and times on console pages: every one goes through the `moment` filter, so every one
is a <time> the stylesheet keeps left to right (a Hebrew page would otherwise show the time
before the date) and none is written by hand without that."""

from datetime import UTC, datetime

from unison.console.render import TEMPLATES, moment


def test_no_template_writes_a_time_element_by_hand() -> None:
    by_hand = [
        str(path.relative_to(TEMPLATES))
        for path in sorted(TEMPLATES.rglob("*.html"))
        if "<time" in path.read_text(encoding="utf-8")
    ]
    assert by_hand == []


def test_no_template_cuts_iso_text_into_a_date_by_hand() -> None:
    # ISO text shown as "2026-10-18 15:15" without <time> breaks apart in a Hebrew table.
    cut = [
        str(path.relative_to(TEMPLATES))
        for path in sorted(TEMPLATES.rglob("*.html"))
        if 'replace("T", " ")' in path.read_text(encoding="utf-8")
    ]
    assert cut == []


def test_moment_is_a_time_element_with_its_iso_moment() -> None:
    at = datetime(2026, 12, 7, 15, 29, 5, tzinfo=UTC)
    assert moment(at) == '<time datetime="2026-12-07T15:29:05+00:00">2026-12-07 15:29</time>'
    assert moment(at, "%Y-%m-%d") == '<time datetime="2026-12-07T15:29:05+00:00">2026-12-07</time>'
    assert moment(None) == ""
    # ISO text from a JSON column (a profile's per-channel first and last seen)
    assert moment("2026-10-18T15:15:42.123000+00:00") == (
        '<time datetime="2026-10-18T15:15:42.123000+00:00">2026-10-18 15:15</time>'
    )
