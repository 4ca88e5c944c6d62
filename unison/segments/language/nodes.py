"""The condition tree: one pydantic model per node kind, told apart by `kind`.

Leaves compare a value with `op` and `value`. Which ops a leaf accepts depends on what it
reads (a trait can be any JSON value, a count is a number, an occurrence is a moment), and
each model checks that `value` fits its op, so a stored definition always evaluates.
"""

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from unison.segments.language.errors import SegmentDefinitionInvalid

Scalar = str | int | float | bool
Value = Scalar | list[Scalar] | None

ValueOp = Literal[
    "eq",
    "neq",
    "in",
    "contains",
    "starts_with",
    "gt",
    "gte",
    "lt",
    "lte",
    "exists",
    "anniversary_within_days",
    "more_than_days_ago",
    "less_than_days_ago",
]
CountOp = Literal["eq", "neq", "gt", "gte", "lt", "lte"]
TimeOp = Literal["exists", "gt", "gte", "lt", "lte", "more_than_days_ago", "less_than_days_ago"]
PropertyOp = Literal[
    "eq", "neq", "in", "contains", "starts_with", "gt", "gte", "lt", "lte", "exists"
]
DAY_OPS = frozenset({"anniversary_within_days", "more_than_days_ago", "less_than_days_ago"})
ORDER_OPS = frozenset({"gt", "gte", "lt", "lte"})
STATS: dict[str, str] = {  # profile stat -> "number" or "time"
    "event_count": "number",
    "order_count": "number",
    "revenue": "number",
    "first_seen": "time",
    "last_seen": "time",
    "last_order_at": "time",
}
# Names go into JSON paths: quotes and backslashes would need escaping there, so they are out.
_NAME = re.compile(r'^[^"\\\x00-\x1f]{1,100}$')


def _name(value: str, what: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"{what} must be 1-100 characters without quotes or backslashes")
    return value


