"""Broadcasts: the list with live counts, the form that creates one (template or A/B/n
variants, segment, when, throttle, holdout), and one broadcast with its counts refreshed
every few seconds and pause, resume and cancel (each confirmed, each audited)."""

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from unison.api.deps import DbSession, runtime_of
from unison.auth import audit
from unison.auth.roles import Permission
from unison.consent import service as consent
from unison.console.errors import not_found
from unison.console.lookup import found, lookup
from unison.console.messaging.common import context, db_id, form_of, refusal
from unison.console.render import render
from unison.console.security import Staff, require
from unison.kit.errors import InvalidParameter, UnisonError
from unison.messaging.broadcasts import service
from unison.messaging.broadcasts.schemas import Broadcast, BroadcastCreate
from unison.messaging.templates import service as templates
from unison.segments import service as segments

router = APIRouter(include_in_schema=False)
Reader = Annotated[Staff, Depends(require(Permission.broadcasts_read))]
Writer = Annotated[Staff, Depends(require(Permission.messages_send))]
LIST_LIMIT = 50
VARIANT_ROWS = 4
TIMINGS = ("now", "at", "local", "best_hour")
# Zones offered for a scheduled moment (the form's wall time is read in the chosen one).
ZONES = ("UTC", "Asia/Tbilisi", "Asia/Yerevan", "Europe/Kyiv", "Europe/Moscow", "Asia/Jerusalem")
ACTIONS = {"pause": "paused", "resume": "running", "cancel": "cancelled"}
# The counts the list shows, in order (the page of one broadcast shows them all).
LIST_COUNTS = (
    "targeted",
    "suppressed",
    "deferred",
    "sent",
    "delivered",
    "opened",
    "clicked",
    "replied",
    "converted",
    "failed",
)
COUNT_HEADS = [f"messaging.count.{name}" for name in LIST_COUNTS]  # their column headers


@router.get("/console/messaging/broadcasts")
def list_page(request: Request, session: DbSession, staff: Reader) -> Response:
    """Broadcasts, newest first, each with its live counts (the table refreshes itself)."""
    found = service.listed(session, None, LIST_LIMIT).items
    items = [(b, service.counts(session, b.id)) for b in found]
    values = context(items=items, count_names=LIST_COUNTS, count_heads=COUNT_HEADS)
    return render(request, "messaging/broadcasts.html", values, staff)


def _options(request: Request, session: DbSession) -> dict[str, Any]:
    settings = runtime_of(request).settings
    return {
        "templates": templates.listed(session, None, None, 500),
        "segments": segments.segments_list(session),
        "purposes": sorted(consent.kinds(session, settings)),
        "zones": ZONES,
        "timings": TIMINGS,
        "variant_rows": range(VARIANT_ROWS),
    }


@router.get("/console/messaging/broadcasts/new")
def new_page(request: Request, session: DbSession, staff: Writer) -> Response:
    """The form for a new broadcast."""
    form = {"purpose": "marketing", "holdout": "0", "timing": "now", "zone": "UTC"}
    values = context(form=form, error=None, **_options(request, session))
    return render(request, "messaging/broadcast_new.html", values, staff)


@router.post("/console/messaging/broadcasts/new")
async def create(request: Request, session: DbSession, staff: Writer) -> Response:
    """Create the broadcast; the fan-out sends it (now or when scheduled)."""
    form = await form_of(request)
    try:
        created = service.create(session, _body(form), staff.actor)
    except UnisonError as exc:
        session.rollback()  # nothing of a refused broadcast is kept
        values = context(form=form, error=exc, **_options(request, session))
        status = exc.status_code if exc.status_code < 500 else 400
        return render(request, "messaging/broadcast_new.html", values, staff, status_code=status)
    details = {
        "segment_id": created.segment_id,
        "variants": [v.model_dump() for v in created.variants],
        "timing": created.timing,
        "holdout_percent": created.holdout_percent,
    }
    audit.record(session, staff.actor, "broadcast.create", f"broadcast:{created.id}", details)
    return RedirectResponse(f"/console/messaging/broadcasts/{created.id}?done=create", 303)


