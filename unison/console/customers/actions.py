"""What staff do to a profile from the console, each through the service the API uses and
each written to the audit log in the same transaction: edit a trait, record a consent
change with its proof, split a merge, export and erase (the last two with a confirmation)."""

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from unison.api.deps import DbSession, runtime_of
from unison.auth import audit
from unison.auth.roles import Permission
from unison.consent import service as consent
from unison.consent.privacy import service as privacy
from unison.consent.schemas import ConsentChange
from unison.console.errors import not_found
from unison.console.lookup import lookup
from unison.console.render import render
from unison.console.security import Staff, require
from unison.identity import service as identity
from unison.kit.clock import utcnow
from unison.kit.errors import UnisonError
from unison.profiles import regroup
from unison.profiles import service as profiles
from unison.profiles.processor import NAME as PROFILE_PROCESSOR

router = APIRouter(include_in_schema=False)
Editor = Annotated[Staff, Depends(require(Permission.profiles_write))]
ConsentWriter = Annotated[Staff, Depends(require(Permission.consent_write))]
Splitter = Annotated[Staff, Depends(require(Permission.identity_write))]
Privacy = Annotated[Staff, Depends(require(Permission.privacy_write))]
Text = Annotated[str, Form(max_length=20_000)]


def _back(profile_id: int, done: str) -> Response:
    return RedirectResponse(f"/console/customers/{profile_id}?done={done}", status_code=303)


def _again(
    request: Request, session: DbSession, staff: Staff, profile_id: int, errors: dict[str, str]
) -> Response:
    # imported here: the page imports this module
    from unison.console.customers.pages import TimelineQuery, profile_response

    session.rollback()  # nothing of the refused action stays
    query = TimelineQuery(profile_id)  # the timeline unfiltered, newest first
    return profile_response(request, session, staff, query, errors=errors, status_code=400)


@router.post("/console/customers/{profile_id:int}/traits")
def edit_trait(
    request: Request,
    session: DbSession,
    staff: Editor,
    profile_id: int,
    name: Annotated[str, Form(max_length=200)] = "",
    value: Text = "",
) -> Response:
    """Set a trait: an identify event in the log, attributed to this profile."""
    try:
        live = profiles.edit_trait(session, profile_id, name.strip(), value, staff.actor, utcnow())
    except UnisonError as exc:
        return _again(request, session, staff, profile_id, {"trait": exc.detail})
    audit.record(session, staff.actor, "profile.trait", f"profile:{live}", {"trait": name.strip()})
    return _back(live, "trait")