def parse_moment(value: Any) -> datetime:
    """An ISO 8601 date or date-time; naive means UTC."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date or date-time string")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an ISO 8601 date or date-time") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_value(op: str, value: Any, *, time: bool = False) -> None:
    """Raise ValueError when `value` does not fit `op`."""
    if op == "exists":
        if value is not None:
            raise ValueError("op 'exists' takes no value")
        return
    if value is None:
        raise ValueError(f"op {op!r} needs a value")
    if op in DAY_OPS:
        _check_days(op, value)
    elif time:
        parse_moment(value)
    elif op == "in":
        if not isinstance(value, list) or not value:
            raise ValueError("op 'in' needs a non-empty list of strings, numbers or booleans")
    else:
        _check_single(op, value)


def _check_days(op: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36_500:
        raise ValueError(f"op {op!r} needs a whole number of days (0-36500)")


def _check_single(op: str, value: Any) -> None:
    """A comparison with one value (not a list)."""
    if isinstance(value, list):
        raise ValueError(f"op {op!r} needs a single value, not a list (use 'in')")
    if op == "starts_with" and not isinstance(value, str):
        raise ValueError("op 'starts_with' needs a string")
    if op in ORDER_OPS and isinstance(value, bool):
        raise ValueError(f"op {op!r} needs a number or a string")


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(Node):
    """Either the last N days (moving with the clock) or fixed bounds since <= t < until."""

    last_days: int | None = Field(default=None, ge=1, le=36_500)
    since: datetime | None = None
    until: datetime | None = None

    @field_validator("since", "until", mode="before")
    @classmethod
    def _moment(cls, value: Any) -> Any:
        return None if value is None else parse_moment(value)

    @model_validator(mode="after")
    def _one_form(self) -> "Window":
        fixed = self.since is not None or self.until is not None
        if (self.last_days is None) == (not fixed):
            raise ValueError("give either last_days, or since and/or until")
        if self.last_days is not None and fixed:
            raise ValueError("give either last_days, or since and/or until")
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be before until")
        return self


class _Compared(Node):
    """A comparison of something with a value: the value must suit the operator."""

    if TYPE_CHECKING:  # declared by each subclass, in its own field order (the stored JSON's)
        op: str
        value: Value

    @field_validator("property", "name", check_fields=False)
    @classmethod
    def _named(cls, value: str, info: ValidationInfo) -> str:
        return _name(value, str(info.field_name))

    @model_validator(mode="after")
    def _fits(self) -> Self:
        check_value(self.op, self.value)
        return self


class PropertyFilter(_Compared):
    property: str
    op: PropertyOp
    value: Value = None


class _ValueLeaf(_Compared):
    name: str
    op: ValueOp
    value: Value = None


class Trait(_ValueLeaf):
    kind: Literal["trait"] = "trait"


class Computed(_ValueLeaf):
    """A computed trait (segments' aggregates, RFM, CLV...) by name."""

    kind: Literal["computed"] = "computed"


class Stat(Node):
    kind: Literal["stat"] = "stat"
    name: str
    op: ValueOp
    value: Value = None

    @model_validator(mode="after")
    def _fits(self) -> "Stat":
        kind = STATS.get(self.name)
        if kind is None:
            raise ValueError(f"unknown stat {self.name!r}; accepted: {', '.join(STATS)}")
        if kind == "time" and self.op not in TimeOp.__args__:  # type: ignore[attr-defined]
            raise ValueError(f"stat {self.name!r} is a moment; ops: {', '.join(TimeOp.__args__)}")  # type: ignore[attr-defined]
        if kind == "number" and self.op in ("contains", "starts_with", *DAY_OPS):
            raise ValueError(f"stat {self.name!r} is a number; {self.op!r} does not apply")
        check_value(self.op, self.value, time=kind == "time" and self.op in ORDER_OPS)
        numeric = isinstance(self.value, int | float) and not isinstance(self.value, bool)
        if kind == "number" and self.op in ORDER_OPS | {"eq", "neq"} and not numeric:
            raise ValueError(f"stat {self.name!r} is compared with a number")
        return self


class _EventLeaf(Node):
    event: str
    where: list[PropertyFilter] = Field(default_factory=list, max_length=20)
    window: Window | None = None

    @field_validator("event")
    @classmethod
    def _event(cls, value: str) -> str:
        return _name(value, "event")


class Performed(_EventLeaf):
    """How many times the event happened (with its filters, in its window) compared with a
    count: `op: gte, value: 2` is "at least twice", `op: eq, value: 0` is "never"."""

    kind: Literal["performed"] = "performed"
    op: CountOp = "gte"
    value: int = Field(default=1, ge=0, le=1_000_000)


class Aggregate(_EventLeaf):
    """sum / avg / min / max of a numeric property of the event, compared with a number."""

    kind: Literal["aggregate"] = "aggregate"
    fn: Literal["sum", "avg", "min", "max"]
    property: str
    op: CountOp
    value: int | float

    @field_validator("property")
    @classmethod
    def _prop(cls, value: str) -> str:
        return _name(value, "property")

    @field_validator("value")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("needs a number")
        return value


class Occurrence(_EventLeaf):
    """The moment of the first or last such event."""

    kind: Literal["occurrence"] = "occurrence"
    which: Literal["first", "last"]
    op: TimeOp
    value: Value = None

    @model_validator(mode="after")
    def _fits(self) -> "Occurrence":
        check_value(self.op, self.value, time=self.op in ORDER_OPS)
        return self


class HasIdentifier(Node):
    kind: Literal["identifier"] = "identifier"
    type: str = Field(min_length=1, max_length=40)


class Reachable(Node):
    """The profile can be reached on the channel; with `purpose`, consent allows it too
    (the consent module's decision)."""

    kind: Literal["reachable"] = "reachable"
    channel: Literal["email", "sms", "telegram", "viber", "whatsapp", "push", "phone_call"]
    purpose: str | None = Field(default=None, min_length=1, max_length=60)


class InSegment(Node):
    kind: Literal["in_segment"] = "in_segment"
    segment: str = Field(min_length=1, max_length=200)


class Bucket(Node):
    """A deterministic 0-99 bucket from a hash of the salt and the profile id (holdouts)."""

    kind: Literal["bucket"] = "bucket"
    salt: str = Field(min_length=1, max_length=100)
    op: CountOp | Literal["in"]
    value: int | list[int]

    @model_validator(mode="after")
    def _fits(self) -> "Bucket":
        if (self.op == "in") != isinstance(self.value, list):
            raise ValueError("op 'in' takes a list of buckets; the others a single bucket")
        return self


class And(Node):
    kind: Literal["and"] = "and"
    all: list["Condition"] = Field(min_length=1, max_length=100)


class Or(Node):
    kind: Literal["or"] = "or"
    any: list["Condition"] = Field(min_length=1, max_length=100)


class Not(Node):
    kind: Literal["not"] = "not"
    condition: "Condition"


Leaf = Trait | Computed | Stat | Performed | Aggregate | Occurrence
Condition = Annotated[
    And
    | Or
    | Not
    | Trait
    | Computed
    | Stat
    | Performed
    | Aggregate
    | Occurrence
    | HasIdentifier
    | Reachable
    | InSegment
    | Bucket,
    Field(discriminator="kind"),
]
for _model in (And, Or, Not):
    _model.model_rebuild()


class _Root(BaseModel):
    root: Condition


TRAIT_FUNCTIONS = ("count", "sum", "avg", "min", "max", "first", "last", "most_frequent")


class TraitDefinition(Node):
    """A computed trait: an aggregate of an event per profile, e.g. orders in 90 days or the
    favourite category (`most_frequent` of a property)."""

    fn: Literal["count", "sum", "avg", "min", "max", "first", "last", "most_frequent"]
    event: str
    property: str | None = None
    where: list[PropertyFilter] = Field(default_factory=list, max_length=20)
    window: Window | None = None

    @model_validator(mode="after")
    def _property(self) -> "TraitDefinition":
        _name(self.event, "event")
        if self.fn in ("sum", "avg", "min", "max", "most_frequent") and self.property is None:
            raise ValueError(f"fn {self.fn!r} needs a property")
        return self


def json_path(loc: tuple[int | str, ...], data: Any) -> str:
    """pydantic's error location as a JSON path into the submitted document (the union's
    tag steps, which are not in the document, are skipped)."""
    path, here = "$", data
    for step in loc:
        if isinstance(here, list) and isinstance(step, int) and step < len(here):
            path, here = f"{path}[{step}]", here[step]
        elif isinstance(here, dict) and isinstance(step, str) and step in here:
            path, here = f"{path}.{step}", here[step]
        elif isinstance(here, dict) and isinstance(step, str) and step not in ("root",):
            if step in here.values() or step[0].isupper() or step.startswith("function-"):
                continue  # a tag or a validator name, not a document key
            path, here = f"{path}.{step}", None
    return path


def _invalid(exc: ValidationError, data: Any, prefix: tuple[str, ...]) -> SegmentDefinitionInvalid:
    first = exc.errors()[0]
    loc = tuple(first["loc"])[len(prefix) :]
    where = json_path(loc, data)
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "union_tag_invalid":
        message = f"unknown kind; accepted: {first.get('ctx', {}).get('expected_tags', '')}"
    return SegmentDefinitionInvalid(f"{where}: {message}", field=where)


def parse_condition(data: Any) -> Condition:
    """A condition from JSON data, or SegmentDefinitionInvalid naming the node's path."""
    try:
        return _Root.model_validate({"root": data}).root
    except ValidationError as exc:
        raise _invalid(exc, data, ("root",)) from None


def parse_trait_definition(data: Any) -> TraitDefinition:
    try:
        return TraitDefinition.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, data, ()) from None


