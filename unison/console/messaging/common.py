"""What the messaging pages share: reading a form, a customer chosen by id or by search,
pydantic refusals as a field-named error, and a locale's direction."""

from typing import Any

from babel import Locale, UnknownLocaleError
from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from unison.kit.errors import InvalidParameter
from unison.profiles.search import service as search

MAX_ID = 2**63 - 1


async def form_of(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


def db_id(value: str, field: str) -> int:
    """A positive database id from a form value, or an error naming the field."""
    text = value.strip()
    if not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise InvalidParameter(f"{field}: choose one (got {value[:40]!r})", field=field)
    return int(text)


def customer_id(session: Session, wanted: str, field: str) -> int:
    """A profile id typed as such, or the first customer a search for the text finds."""
    text = wanted.strip()[:200]
    if text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    found, _ = search.search(session, text, 1, None) if text else ([], None)
    if not found:
        raise InvalidParameter(
            f"{field}: no customer found for {text!r} (an id, a name, a phone or an email)",
            field=field,
        )
    return found[0].id


def refusal(exc: ValidationError) -> InvalidParameter:
    """The first thing pydantic refused, as an error naming the field (`variants[0].split`)."""
    first = exc.errors()[0]
    where = ""
    for part in first["loc"]:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return InvalidParameter(f"{where}: {first['msg']}", field=where or None)


def direction(locale: str | None) -> str:
    try:
        found = Locale.parse((locale or "en").replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return "ltr"
    return "rtl" if found.text_direction == "rtl" else "ltr"


def context(**values: Any) -> dict[str, Any]:
    from unison.auth.roles import Permission

    return {"Permission": Permission, **values}