def _body(form: dict[str, str]) -> BroadcastCreate:
    values: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "segment_id": db_id(form.get("segment_id", ""), "segment_id"),
        "purpose": form.get("purpose", "").strip() or "marketing",
        "holdout_percent": _number(form, "holdout", "holdout_percent") or 0,
        "rate_per_second": _number(form, "rate", "rate_per_second"),
    }
    variants = _variants(form)
    if variants:
        values["variants"] = variants
    else:
        values["template_id"] = db_id(form.get("template_id", ""), "template_id")
    values.update(_timing(form))
    try:
        return BroadcastCreate(**values)
    except ValidationError as exc:
        raise refusal(exc) from None


def _number(form: dict[str, str], name: str, field: str) -> int | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise InvalidParameter(f"{field}: give a whole number (got {text[:20]!r})", field=field)
    return int(text)


def _variants(form: dict[str, str]) -> list[dict[str, Any]]:
    """The A/B/n rows that were filled in (a row needs its template and its split)."""
    found = []
    for i in range(VARIANT_ROWS):
        name = form.get(f"va{i}_name", "").strip()
        template = form.get(f"va{i}_template", "").strip()
        if not (name or template):
            continue
        found.append(
            {
                "name": name or chr(ord("A") + i),
                "template_id": db_id(template, f"variants[{i}].template_id"),
                "split": _number(form, f"va{i}_split", f"variants[{i}].split") or 0,
            }
        )
    return found


def _timing(form: dict[str, str]) -> dict[str, Any]:
    timing = form.get("timing", "now")
    when = form.get("when", "").strip()[:16]
    if timing not in TIMINGS:
        raise InvalidParameter(f"timing: one of {', '.join(TIMINGS)}", field="timing")
    if timing == "now":
        return {}
    if timing == "local":
        if not when:
            raise InvalidParameter("local_time: give the date and the time", field="local_time")
        return {"local_time": when}
    if timing == "best_hour" and not when:
        return {"best_hour": True}
    zone = form.get("zone", "UTC")
    if zone not in ZONES:
        raise InvalidParameter(f"zone: one of {', '.join(ZONES)}", field="zone")
    try:
        moment = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        raise InvalidParameter(
            f"send_at: give the date and the time (got {when!r})", field="send_at"
        ) from None
    return {"send_at": moment, "best_hour": timing == "best_hour"}


def _detail(
    request: Request, session: DbSession, staff: Staff, row: Broadcast, **extra: Any
) -> Response:
    names = {t.id: t.name for t in templates.listed(session, None, None, 500)}
    segment = {s.id: s.name for s in segments.segments_list(session)}.get(row.segment_id)
    values = context(
        b=row, template_names=names, segment_name=segment, error=None, count_names=LIST_COUNTS
    )
    values.update(extra)
    status = values["error"].status_code if values["error"] else 200
    return render(request, "messaging/broadcast.html", values, staff, status_code=status)


@router.get("/console/messaging/broadcasts/{broadcast_id:int}")
def detail_page(request: Request, session: DbSession, staff: Reader, broadcast_id: int) -> Response:
    """One broadcast: what, to whom, when, and its counts (refreshed every few seconds)."""
    row = found(service.get, session, broadcast_id, staff)
    return _detail(request, session, staff, row)


@router.post("/console/messaging/broadcasts/{broadcast_id:int}/{action}")
async def change(
    request: Request, session: DbSession, staff: Writer, broadcast_id: int, action: str
) -> Response:
    """Pause, resume or cancel, once the confirming box is ticked."""
    row = lookup(service.get, session, broadcast_id)
    if row is None or action not in ACTIONS:
        return not_found(request, staff)
    form = await form_of(request)
    try:
        if form.get("confirm") != "yes":
            raise InvalidParameter(
                f"confirm: tick the box to {action} the broadcast", field="confirm"
            )
        changed = service.change(session, broadcast_id, ACTIONS[action])
    except UnisonError as exc:
        session.rollback()
        return _detail(request, session, staff, row, error=exc)
    details = {"status": changed.status, "from": row.status}
    audit.record(session, staff.actor, f"broadcast.{action}", f"broadcast:{broadcast_id}", details)
    return RedirectResponse(f"/console/messaging/broadcasts/{broadcast_id}?done={action}", 303)
