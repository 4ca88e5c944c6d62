"""Templates: the list, the editor per channel with a live preview for a chosen customer in
a chosen locale (htmx, as the segment editor), saving (each save publishes a new version,
audited) and test sends to seed addresses."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from unison.api.deps import DbSession, runtime_of
from unison.auth import audit
from unison.auth.roles import Permission
from unison.console.lookup import found
from unison.console.messaging import drafts
from unison.console.messaging.common import context, customer_id, direction, form_of, refusal
from unison.console.messaging.errors import DraftInvalid
from unison.console.render import render
from unison.console.security import Staff, require
from unison.kit.errors import UnisonError
from unison.messaging.templates import schemas, seeds, service

router = APIRouter(include_in_schema=False)
Reader = Annotated[Staff, Depends(require(Permission.templates_read))]
Writer = Annotated[Staff, Depends(require(Permission.templates_write))]
LIST_LIMIT = 200


@router.get("/console/messaging")
def messaging_home(staff: Annotated[Staff, Depends(require())]) -> Response:
    """The area's start: templates, else broadcasts, for those who may read them."""
    for permission, page in (
        (Permission.templates_read, "/console/messaging/templates"),
        (Permission.broadcasts_read, "/console/messaging/broadcasts"),
    ):
        if staff.can(permission):
            return RedirectResponse(page, status_code=303)
    return RedirectResponse("/console/", status_code=303)


@router.get("/console/messaging/templates")
def list_page(request: Request, session: DbSession, staff: Reader, channel: str = "") -> Response:
    """Every template: channel, locales, versions, when it last changed."""
    chosen = channel if channel in drafts.CHANNELS else None
    items = service.listed(session, chosen, None, LIST_LIMIT)
    values = context(templates=items, channels=drafts.CHANNELS, channel=chosen or "")
    return render(request, "messaging/templates.html", values, staff)


def _editor(draft: drafts.Draft, template: Any = None, **extra: Any) -> dict[str, Any]:
    error = extra.pop("error", None)
    return context(
        draft=draft,
        template=template,
        parts=drafts.PARTS[draft.channel],
        channels=drafts.CHANNELS,
        direction=direction,
        error=error,
        error_input=drafts.input_of(draft, error.field) if error else None,
        sent=extra.pop("sent", None),
        test_error=extra.pop("test_error", None),
        **extra,
    )


@router.get("/console/messaging/templates/new")
def new_page(request: Request, staff: Writer, channel: str = "email") -> Response:
    """An empty editor for a channel (the channel is fixed once saved)."""
    chosen = channel if channel in drafts.CHANNELS else "email"
    draft = drafts.Draft(chosen, rows=[drafts.Row("en")]).with_blank_rows(2)
    return render(request, "messaging/editor.html", _editor(draft), staff)


def _draft_of(template: schemas.Template) -> drafts.Draft:
    current = template.current
    return drafts.from_variants(
        template.channel, template.name, current.description or "", current.variants
    )


@router.get("/console/messaging/templates/{template_id:int}")
def edit_page(request: Request, session: DbSession, staff: Reader, template_id: int) -> Response:
    """One template in the editor, its versions and the test send."""
    template = found(service.get, session, template_id, staff)
    draft = _draft_of(template)
    sent = request.query_params.get("sent")
    values = _editor(
        draft.with_blank_rows() if staff.can(Permission.templates_write) else draft,
        template,
        versions=service.versions(session, template_id),
        sent=int(sent) if sent and sent.isdigit() else None,
    )
    return render(request, "messaging/editor.html", values, staff)


@router.post("/console/messaging/templates/new")
async def create(request: Request, session: DbSession, staff: Writer) -> Response:
    """Save a new template: version 1 is published."""
    return await _save(request, session, staff, None)


@router.post("/console/messaging/templates/{template_id:int}")
async def update(request: Request, session: DbSession, staff: Writer, template_id: int) -> Response:
    """Save a changed template: its next version is published (earlier ones never change)."""
    template = found(service.get, session, template_id, staff)
    return await _save(request, session, staff, template)


