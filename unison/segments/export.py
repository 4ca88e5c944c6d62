"""A segment's members as CSV, with the columns a marketer needs and only those the role may
see: membership columns for every reader, identifiers and traits only with
`segments:export_pii`."""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session

from unison.identity.identifiers import BUILTIN_TYPES
from unison.kit.clock import isoformat_z
from unison.kit.errors import InvalidParameter
from unison.segments import repository as rows
from unison.segments.errors import ExportColumnsForbidden

MEMBERSHIP = ("profile_id", "entered_at")  # not personal data: every segment reader
DEFAULT_PII = (
    "profile_id", "email", "phone", "first_name", "last_name", "city", "country", "language",
    "entered_at",
)  # fmt: skip
MAX_COLUMNS = 50
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ...but a plain number cannot call anything, and "+995555123456" must stay a phone number.
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_PAGE = 1000


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "membership", "identifier" or "trait"


def columns_for(raw: str | None, may_export_pii: bool, custom_types: Sequence[str]) -> list[Column]:
    """The requested columns (default: a marketer's set, or ids only without PII rights)."""
    names = list(DEFAULT_PII if may_export_pii else MEMBERSHIP) if raw is None else _parse(raw)
    identifiers = set(BUILTIN_TYPES) | set(custom_types)
    columns = [Column(n, _kind(n, identifiers)) for n in names]
    denied = [c.name for c in columns if c.kind != "membership"]
    if denied and not may_export_pii:
        raise ExportColumnsForbidden(
            f"this role may not export {', '.join(denied)} (personal data needs permission "
            f"'segments:export_pii'); it may export {', '.join(MEMBERSHIP)}",
            field="columns",
        )
    return columns


def _kind(name: str, identifiers: set[str]) -> str:
    if name in MEMBERSHIP:
        return "membership"
    return "identifier" if name in identifiers else "trait"


def _parse(raw: str) -> list[str]:
    names = [n.strip() for n in raw.split(",")]
    if not names or any(not n for n in names):
        raise InvalidParameter(
            "columns is a comma-separated list of names, e.g. profile_id,email,first_name",
            field="columns",
        )
    for name in names:
        if not _NAME.fullmatch(name):
            raise InvalidParameter(
                f"column {name[:100]!r} is not a trait or identifier name "
                "(letters, digits, _ . - up to 100)",
                field="columns",
            )
    if len(names) > MAX_COLUMNS:
        raise InvalidParameter(f"at most {MAX_COLUMNS} columns", field="columns")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidParameter(f"column {repeated[0]!r} is named twice", field="columns")
    return names


def member_rows(session: Session, segment_id: int, columns: list[Column]) -> Iterator[list[str]]:
    """Every member in profile id order, a page of profiles at a time."""
    types = [c.name for c in columns if c.kind == "identifier"]
    wants_traits = any(c.kind == "trait" for c in columns)
    after = None
    while page := rows.members_page(session, segment_id, after, _PAGE):
        after = page[-1].profile_id
        ids = [m.profile_id for m in page]
        found = rows.identifier_values(session, ids, types)
        traits = {p.id: p.traits for p in rows.profiles(session, ids)} if wants_traits else {}
        for member in page:
            pid = member.profile_id
            values = {"profile_id": str(pid), "entered_at": isoformat_z(member.entered_at)}
            for c in columns:
                if c.kind == "identifier":
                    values[c.name] = found.get((pid, c.name), "")
                elif c.kind == "trait":
                    values[c.name] = _cell(traits.get(pid, {}).get(c.name, {}).get("value"))
            yield [values[c.name] for c in columns]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return orjson.dumps(value).decode()


def neutralised(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP CSV injection)."""
    if cell.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def csv_chunks(header: list[str], body: Iterable[list[str]]) -> Iterator[str]:
    """RFC 4180 CSV (the csv module quotes commas, quotes and newlines), about 64 KB a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in body:
        writer.writerow([neutralised(cell) for cell in row])
        if buffer.tell() > 65_536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
