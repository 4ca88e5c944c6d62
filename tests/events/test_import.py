"""Bulk import of JSON lines and CSV through the same validation as the API."""

from pathlib import Path

import orjson
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.events.helpers import rejected, stored
from unison.events.errors import ImportSetupError
from unison.events.importing import detect_format, import_file, parse_mapping
from unison.sources.ref import SourceRef


def _write_lines(path: Path, lines: list[object]) -> Path:
    path.write_bytes(
        b"\n".join(item if isinstance(item, bytes) else orjson.dumps(item) for item in lines)
        + b"\n"
    )
    return path


class TestJsonLines:
    def test_lines_are_stored_with_per_line_errors(
        self, tmp_path: Path, sessions: sessionmaker[Session], source: tuple[SourceRef, str]
    ) -> None:
        path = _write_lines(
            tmp_path / "events.jsonl",
            [
                {"type": "track", "userId": "u", "event": "Order Completed"},
                b"{broken",
                {"type": "track", "userId": "u"},
                {"type": "identify", "anonymousId": "a", "traits": {"city": "Երևան"}},
            ],
        )
        summary = import_file(sessions, path, source[0], fmt="jsonl", batch_size=2)
        assert (summary.lines, summary.accepted, summary.rejected) == (4, 2, 2)
        assert [line for line, _ in summary.errors] == [2, 3]
        assert "not valid JSON" in summary.errors[0][1]
        assert "track events need event" in summary.errors[1][1]
        assert [r.line for r in rejected(sessions)] == [2, 3]
        assert rejected(sessions)[0].payload == "{broken"
        assert stored(sessions)[1].payload["traits"]["city"] == "Երևան"

    def test_re_importing_the_same_file_stores_nothing_twice(
        self, tmp_path: Path, sessions: sessionmaker[Session], source: tuple[SourceRef, str]
    ) -> None:
        path = _write_lines(
            tmp_path / "e.jsonl",
            [{"type": "track", "userId": "u", "event": f"E{i}"} for i in range(25)]
            + [{"type": "track", "userId": "u", "event": "E", "messageId": "given"}],
        )
        first = import_file(sessions, path, source[0], fmt="jsonl", batch_size=10)
        again = import_file(sessions, path, source[0], fmt="jsonl", batch_size=7)
        assert (first.accepted, first.duplicates) == (26, 0)
        assert (again.accepted, again.duplicates) == (0, 26)
        assert len(stored(sessions)) == 26


class TestCsv:
    def test_a_mapping_turns_columns_into_segment_fields(
        self, tmp_path: Path, sessions: sessionmaker[Session], source: tuple[SourceRef, str]
    ) -> None:
        path = tmp_path / "orders.csv"
        path.write_text(
            "customer,phone,amount,when,store\n"
            "C-1,+995 555 12 34 56,120.50,2026-01-05T10:00:00Z,თბილისი მოლი\n"
            "C-2,,abc,2026-01-06T10:00:00Z,Dizengoff\n"
            ",,10,2026-01-07T10:00:00Z,X\n",
            encoding="utf-8",
        )
        rules = parse_mapping(
            [
                "userId=customer",
                "context.traits.phone=phone",
                "properties.revenue=amount:number",
                "timestamp=when",
                "properties.store=store",
            ],
            ["type=track", "event=Order Completed", "context.channel=pos"],
        )
        summary = import_file(sessions, path, source[0], fmt="csv", rules=rules)
        assert (summary.accepted, summary.rejected) == (1, 2)
        assert summary.errors[0][0] == 3
        assert "amount" in summary.errors[0][1]
        assert "userId or anonymousId" in summary.errors[1][1]
        [event] = stored(sessions)
        assert event.channel == "pos"
        assert event.user_id == "C-1"
        assert event.payload["properties"] == {"revenue": 120.5, "store": "თბილისი მოლი"}
        assert event.payload["context"]["traits"]["phone"] == "+995 555 12 34 56"

    def test_headers_that_are_segment_paths_need_no_mapping(
        self, tmp_path: Path, sessions: sessionmaker[Session], source: tuple[SourceRef, str]
    ) -> None:
        path = tmp_path / "plain.csv"
        path.write_text("type,userId,event,properties.sku\ntrack,u1,Viewed,SKU-1\n")
        summary = import_file(sessions, path, source[0], fmt="csv")
        assert summary.accepted == 1
        assert stored(sessions)[0].payload["properties"] == {"sku": "SKU-1"}

    @pytest.mark.parametrize(
        ("maps", "sets", "field"),
        [(["userId"], [], "map"), (["a=b:float"], [], "map"), ([], ["novalue"], "set")],
    )
    def test_a_bad_mapping_is_refused_before_anything_is_read(
        self, maps: list[str], sets: list[str], field: str
    ) -> None:
        with pytest.raises(ImportSetupError) as caught:
            parse_mapping(maps, sets)
        assert caught.value.field == field

    def test_an_unknown_format_must_be_named(self, tmp_path: Path) -> None:
        with pytest.raises(ImportSetupError):
            detect_format(tmp_path / "data.xlsx", None)
        assert detect_format(tmp_path / "data.xlsx", "csv") == "csv"
        assert detect_format(tmp_path / "data.ndjson", None) == "jsonl"
