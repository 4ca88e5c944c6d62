"""The template editor's form: one row of inputs per locale variant (`v0_locale`,
`v0_subject`, ...), turned into the `variants` object the templates service checks, and back.
Parts holding JSON (buttons, an approved WhatsApp template, push data, a webhook body) are
edited as JSON text; text that does not parse names its part."""

from dataclasses import dataclass, field
from typing import Any

import orjson

from unison.console.messaging.errors import DraftInvalid

LINE, AREA, JSON = "line", "area", "json"
# channel -> its parts in the order the editor shows them, and how each is edited
PARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "email": (("subject", LINE), ("html", AREA), ("text", AREA)),
    "sms": (("text", AREA),),
    "telegram": (("text", AREA), ("buttons", JSON), ("image_url", LINE)),
    "viber": (("text", AREA), ("buttons", JSON), ("image_url", LINE)),
    "whatsapp": (("text", AREA), ("template", JSON)),
    "push": (("title", LINE), ("body", AREA), ("data", JSON), ("image_url", LINE)),
    "webhook": (("url", LINE), ("json", JSON)),
}
CHANNELS = tuple(PARTS)
MAX_ROWS = 12  # locale variants one form carries (the service allows more through the API)


@dataclass
class Row:
    locale: str = ""
    parts: dict[str, str] = field(default_factory=dict)


@dataclass
class Draft:
    channel: str
    name: str = ""
    description: str = ""
    rows: list[Row] = field(default_factory=list)

    def with_blank_rows(self, count: int = 1) -> "Draft":
        """The rows and `count` empty rows for more locales."""
        free = max(0, min(count, MAX_ROWS - len(self.rows)))
        return Draft(self.channel, self.name, self.description, [*self.rows] + [Row()] * free)


def channel_of(value: str) -> str:
    if value not in PARTS:
        raise DraftInvalid(
            f"channel {value!r} is not one of {', '.join(CHANNELS)}", field="channel"
        )
    return value


def from_form(form: dict[str, str]) -> Draft:
    channel = channel_of(form.get("channel", ""))
    rows = []
    for i in range(MAX_ROWS):
        locale = form.get(f"v{i}_locale", "").strip()
        parts = {name: form.get(f"v{i}_{name}", "") for name, _ in PARTS[channel]}
        if locale or any(v.strip() for v in parts.values()):
            rows.append(Row(locale, parts))
    name = form.get("name", "").strip()
    return Draft(channel, name, form.get("description", "").strip(), rows)


def from_variants(channel: str, name: str, description: str, variants: dict[str, Any]) -> Draft:
    rows = []
    for locale, parts in variants.items():
        shown = {}
        for part, kind in PARTS[channel]:
            value = parts.get(part)
            if value is None:
                shown[part] = ""
            elif kind == JSON:
                shown[part] = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
            else:
                shown[part] = str(value)
        rows.append(Row(locale, shown))
    return Draft(channel, name, description, rows)


def variants_of(draft: Draft) -> dict[str, Any]:
    """The `variants` object; a row without a locale, or a locale twice, names its input."""
    variants: dict[str, Any] = {}
    for i, row in enumerate(draft.rows):
        if not row.locale:
            raise DraftInvalid(
                f"variant {i + 1}: give its locale, e.g. en, ka, he", field=f"v{i}_locale"
            )
        key = row.locale
        if key in variants:
            raise DraftInvalid(f"variants.{key}: the same locale twice", field=f"variants.{key}")
        variants[key] = _parts(draft.channel, row, f"variants.{key}")
    return variants


def _parts(channel: str, row: Row, where: str) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    for name, kind in PARTS[channel]:
        value = row.parts.get(name, "")
        if not value.strip():
            continue  # a part left empty is absent (the service says when it is required)
        if kind == JSON:
            try:
                parts[name] = orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                raise DraftInvalid(
                    f"{where}.{name}: not valid JSON ({exc})", field=f"{where}.{name}"
                ) from None
        else:
            parts[name] = value.replace("\r\n", "\n")
    return parts


def input_of(draft: Draft, field: str | None) -> str | None:
    """The id of the input an error's field names (`variants.he.text` -> `v1-text`)."""
    if not field:
        return None
    if field.startswith("v") and field.endswith("_locale") and field[1:-7].isdigit():
        return f"v{field[1:-7]}-locale"
    if field in ("name", "description"):
        return f"tpl-{field}"
    if not field.startswith("variants."):
        return None
    locale, _, tail = field.removeprefix("variants.").partition(".")
    part = tail.split("[")[0].split(".")[0]
    names = [name for name, _ in PARTS[draft.channel]]
    for i, row in enumerate(draft.rows):
        if _same(row.locale) == _same(locale):
            return f"v{i}-{part}" if part in names else f"v{i}-locale"
    return None


def _same(code: str) -> str:
    return code.strip().replace("_", "-").lower()
