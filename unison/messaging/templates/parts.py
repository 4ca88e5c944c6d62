"""Each channel's parts: which are required, their shapes, and how a variant turns into the
rendered content the outbox carries (the shapes are the contract in docs: email
{subject, html, text}, sms {text}, telegram/viber {text, buttons, image_url}, whatsapp
{text} and/or {template}, push {title, body, data}, webhook {url, json}).

One walk serves both saving and rendering: `build(channel, parts, field, fill)` calls
`fill(source, field, kind)` for every Jinja source; saving passes a checker, rendering a
renderer, so what is checked is exactly what is rendered."""

from collections.abc import Callable
from typing import Any

from unison.messaging.templates.errors import TemplatePartInvalid, TemplatePartMissing
from unison.messaging.templates.plaintext import text_of_html
from unison.messaging.templates.sandbox import Kind

Fill = Callable[[str, str, Kind], str]
CHANNELS = ("email", "sms", "telegram", "viber", "whatsapp", "push", "webhook")
_ALLOWED = {
    "email": ("subject", "html", "text"),
    "sms": ("text",),
    "telegram": ("text", "buttons", "image_url"),
    "viber": ("text", "buttons", "image_url"),
    "whatsapp": ("text", "template"),
    "push": ("title", "body", "data", "image_url"),
    "webhook": ("url", "json"),
}
MAX_BUTTONS = 20


def build(channel: str, parts: Any, field: str, fill: Fill) -> dict[str, Any]:
    if not isinstance(parts, dict):
        raise TemplatePartInvalid(f"{field} must be an object of parts", field=field)
    for name in parts:
        if name not in _ALLOWED[channel]:
            allowed = ", ".join(_ALLOWED[channel])
            raise TemplatePartInvalid(
                f"{field}.{name}: a {channel} template has no part {name!r} (parts: {allowed})",
                field=f"{field}.{name}",
            )
    return _BUILDERS[channel](parts, field, fill)


def _string(parts: dict[str, Any], name: str, field: str, *, required: bool) -> str | None:
    value = parts.get(name)
    if value is None:
        if required:
            raise TemplatePartMissing(f"{field}.{name} is required", field=f"{field}.{name}")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise TemplatePartInvalid(
            f"{field}.{name} must be a non-empty string (a Jinja template)", field=f"{field}.{name}"
        )
    return value


def _fill(parts: dict[str, Any], name: str, field: str, fill: Fill, kind: Kind) -> str | None:
    source = _string(parts, name, field, required=False)
    return None if source is None else fill(source, f"{field}.{name}", kind)


def _required(parts: dict[str, Any], name: str, field: str, fill: Fill, kind: Kind) -> str:
    source = _string(parts, name, field, required=True)
    assert source is not None
    return fill(source, f"{field}.{name}", kind)


def _email(parts: dict[str, Any], field: str, fill: Fill) -> dict[str, Any]:
    subject = _required(parts, "subject", field, fill, "text")
    html = _fill(parts, "html", field, fill, "html")
    text = _fill(parts, "text", field, fill, "text")
    if html is None and text is None:
        raise TemplatePartMissing(
            f"{field}: an email needs html or text (text is generated from html when absent)",
            field=f"{field}.html",
        )
    return {
        "subject": subject,
        "html": html,
        "text": text if text is not None else text_of_html(html or ""),
    }


def _sms(parts: dict[str, Any], field: str, fill: Fill) -> dict[str, Any]:
    return {"text": _required(parts, "text", field, fill, "text")}


def _button(value: Any, field: str, fill: Fill, *, callbacks: bool) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TemplatePartInvalid(f"{field} must be an object {{text, url}}", field=field)
    targets = ("url", "callback_data") if callbacks else ("url",)
    extra = set(value) - {"text", *targets}
    given = [name for name in targets if name in value]
    if extra or len(given) != 1:
        accepted = " or ".join(targets)
        raise TemplatePartInvalid(
            f"{field}: a button has text and exactly one of {accepted}", field=field
        )
    return {
        "text": _required(value, "text", field, fill, "text"),
        given[0]: _required(value, given[0], field, fill, "plain"),
    }


def _buttons(parts: dict[str, Any], field: str, fill: Fill, *, rows: bool) -> list[Any]:
    value = parts.get("buttons")
    where = f"{field}.buttons"
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_BUTTONS:
        raise TemplatePartInvalid(f"{where} must be a list of at most {MAX_BUTTONS}", field=where)
    if not rows:
        return [_button(b, f"{where}[{i}]", fill, callbacks=False) for i, b in enumerate(value)]
    built = []
    for i, row in enumerate(value):
        if not isinstance(row, list) or not row:
            raise TemplatePartInvalid(
                f"{where}[{i}] must be a row: a non-empty list of buttons", field=f"{where}[{i}]"
            )
        built.append(
            [_button(b, f"{where}[{i}][{j}]", fill, callbacks=True) for j, b in enumerate(row)]
        )
    return built


