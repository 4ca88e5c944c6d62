"""The segment editor: a visual builder and the text form, kept in step by the server.

Editing the builder posts it (htmx) and gets back the text the language's printer writes;
typing text posts it and gets back the builder rows its parser gives, or the error at its
character position. Both answers carry the live count and a sample of members, computed by
the same preview the API answers. Saving creates or updates through segments' service.
"""

from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from unison.api.deps import DbSession, runtime_of
from unison.auth import audit
from unison.auth.roles import Permission
from unison.console import i18n
from unison.console.lookup import found
from unison.console.render import render
from unison.console.security import Staff, require
from unison.console.segments import builder, messages
from unison.kit.clock import utcnow
from unison.kit.errors import UnisonError
from unison.profiles.search import service as search
from unison.segments import service
from unison.segments.language import Condition, SegmentDefinitionInvalid, parse_text, to_text

router = APIRouter(include_in_schema=False)
Reader = Annotated[Staff, Depends(require(Permission.segments_read))]
Writer = Annotated[Staff, Depends(require(Permission.segments_write))]
SAMPLE = 10
EMPTY = builder.Builder("and", [builder.Row()])


@dataclass
class Editor:
    """What the editor shows: the rows, the text, and the outcome of the last check."""

    rows: builder.Builder
    text: str
    error: str | None = None
    error_field: str | None = None
    position: int | None = None
    count: int | None = None
    sample: list[Any] = field(default_factory=list)

    @property
    def row_error(self) -> int | None:
        field = self.error_field or ""
        if field.startswith("row") and field[3:].split(".")[0].isdigit():
            return int(field[3:].split(".")[0])
        return None


def _context(state: Editor, **extra: Any) -> dict[str, Any]:
    return {
        "ed": state,
        "kinds": builder.KINDS,
        "value_ops": builder.VALUE_OPS,
        "count_ops": builder.COUNT_OPS,
        "stat_names": builder.STAT_NAMES,
        "channels": builder.CHANNELS,
        **extra,
    }


def said(request: Request, exc: UnisonError) -> str:
    """A refusal of the segments service in the reader's language."""
    return messages.localized(partial(i18n.text, i18n.language_of(request)), exc)


def _preview(request: Request, session: DbSession, state: Editor, condition: Condition) -> None:
    settings = runtime_of(request).settings
    try:
        service.check(session, settings, condition, None)
        count, ids = service.preview(session, settings, condition, utcnow(), SAMPLE)
    except SegmentDefinitionInvalid as exc:
        state.error, state.error_field = said(request, exc), "references"
        return
    state.count, state.sample = count, search.items_for(session, ids)


def from_rows(request: Request, session: DbSession, form: dict[str, str]) -> Editor:
    rows = builder.from_form(form)
    try:
        condition = builder.to_condition(rows)
    except SegmentDefinitionInvalid as exc:
        return Editor(rows, form.get("text", ""), said(request, exc), exc.field)
    return Editor(rows, to_text(condition))


def from_text(request: Request, session: DbSession, text: str, form: dict[str, str]) -> Editor:
    try:
        condition = parse_text(text)
    except SegmentDefinitionInvalid as exc:
        return Editor(
            builder.from_form(form),
            text,
            said(request, exc),
            exc.field,
            builder.error_position(exc),
        )
    return Editor(builder.from_condition(condition), text)


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@router.post("/console/segments/builder/rows")
async def rows_changed(request: Request, session: DbSession, staff: Reader) -> Response:
    """The builder changed: the text it prints, the count and sample (htmx, out of band)."""
    form = await _form(request)
    state = from_rows(request, session, form)
    # The rows come back only when their shape changed (a row added, removed or of another
    # kind): re-drawing them on every change would move the keyboard focus.
    part = "both" if _reshaped(form) else "rows"
    return render(request, "segments/_sync.html", _context(state, part=part), staff)


def _reshaped(form: dict[str, str]) -> bool:
    if form.get("add") or form.get("remove"):
        return True
    kinds = [k for k in form if k.startswith("r") and k.endswith("_kind")]
    return any(form[k] != form.get(k.replace("_kind", "_shown")) for k in kinds)


@router.post("/console/segments/builder/text")
async def text_changed(request: Request, session: DbSession, staff: Reader) -> Response:
    """The text changed: the builder rows it parses to, or the error at its position."""
    form = await _form(request)
    state = from_text(request, session, form.get("text", ""), form)
    return render(request, "segments/_sync.html", _context(state, part="text"), staff)


@router.post("/console/segments/builder/count")
async def count(request: Request, session: DbSession, staff: Reader) -> Response:
    """How many customers the text selects now, and a few of them (htmx loads it after each
    change: the count evaluates the condition over every customer)."""
    form = await _form(request)
    state = Editor(EMPTY, form.get("text", ""))
    try:
        condition = parse_text(state.text)
    except SegmentDefinitionInvalid:
        return render(request, "segments/_count.html", _context(state), staff)
    _preview(request, session, state, condition)
    return render(request, "segments/_count.html", _context(state), staff)


@router.get("/console/segments/new")
def new_page(request: Request, staff: Writer) -> Response:
    """An empty editor."""
    state = Editor(EMPTY, "")
    context = _context(state, segment=None, name="", description="", save_error=None)
    return render(request, "segments/edit.html", context, staff)


@router.get("/console/segments/{segment_id:int}/edit")
def edit_page(request: Request, session: DbSession, staff: Writer, segment_id: int) -> Response:
    """The editor on a segment's current definition."""
    row = found(service.get, session, segment_id, staff)
    state = Editor(builder.from_condition(parse_text(row.text)), row.text)
    context = _context(
        state, segment=row, name=row.name, description=row.description, save_error=None
    )
    return render(request, "segments/edit.html", context, staff)


@router.post("/console/segments/new")
async def create(request: Request, session: DbSession, staff: Writer) -> Response:
    """Create the segment from its text form and compute its members."""
    return await _save(request, session, staff, None)


@router.post("/console/segments/{segment_id:int}/edit")
async def update(request: Request, session: DbSession, staff: Writer, segment_id: int) -> Response:
    """Save a changed segment; a new definition is recomputed at once."""
    row = found(service.get, session, segment_id, staff)
    return await _save(request, session, staff, row)


async def _save(request: Request, session: DbSession, staff: Staff, row: Any | None) -> Response:
    form = await _form(request)
    name = form.get("name", "").strip()[:200]
    description = form.get("description", "").strip()[:2000]
    text = form.get("text", "")
    settings = runtime_of(request).settings
    try:
        if not name:
            raise SegmentDefinitionInvalid("give the segment a name", field="name")
        condition = parse_text(text)
        if row is None:
            row, outcome = service.create(session, settings, name, description, condition, utcnow())
        else:
            row, outcome = service.update(
                session, settings, row.id, name=name, description=description,
                condition=condition, now=utcnow(),
            )  # fmt: skip
    except UnisonError as exc:
        session.rollback()
        state = from_text(request, session, text, form)
        if state.error is None:  # the text parses: the refusal is the save's own
            state.error, state.error_field = said(request, exc), exc.field
            state.position = builder.error_position(exc)
        context = _context(
            state, segment=row, name=name, description=description, save_error=said(request, exc)
        )
        return render(request, "segments/edit.html", context, staff, status_code=400)
    details = {"name": row.name, "version": row.version, "members": outcome.members}
    audit.record(session, staff.actor, "segment.save", f"segment:{row.id}", details)
    return RedirectResponse(f"/console/segments/{row.id}?saved=1", status_code=303)