def dump(condition: Condition) -> dict[str, Any]:
    """The canonical JSON of a condition (defaults left out, moments in UTC with Z; an
    `and` / `or` of one condition is that condition, as the text form writes it)."""
    if isinstance(condition, And | Or):
        items = condition.all if isinstance(condition, And) else condition.any
        if len(items) == 1:
            return dump(items[0])
    out: dict[str, Any] = condition.model_dump(mode="json", exclude_defaults=True)
    out = {"kind": condition.kind, **out}
    return _canonical(condition, out)


def _canonical(condition: Any, out: dict[str, Any]) -> dict[str, Any]:
    if isinstance(condition, And):
        out["all"] = [dump(c) for c in condition.all]
    elif isinstance(condition, Or):
        out["any"] = [dump(c) for c in condition.any]
    elif isinstance(condition, Not):
        out["condition"] = dump(condition.condition)
    return out


def children(condition: Condition) -> list[Condition]:
    if isinstance(condition, And):
        return list(condition.all)
    if isinstance(condition, Or):
        return list(condition.any)
    if isinstance(condition, Not):
        return [condition.condition]
    return []


def walk(condition: Condition) -> list[Condition]:
    """Every node, depth first."""
    found = [condition]
    for child in children(condition):
        found += walk(child)
    return found