@router.post("/console/customers/{profile_id:int}/consents")
def record_consent(
    request: Request,
    session: DbSession,
    staff: ConsentWriter,
    profile_id: int,
    purpose: Annotated[str, Form(max_length=60)] = "",
    channel: Annotated[str, Form(max_length=20)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
    legal_basis: Annotated[str, Form(max_length=30)] = "consent",
    identifier: Annotated[str, Form(max_length=255)] = "",
    notice_version: Annotated[str, Form(max_length=100)] = "",
    notice_text: Text = "",
    reference: Annotated[str, Form(max_length=255)] = "",
    form_url: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record a consent change the customer asked for, with its proof."""
    proof = {
        "notice_version": notice_version.strip() or None,
        "notice_text": notice_text.strip() or None,
        "message_id": reference.strip() or None,
        "form_url": form_url.strip() or None,
    }
    try:
        # the API's own model checks the form: the same vocabulary, the same limits
        change = ConsentChange.model_validate(
            {
                "purpose": purpose,
                "channel": channel,
                "status": status,
                "legal_basis": legal_basis,
                "identifier": identifier.strip() or None,
                "proof": proof,
            }
        )
        settings = runtime_of(request).settings
        live, written = consent.record_requested(
            session, settings, profile_id, [change], staff.actor
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _again(request, session, staff, profile_id, {"consent": f"{where}: {first['msg']}"})
    except UnisonError as exc:
        return _again(request, session, staff, profile_id, {"consent": exc.detail})
    details = {
        "records": [r.id for r in written],
        "purpose": change.purpose,
        "channel": change.channel,
        "status": change.status,
    }
    audit.record(session, staff.actor, "consent.change", f"profile:{live}", details)
    return _back(live, "consent")


@router.get("/console/customers/{profile_id:int}/split/{merge_id:int}")
def confirm_split(
    request: Request, session: DbSession, staff: Splitter, profile_id: int, merge_id: int
) -> Response:
    """What a split will do, and the button that does it."""
    live = lookup(profiles.live_profile, session, profile_id)  # following merges
    if live is None:
        return not_found(request, staff)
    merges = identity.merges_of(session, profiles.group_ids(session, live.id))
    merge = next((m for m in merges if m.id == merge_id and m.undone_at is None), None)
    if merge is None:
        return not_found(request, staff)
    return render(request, "customers/split.html", {"profile_id": live.id, "merge": merge}, staff)


@router.post("/console/customers/{profile_id:int}/split/{merge_id:int}")
def split(
    request: Request, session: DbSession, staff: Splitter, profile_id: int, merge_id: int
) -> Response:
    """Undo the merge: the group is rebuilt from the log without it, the link blocked."""
    runtime = runtime_of(request)
    replay = runtime.split_replay(runtime.settings)
    try:
        live, events, _blocks = regroup.split(
            session, profile_id, merge_id, replay, PROFILE_PROCESSOR
        )
    except UnisonError as exc:
        return _again(request, session, staff, profile_id, {"merges": exc.detail})
    details = {"merge_id": merge_id, "profiles": live, "replayed_events": events}
    audit.record(session, staff.actor, "profile.split", f"profile:{profile_id}", details)
    return _back(profile_id if profile_id in live else live[0], "split")


@router.post("/console/customers/{profile_id:int}/export")
def export(request: Request, session: DbSession, staff: Privacy, profile_id: int) -> Response:
    """Everything held about the person, as the JSON bundle of POST /api/privacy/export."""
    try:
        bundle = privacy.export(session, profile_id, staff.actor)
    except UnisonError as exc:
        return _again(request, session, staff, profile_id, {"privacy": exc.detail})
    target = f"profile:{bundle['profile_id']}"
    audit.record(session, staff.actor, "privacy.export", target, {"sections": sorted(bundle)})
    name = f"profile-{bundle['profile_id']}-export.json"
    return Response(
        orjson.dumps(bundle, option=orjson.OPT_INDENT_2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/console/customers/{profile_id:int}/erase")
def confirm_erase(
    request: Request, session: DbSession, staff: Privacy, profile_id: int
) -> Response:
    """The erasure's confirmation step: what goes, what stays, type the id to confirm."""
    live = lookup(profiles.live_profile, session, profile_id)  # following merges
    if live is None:
        return not_found(request, staff)
    return render(request, "customers/erase.html", {"profile_id": live.id, "error": None}, staff)


@router.post("/console/customers/{profile_id:int}/erase")
def erase(
    request: Request,
    session: DbSession,
    staff: Privacy,
    profile_id: int,
    confirm: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Erase the person everywhere (as POST /api/privacy/erase), once confirmed."""
    if confirm.strip() != str(profile_id):
        context = {"profile_id": profile_id, "error": "customers.erase.mismatch"}
        return render(request, "customers/erase.html", context, staff, status_code=400)
    try:
        result = privacy.erase(session, profile_id, staff.actor)
    except UnisonError as exc:
        return _again(request, session, staff, profile_id, {"privacy": exc.detail})
    details = {"request_id": result["request_id"]}
    audit.record(session, staff.actor, "privacy.erase", f"profile:{result['profile_id']}", details)
    # As the API does: committed first, then the erased bytes scrubbed from the store's files.
    session.commit()
    scrubbed = privacy.scrub_storage(runtime_of(request).engine)
    context = {"result": result, "scrubbed": scrubbed}
    return render(request, "customers/erased.html", context, staff)