async def _save(
    request: Request, session: DbSession, staff: Staff, template: schemas.Template | None
) -> Response:
    form = await form_of(request)
    if template is not None:
        form["channel"] = template.channel  # a template keeps its channel
    settings = runtime_of(request).settings
    draft = drafts.Draft(form.get("channel") or "email")
    try:
        draft = drafts.from_form(form)
        if not draft.name:
            raise DraftInvalid("name: give the template a name", field="name")
        variants = drafts.variants_of(draft)
        if template is None:
            body = _model(
                schemas.TemplateCreate,
                name=draft.name,
                channel=draft.channel,
                description=draft.description or None,
                variants=variants,
            )
            saved = service.create(session, settings, body, staff.actor)
        else:
            change = _model(
                schemas.TemplateUpdate,
                name=draft.name,
                description=draft.description or None,
                variants=variants,
            )
            saved = service.update(session, settings, template.id, change, staff.actor)
    except UnisonError as exc:
        session.rollback()  # nothing of a refused save is kept
        values = _editor(draft, template, error=exc)
        if template is not None:
            values["versions"] = service.versions(session, template.id)
        return render(request, "messaging/editor.html", values, staff, status_code=400)
    details = {
        "channel": saved.channel,
        "version": saved.current.version,
        "locales": sorted(saved.current.variants),
    }
    audit.record(session, staff.actor, "template.publish", f"template:{saved.id}", details)
    return RedirectResponse(
        f"/console/messaging/templates/{saved.id}?saved={saved.current.version}", status_code=303
    )


def _model(model: Any, **values: Any) -> Any:
    try:
        return model(**values)
    except ValidationError as exc:
        raise refusal(exc) from None


@router.post("/console/messaging/templates/preview")
async def preview(request: Request, session: DbSession, staff: Reader) -> Response:
    """The editor's live preview: the unsaved variants rendered for the chosen customer in
    the chosen locale (htmx), or the error naming its field; SMS encoding and segments."""
    form = await form_of(request)
    settings = runtime_of(request).settings
    values: dict[str, Any] = {"shown": None, "error": None, "draft": None, "sms_source": None}
    try:
        draft = drafts.from_form(form)
        values["draft"] = draft
        variants = drafts.variants_of(draft)
        wanted = form.get("preview_customer", "").strip()
        locale = form.get("preview_locale", "").strip() or None
        if not wanted:
            values["sms_source"] = _source_counts(settings, draft, variants, locale)
        else:
            profile = customer_id(session, wanted, "preview_customer")
            shown = service.preview_draft(
                session, settings, draft.channel, variants, profile, locale
            )
            values.update(shown=shown, dir=direction(shown.locale))
    except UnisonError as exc:
        values["error"] = exc
        values["error_input"] = (
            drafts.input_of(values["draft"], exc.field) if values["draft"] else None
        )
    return render(request, "messaging/_preview.html", context(**values), staff)


def _source_counts(
    settings: Any, draft: drafts.Draft, variants: dict[str, Any], locale: str | None
) -> Any:
    """Without a customer: the SMS count of the source text of the chosen (or first) locale."""
    if draft.channel != "sms" or not variants:
        return None
    text = variants.get(locale or "", variants[next(iter(variants))]).get("text", "")
    return service.sms_info(settings, text)


@router.post("/console/messaging/templates/{template_id:int}/test-send")
async def test_send(
    request: Request, session: DbSession, staff: Writer, template_id: int
) -> Response:
    """Render for a customer and queue it to seed addresses (the marketer's own)."""
    template = found(service.get, session, template_id, staff)
    form = await form_of(request)
    settings = runtime_of(request).settings
    recipients = [line.strip() for line in form.get("recipients", "").splitlines() if line.strip()]
    try:
        profile = customer_id(session, form.get("customer", ""), "customer")
        body = _model(
            schemas.SeedSendRequest,
            profile_id=profile,
            recipients=recipients,
            locale=form.get("locale", "").strip() or None,
        )
        result = seeds.send(session, settings, template_id, body)
    except UnisonError as exc:
        session.rollback()
        values = _editor(
            _draft_of(template).with_blank_rows(),
            template,
            test_error=exc,
            versions=service.versions(session, template_id),
            test_form=form,
        )
        return render(request, "messaging/editor.html", values, staff, status_code=exc.status_code)
    queued = sum(1 for r in result.recipients if r.queued)
    details = {"version": result.version, "locale": result.locale, "recipients": len(recipients)}
    audit.record(session, staff.actor, "template.test_send", f"template:{template_id}", details)
    return RedirectResponse(
        f"/console/messaging/templates/{template_id}?sent={queued}#test-send", status_code=303
    )
