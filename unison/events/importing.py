"""Bulk import of JSON lines (Segment-shaped) and CSV files into the event log.

Re-importing a file is idempotent: a line without messageId gets one derived from its
content, so the second run finds every line already stored.
"""

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session, sessionmaker

from unison.events import repository
from unison.events.errors import EventRejected, ImportSetupError, InvalidLine
from unison.events.mappings import DEFAULT_SOURCES, MAPPINGS
from unison.events.service import Rejection, prepare_event, storable
from unison.kit.clock import utcnow
from unison.kit.db import transaction
from unison.kit.json_depth import depth_detail, too_deep
from unison.sources.ref import SourceRef
from unison.sources.service import create_source, source_named

COLUMN_TYPES = ("str", "number", "int", "bool", "json")


@dataclass
class ImportSummary:
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), first 100


@dataclass(frozen=True)
class ColumnRule:
    target: list[str]  # dotted Segment path, e.g. ["properties", "revenue"]
    column: str | None  # CSV column, or None for a constant
    constant: str | None
    kind: str


def parse_mapping(maps: list[str], constants: list[str]) -> list[ColumnRule]:
    """`--map properties.revenue=amount:number` and `--set event=Order Completed`."""
    rules = []
    for option in maps:
        target, sep, source = option.partition("=")
        column, _, kind = source.partition(":")
        if not sep or not target or not column:
            raise ImportSetupError(
                f"--map {option!r} must look like target=column[:type], "
                "e.g. properties.revenue=amount:number",
                field="map",
            )
        kind = kind or "str"
        if kind not in COLUMN_TYPES:
            raise ImportSetupError(
                f"--map {option!r}: type {kind!r} unknown; accepted: {', '.join(COLUMN_TYPES)}",
                field="map",
            )
        rules.append(ColumnRule(target.split("."), column, None, kind))
    for option in constants:
        target, sep, value = option.partition("=")
        if not sep or not target:
            raise ImportSetupError(f"--set {option!r} must look like target=value", field="set")
        rules.append(ColumnRule(target.split("."), None, value, "str"))
    return rules


def _convert(value: str, kind: str) -> Any:
    if kind == "str":
        return value
    if value == "":
        return None
    if kind == "int":
        return int(value)
    if kind == "number":
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    if kind == "bool":
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes", "y"}:
            return True
        if lowered in {"false", "0", "no", "n"}:
            return False
        raise ValueError(f"{value!r} is not a boolean (true/false/1/0/yes/no)")
    return orjson.loads(value)


