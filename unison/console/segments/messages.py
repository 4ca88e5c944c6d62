"""The segment editor's errors in the reader's language.

The segments service and its language answer in English (the API's words, with the place
they point at in `field`). The console shows the same refusal translated: each known message
shape is matched here and said again from the catalogue (`segments.error.*`), the names and
values it quotes kept as they were written. A shape not listed (a new message upstream) is
shown in English after a translated lead, never lost; tests/console/segments pin the shapes.
"""

import re
from collections.abc import Callable

from unison.kit.errors import UnisonError

Text = Callable[..., str]  # i18n.text bound to a language: (key, **values) -> str

_AT = re.compile(r"at character \d+: (?P<rest>.*)", re.S)
_ROW = re.compile(r"condition (?P<n>\d+): (?P<rest>.*)", re.S)
_PATH = re.compile(r"(?:\$|definition)[\w.\[\]$]*: (?P<rest>.*)", re.S)
_QUOTED = r"(?P<{}>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|the end)"
_CALL = r"(?P<call>\w+)\(\.\.\.\)"

# (message shape, catalogue key); named groups become the key's placeholders
SHAPES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(shape, re.S), key)
    for shape, key in (
        (r"unexpected character " + _QUOTED.format("found"), "unexpected_character"),
        (r"invalid escape in string", "bad_escape"),
        (r"string is not closed", "unclosed_string"),
        (r"expected 'and', 'or' or the end, found " + _QUOTED.format("found"), "expected_join"),
        (
            r"expected a condition such as trait\(\.\.\.\), found " + _QUOTED.format("found"),
            "expected_condition",
        ),
        (
            r"expected a string, number, true, false or a list, found " + _QUOTED.format("found"),
            "expected_value",
        ),
        (r"expected a comparison after " + _CALL + r"(?: at \d+)?", "expected_comparison"),
        (r"expected (?P<expected>'[^']*'), found " + _QUOTED.format("found"), "expected"),
        (r"exists\(\.\.\.\) wraps .*", "exists_wraps"),
        (r"exists\(\.\.\.\) cannot wrap " + _CALL, "exists_cannot_wrap"),
        (r"argument " + _QUOTED.format("name") + " given twice", "argument_twice"),
        (r"positional argument after a named one", "positional_after_named"),
        (
            r"unknown argument " + _QUOTED.format("name") + r"; accepted: (?P<accepted>.*)",
            "unknown_argument",
        ),
        (r"within takes days as .*", "within_days"),
        (r"give within, or since/until, not both", "within_or_since"),
        (_CALL + r" takes no argument " + _QUOTED.format("name"), "no_argument"),
        (_CALL + r" takes (?P<what>.*)", "takes"),
        (
            r"unknown condition " + _QUOTED.format("name") + r"; accepted: (?P<accepted>.*)",
            "unknown_condition",
        ),
        (r"unknown kind; accepted: (?P<accepted>.*)", "unknown_kind"),
        (r"op 'exists' takes no value", "exists_no_value"),
        (r"op " + _QUOTED.format("op") + r" needs a value", "needs_value"),
        (r"op 'in' needs a non-empty list.*", "in_needs_list"),
        (r"op " + _QUOTED.format("op") + r" needs a whole number of days.*", "needs_days"),
        (r"op " + _QUOTED.format("op") + r" needs a single value, not a list.*", "needs_single"),
        (r"op 'starts_with' needs a string", "starts_with_string"),
        (r"op " + _QUOTED.format("op") + r" needs a number or a string", "needs_number_or_text"),
        (r"(?P<value>'.*') is not an ISO 8601 date or date-time", "not_a_date"),
        (r"must be an ISO 8601 date or date-time string", "not_a_date_text"),
        (
            r"unknown stat " + _QUOTED.format("name") + r"; accepted: (?P<accepted>.*)",
            "unknown_stat",
        ),
        (r"stat " + _QUOTED.format("name") + r" is compared with a number", "stat_number"),
        (r"name must be 1-100 characters.*", "bad_name"),
        (
            r"purpose " + _QUOTED.format("name") + r" is not declared; known: (?P<known>.*)",
            "purpose",
        ),
        (r"a segment cannot contain itself", "contains_itself"),
        (r"no segment named " + _QUOTED.format("name"), "no_segment"),
        (
            r"segment "
            + _QUOTED.format("name")
            + " already depends on "
            + _QUOTED.format("own")
            + r" \(a cycle\)",
            "cycle",
        ),
        (r"a segment named " + _QUOTED.format("name") + " already exists", "name_taken"),
        (r"give the segment a name", "name_missing"),
        (r"add at least one condition", "no_rows"),
        (r"the count is a whole number", "count_whole"),
        (r"days is a whole number from 1", "days_whole"),
        (r"no profile (?:with id )?(?P<id>\d+)", "no_profile"),
    )
)
# what a call takes (`trait(...) takes one name as a string`)
TAKES = {
    "one name as a string": "name",
    "the event name as a string": "event",
    "the event name and the property": "event_property",
    "an identifier type as a string": "identifier",
    "a channel as a string": "channel",
    "a segment name as a string": "segment",
    "a salt as a string": "salt",
    "the property name as a string": "property",
}


def localized(t: Text, exc: UnisonError) -> str:
    """The refusal in the reader's language (the marked position is shown beside it)."""
    return said(t, exc.detail)


def said(t: Text, detail: str) -> str:
    for prefix in (_AT, _PATH):
        found = prefix.fullmatch(detail)
        if found:
            detail = found["rest"]
    row = _ROW.fullmatch(detail)
    if row:
        return t("segments.error.row", n=row["n"], message=said(t, row["rest"]))
    for shape, key in SHAPES:
        found = shape.fullmatch(detail)
        if found:
            return t(f"segments.error.{key}", **_values(t, found.groupdict()))
    return t("segments.error.other", detail=detail)


def _values(t: Text, values: dict[str, str | None]) -> dict[str, str]:
    shown = {k: v or "" for k, v in values.items()}
    for name in ("found",):
        if shown.get(name) == "the end":
            shown[name] = t("segments.error.the_end")
    if "what" in shown:
        what = TAKES.get(shown["what"])
        shown["what"] = t(f"segments.error.takes.{what}") if what else shown["what"]
    return shown