def _messenger(rows: bool) -> Callable[[dict[str, Any], str, Fill], dict[str, Any]]:
    def builder(parts: dict[str, Any], field: str, fill: Fill) -> dict[str, Any]:
        return {
            "text": _required(parts, "text", field, fill, "text"),
            "buttons": _buttons(parts, field, fill, rows=rows),
            "image_url": _fill(parts, "image_url", field, fill, "plain"),
        }

    return builder


def _strings(value: Any, field: str, fill: Fill, kind: Kind) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TemplatePartInvalid(f"{field} must be a list of strings", field=field)
    return [fill(v, f"{field}[{i}]", kind) for i, v in enumerate(value)]


def _approved(value: Any, field: str, fill: Fill, locale: str) -> dict[str, Any]:
    """A WhatsApp approved template: its name and language at Meta, and the values of its
    {{1}}, {{2}}... placeholders (rendered here) for the header and the body."""
    if not isinstance(value, dict) or set(value) - {"name", "language", "header", "body"}:
        raise TemplatePartInvalid(
            f"{field} must be an object {{name, language, header, body}}", field=field
        )
    name = _string(value, "name", field, required=True)
    language = _string(value, "language", field, required=False) or locale.replace("-", "_")
    components = []
    for part in ("header", "body"):
        if part in value:
            values = _strings(value[part], f"{field}.{part}", fill, "plain")
            parameters = [{"type": "text", "text": v} for v in values]
            components.append({"type": part, "parameters": parameters})
    return {"name": name, "language": language, "components": components}


def _whatsapp(parts: dict[str, Any], field: str, fill: Fill) -> dict[str, Any]:
    if "text" not in parts and "template" not in parts:
        raise TemplatePartMissing(
            f"{field}: a WhatsApp template needs text (inside the 24-hour window) or an "
            "approved template reference (outside it), or both",
            field=f"{field}.text",
        )
    content: dict[str, Any] = {}
    if "text" in parts:
        content["text"] = _required(parts, "text", field, fill, "text")
    if "template" in parts:
        locale = field.rsplit(".", 1)[-1]
        content["template"] = _approved(parts["template"], f"{field}.template", fill, locale)
    return content


def _data(parts: dict[str, Any], field: str, fill: Fill) -> dict[str, str]:
    value = parts.get("data", {})
    where = f"{field}.data"
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise TemplatePartInvalid(f"{where} must be an object of strings", field=where)
    return {str(k): fill(v, f"{where}.{k}", "plain") for k, v in value.items()}


def _push(parts: dict[str, Any], field: str, fill: Fill) -> dict[str, Any]:
    content = {
        "title": _required(parts, "title", field, fill, "text"),
        "body": _required(parts, "body", field, fill, "text"),
        "data": _data(parts, field, fill),
    }
    image = _fill(parts, "image_url", field, fill, "plain")
    if image is not None:
        content["image_url"] = image
    return content


def _json(value: Any, field: str, fill: Fill, depth: int = 0) -> Any:
    if depth > 20:
        raise TemplatePartInvalid(f"{field}: nested deeper than 20 levels", field=field)
    if isinstance(value, str):
        return fill(value, field, "plain")
    if isinstance(value, dict):
        return {str(k): _json(v, f"{field}.{k}", fill, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v, f"{field}[{i}]", fill, depth + 1) for i, v in enumerate(value)]
    return value  # numbers, booleans and null are sent as they are


def _webhook(parts: dict[str, Any], field: str, fill: Fill) -> dict[str, Any]:
    url = _required(parts, "url", field, fill, "plain")
    if not url.startswith(("http://", "https://", "{{")):
        # (a rendered URL is checked again; where it may point is the adapter's SSRF check)
        raise TemplatePartInvalid(f"{field}.url must be an http(s) URL", field=f"{field}.url")
    body = parts.get("json")
    if not isinstance(body, dict):
        raise TemplatePartMissing(
            f"{field}.json is required: the JSON object to post (string values are templates)",
            field=f"{field}.json",
        )
    return {"url": url, "json": _json(body, f"{field}.json", fill)}


_BUILDERS: dict[str, Callable[[dict[str, Any], str, Fill], dict[str, Any]]] = {
    "email": _email,
    "sms": _sms,
    "telegram": _messenger(rows=True),
    "viber": _messenger(rows=False),
    "whatsapp": _whatsapp,
    "push": _push,
    "webhook": _webhook,
}


def whatsapp_content(content: dict[str, Any], *, in_window: bool) -> dict[str, Any]:
    """The one form a WhatsApp message is sent in: free text inside the 24-hour customer
    service window, the approved template outside it; empty when the template has no form
    for that case (the message cannot be sent now)."""
    key = "text" if in_window else "template"
    if key not in content and in_window and "template" in content:
        key = "template"  # an approved template may be sent inside the window too
    return {key: content[key]} if key in content else {}