def _assign(target: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        child = target.setdefault(key, {})
        if not isinstance(child, dict):
            raise ValueError(f"{'.'.join(path)} conflicts with another mapped column")
        target = child
    target[path[-1]] = value


def csv_row_to_event(row: dict[str, str], rules: list[ColumnRule]) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for rule in rules:
        if rule.column is None:
            _assign(event, rule.target, rule.constant)
            continue
        if rule.column not in row:
            raise ValueError(f"column {rule.column!r} is missing")
        raw = row[rule.column]
        try:
            value = _convert(raw, rule.kind)
        except ValueError as exc:
            raise ValueError(f"column {rule.column!r}: {exc}") from None
        if value is not None and value != "":
            _assign(event, rule.target, value)
    return event


@dataclass
class _Line:
    number: int
    event: Any  # the parsed item, or None when the line itself could not be read
    error: str | None
    content: bytes


def _jsonl_lines(stream: io.BufferedReader) -> Iterator[_Line]:
    for number, content in enumerate(stream, start=1):
        if not content.strip():
            continue
        try:
            value = orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            yield _Line(number, None, f"line is not valid JSON: {exc}", content)
            continue
        deep = too_deep(value)
        if deep is not None:
            yield _Line(number, None, depth_detail(deep).replace("body", "the line", 1), content)
            continue
        yield _Line(number, value, None, content)


def _csv_lines(stream: io.BufferedReader, rules: list[ColumnRule] | None) -> Iterator[_Line]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    if reader.fieldnames is None:
        return
    if not rules:  # header names are Segment paths themselves, e.g. properties.revenue
        rules = [ColumnRule(name.split("."), name, None, "str") for name in reader.fieldnames]
    for row in reader:
        content = orjson.dumps(row)
        try:
            yield _Line(reader.line_num, csv_row_to_event(row, rules), None, content)
        except ValueError as exc:
            yield _Line(reader.line_num, None, str(exc), content)


def _mapped_lines(stream: io.BufferedReader, mapping: str) -> Iterator[_Line]:
    """A named mapping's records (events.mappings), each with its own messageId."""
    reader = MAPPINGS.get(mapping)
    if reader is None:
        raise ImportSetupError(
            f"mapping {mapping!r} is unknown; accepted: {', '.join(MAPPINGS)}", field="mapping"
        )
    for record in reader(stream):
        yield _Line(record.line, record.event, record.error, record.content)


def mapped_source(sessions: sessionmaker[Session], mapping: str | None, source: str | None) -> str:
    """The source an import goes to: the one named, else (with a mapping) the mapping's
    own, created on first use."""
    if mapping is not None and mapping not in MAPPINGS:
        raise ImportSetupError(
            f"mapping {mapping!r} is unknown; accepted: {', '.join(MAPPINGS)}", field="mapping"
        )
    if source is not None:
        return source
    if mapping is None:
        raise ImportSetupError(
            "--source is required (or --mapping pos|crm-contacts)", field="source"
        )
    name, channel = DEFAULT_SOURCES[mapping]
    with transaction(sessions) as session:
        if source_named(session, name) is None:
            create_source(session, name, channel)
    return name


def detect_format(path: Path, explicit: str | None) -> str:
    fmt = explicit or {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}.get(
        path.suffix.lower()
    )
    if fmt not in {"jsonl", "csv"}:
        raise ImportSetupError(
            f"cannot tell the format of {path.name}; pass --format jsonl or --format csv",
            field="format",
        )
    return fmt


def import_file(
    sessions: sessionmaker[Session],
    path: Path,
    source: SourceRef,
    *,
    fmt: str,
    rules: list[ColumnRule] | None = None,
    batch_size: int = 2000,
    max_event_bytes: int = 32 * 1024,
    on_progress: Callable[[int], None] | None = None,
    mapping: str | None = None,
) -> ImportSummary:
    summary = ImportSummary()
    with path.open("rb") as stream:
        lines = _jsonl_lines(stream) if fmt == "jsonl" else _csv_lines(stream, rules)
        if mapping is not None:  # a named mapping reads the CSV itself (events/mappings.py)
            lines = _mapped_lines(stream, mapping)
        batch: list[_Line] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= batch_size:
                _flush(sessions, batch, source, max_event_bytes, summary)
                batch = []
                if on_progress:
                    on_progress(stream.tell())
        _flush(sessions, batch, source, max_event_bytes, summary)
    return summary


def _derived_message_id(source: SourceRef, content: bytes) -> str:
    digest = hashlib.sha256(source.name.encode("utf-8") + b"\x00" + content.strip()).hexdigest()
    return f"import-{digest[:40]}"


def _flush(
    sessions: sessionmaker[Session],
    batch: list[_Line],
    source: SourceRef,
    max_event_bytes: int,
    summary: ImportSummary,
) -> None:
    received_at = utcnow()
    rows: list[dict[str, Any]] = []
    rejections: list[Rejection] = []
    for line in batch:
        summary.lines += 1
        try:
            if line.error is not None:
                raise InvalidLine(line.error, field=None)
            rows.append(
                prepare_event(
                    line.event,
                    source=source,
                    received_at=received_at,
                    max_event_bytes=max_event_bytes,
                    assigned_message_id=_derived_message_id(source, line.content),
                )
            )
        except EventRejected as rejected:
            payload = (
                line.event
                if line.error is None
                else line.content.strip().decode("utf-8", "replace")
            )
            rejections.append(
                Rejection(
                    line.number,
                    rejected.error,
                    rejected.field,
                    rejected.detail,
                    storable(payload),
                    line=line.number,
                )
            )
            if len(summary.errors) < 100:
                summary.errors.append((line.number, rejected.detail))
    with transaction(sessions) as session:
        outcome = repository.store(
            session,
            rows,
            rejections,
            source_id=source.id,
            origin="import",
            received_at=received_at,
        )
    summary.accepted += outcome.accepted
    summary.duplicates += outcome.duplicates
    summary.rejected += outcome.rejected
