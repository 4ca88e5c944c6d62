"""The readable text form, parsed by a hand-written tokenizer and recursive descent (never
`eval`): `performed("Order Completed", within="90d") >= 2 and trait("city") == "Tbilisi"`.

Grammar (keywords are lower case):

    expr      := and_expr ("or" and_expr)*
    and_expr  := unary ("and" unary)*
    unary     := "not" unary | "(" expr ")" | call [op literal]
    call      := NAME "(" [arg ("," arg)*] ")"
    arg       := literal | NAME "=" (literal | "[" filters "]")
    op        := == | != | > | >= | < | <= | in | contains | starts_with
                 | anniversary_within_days | more_than_days_ago | less_than_days_ago

Errors carry the character offset (0-based) in `field` as `text@<offset>`.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from unison.segments.language.errors import SegmentDefinitionInvalid
from unison.segments.language.nodes import Condition, parse_condition

T = TypeVar("T")

SYMBOLS = {"==": "eq", "!=": "neq", ">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}
WORD_OPS = (
    "in",
    "contains",
    "starts_with",
    "anniversary_within_days",
    "more_than_days_ago",
    "less_than_days_ago",
)
_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<symbol>==|!=|>=|<=|>|<|\(|\)|\[|\]|,|=)
      | (?P<string>")""",
    re.VERBOSE,
)
_DAYS = re.compile(r"^(\d{1,5})d$")
VALUE_CALLS = {"trait": "trait", "computed": "computed", "stat": "stat"}
AGGREGATES = ("sum", "avg", "min", "max")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, name, symbol, string, end
    text: str
    value: Any
    offset: int


def fail(offset: int, message: str) -> SegmentDefinitionInvalid:
    return SegmentDefinitionInvalid(f"at character {offset}: {message}", field=f"text@{offset}")


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    at = 0
    while at < len(source):
        found = _TOKEN.match(source, at)
        if found is None:
            raise fail(at, f"unexpected character {source[at]!r}")
        kind = found.lastgroup
        assert kind is not None
        if kind == "string":
            value, end = _string(source, at)
            tokens.append(Token("string", source[at:end], value, at))
            at = end
            continue
        text = found.group()
        if kind == "number":
            value = json.loads(text)
            tokens.append(Token(kind, text, value, at))
        elif kind != "space":
            tokens.append(Token(kind, text, text, at))
        at = found.end()
    tokens.append(Token("end", "", None, len(source)))
    return tokens


def _string(source: str, start: int) -> tuple[str, int]:
    """A JSON string literal starting at `start`; returns its value and end offset."""
    at = start + 1
    while at < len(source):
        if source[at] == "\\":
            at += 2
            continue
        if source[at] == '"':
            try:
                return json.loads(source[start : at + 1]), at + 1
            except ValueError:
                raise fail(start, "invalid escape in string") from None
        at += 1
    raise fail(start, "string is not closed")


class Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.at = 0

    @property
    def token(self) -> Token:
        return self.tokens[min(self.at, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.token
        self.at += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.token
        if token.kind not in ("symbol", "name") or token.text != text:
            raise fail(token.offset, f"expected {text!r}, found {_shown(token)}")
        return self.take()

    def keyword(self, text: str) -> bool:
        if self.token.kind == "name" and self.token.text == text:
            self.at += 1
            return True
        return False

    def document(self) -> dict[str, Any]:
        tree = self.expr()
        if self.token.kind != "end":
            raise fail(
                self.token.offset, f"expected 'and', 'or' or the end, found {_shown(self.token)}"
            )
        return tree

    def expr(self) -> dict[str, Any]:
        items = [self.and_expr()]
        while self.keyword("or"):
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else {"kind": "or", "any": items}

    def and_expr(self) -> dict[str, Any]:
        items = [self.unary()]
        while self.keyword("and"):
            items.append(self.unary())
        return items[0] if len(items) == 1 else {"kind": "and", "all": items}

    def unary(self) -> dict[str, Any]:
        if self.keyword("not"):
            return {"kind": "not", "condition": self.unary()}
        if self.token.kind == "symbol" and self.token.text == "(":
            self.take()
            inner = self.expr()
            self.expect(")")
            return inner
        start = self.token.offset
        node = self.leaf()
        try:
            parse_condition(node)  # each leaf is checked where it stands, for a precise offset
        except SegmentDefinitionInvalid as exc:
            detail = exc.detail.split(": ", 1)[-1]
            raise fail(start, detail) from None
        return node

    def leaf(self) -> dict[str, Any]:
        if self.token.kind == "name" and self.token.text == "exists":
            return self.exists()
        name = self.token
        if name.kind != "name":
            raise fail(
                name.offset, f"expected a condition such as trait(...), found {_shown(name)}"
            )
        self.take()
        positional, named = self.arguments(name)
        return _build(self, name, positional, named)

    def exists(self) -> dict[str, Any]:
        """exists(trait("x")) wraps another call: parsed here, before any argument list."""
        self.take()
        self.expect("(")
        inner = self.token
        if inner.kind != "name":
            raise fail(
                inner.offset,
                "exists(...) wraps trait(...), computed(...), stat(...), first(...) or last(...)",
            )
        self.take()
        positional, named = self.arguments(inner)
        self.expect(")")
        if inner.text in VALUE_CALLS:
            _no_named(inner, named)
            (value_name,) = _strings(inner, positional, 1, "one name as a string")
            return {"kind": VALUE_CALLS[inner.text], "name": value_name, "op": "exists"}
        if inner.text in ("first", "last"):
            (event,) = _strings(inner, positional, 1, "the event name as a string")
            node: dict[str, Any] = {"kind": "occurrence", "which": inner.text, "event": event}
            _window(inner, named, node)
            node["op"] = "exists"
            return node
        raise fail(inner.offset, f"exists(...) cannot wrap {inner.text}(...)")

    def arguments(self, call: Token) -> tuple[list[Token], dict[str, Any]]:
        self.expect("(")
        positional: list[Token] = []
        named: dict[str, Any] = {}
        while not (self.token.kind == "symbol" and self.token.text == ")"):
            if positional or named:
                self.expect(",")
            token = self.token
            after = self.tokens[min(self.at + 1, len(self.tokens) - 1)]
            if token.kind == "name" and after.kind == "symbol" and after.text == "=":
                self.at += 2
                if token.text in named:
                    raise fail(token.offset, f"argument {token.text!r} given twice")
                named[token.text] = (
                    token,
                    self.filters() if token.text == "where" else self.literal(),
                )
            elif named:
                raise fail(token.offset, "positional argument after a named one")
            else:
                self.literal()
                positional.append(token)
        self.expect(")")
        return positional, named

    def literal(self) -> Any:
        token = self.take()
        if token.kind in ("string", "number"):
            return token.value
        if token.kind == "name" and token.text in ("true", "false"):
            return token.text == "true"
        if token.kind == "symbol" and token.text == "[":
            return self.listed(self.literal)
        raise fail(
            token.offset, f"expected a string, number, true, false or a list, found {_shown(token)}"
        )

    def comparison(self) -> tuple[str, Any] | None:
        token = self.token
        if token.kind == "symbol" and token.text in SYMBOLS:
            self.take()
            return SYMBOLS[token.text], self.literal()
        if token.kind == "name" and token.text in WORD_OPS:
            self.take()
            return token.text, self.literal()
        return None

    def filters(self) -> list[dict[str, Any]]:
        self.expect("[")
        return self.listed(self.filter)

    def listed(self, item: Callable[[], T]) -> list[T]:
        """Items separated by commas, up to the closing `]` (the `[` is already read)."""
        found: list[T] = []
        while not (self.token.kind == "symbol" and self.token.text == "]"):
            if found:
                self.expect(",")
            found.append(item())
        self.take()
        return found

    def filter(self) -> dict[str, Any]:
        token = self.token
        if self.keyword("exists"):
            self.expect("(")
            prop = self.property_call()
            self.expect(")")
            return {"property": prop, "op": "exists"}
        prop = self.property_call()
        compared = self.comparison()
        if compared is None:
            raise fail(
                self.token.offset, f"expected a comparison after prop(...) at {token.offset}"
            )
        return {"property": prop, "op": compared[0], "value": compared[1]}

    def property_call(self) -> str:
        self.expect("prop")
        self.expect("(")
        token = self.take()
        if token.kind != "string":
            raise fail(token.offset, "prop(...) takes the property name as a string")
        self.expect(")")
        return str(token.value)


def _shown(token: Token) -> str:
    return "the end" if token.kind == "end" else repr(token.text)


def _strings(call: Token, positional: list[Token], count: int, what: str) -> list[str]:
    if len(positional) != count or any(t.kind != "string" for t in positional):
        raise fail(call.offset, f"{call.text}(...) takes {what}")
    return [str(t.value) for t in positional]


def _window(call: Token, named: dict[str, Any], node: dict[str, Any]) -> None:
    allowed = {"within", "since", "until", "where"}
    for key, (token, _value) in named.items():
        if key not in allowed:
            raise fail(
                token.offset, f"unknown argument {key!r}; accepted: {', '.join(sorted(allowed))}"
            )
    if "within" in named:
        token, value = named["within"]
        days = _DAYS.match(value) if isinstance(value, str) else None
        if days is None:
            raise fail(token.offset, 'within takes days as "<N>d", e.g. within="90d"')
        node["window"] = {"last_days": int(days.group(1))}
    if "since" in named or "until" in named:
        if "within" in named:
            raise fail(call.offset, "give within, or since/until, not both")
        node["window"] = {k: named[k][1] for k in ("since", "until") if k in named}
    if "where" in named:
        node["where"] = named["where"][1]


def _no_named(call: Token, named: dict[str, Any], allowed: tuple[str, ...] = ()) -> None:
    for key, (token, _value) in named.items():
        if key not in allowed:
            raise fail(token.offset, f"{call.text}(...) takes no argument {key!r}")


def _build(
    parser: Parser, call: Token, positional: list[Token], named: dict[str, Any]
) -> dict[str, Any]:
    name = call.text
    if name in VALUE_CALLS:
        _no_named(call, named)
        (value_name,) = _strings(call, positional, 1, "one name as a string")
        compared = parser.comparison()
        if compared is None:
            raise fail(parser.token.offset, f"expected a comparison after {name}(...)")
        return {
            "kind": VALUE_CALLS[name],
            "name": value_name,
            "op": compared[0],
            "value": compared[1],
        }
    if name in ("performed", "never"):
        (event,) = _strings(call, positional, 1, "the event name as a string")
        node: dict[str, Any] = {"kind": "performed", "event": event}
        _window(call, named, node)
        compared = parser.comparison() if name == "performed" else ("eq", 0)
        node["op"], node["value"] = compared or ("gte", 1)
        return node
    if name in AGGREGATES:
        event, prop = _strings(call, positional, 2, "the event name and the property")
        node = {"kind": "aggregate", "fn": name, "event": event, "property": prop}
        _window(call, named, node)
        return _compared(parser, call, node)
    if name in ("first", "last"):
        (event,) = _strings(call, positional, 1, "the event name as a string")
        node = {"kind": "occurrence", "which": name, "event": event}
        _window(call, named, node)
        return _compared(parser, call, node)
    if name == "has_identifier":
        _no_named(call, named)
        (kind,) = _strings(call, positional, 1, "an identifier type as a string")
        return {"kind": "identifier", "type": kind}
    if name == "reachable":
        _no_named(call, named, ("purpose",))
        (channel,) = _strings(call, positional, 1, "a channel as a string")
        node = {"kind": "reachable", "channel": channel}
        if "purpose" in named:
            node["purpose"] = named["purpose"][1]
        return node
    if name == "in_segment":
        _no_named(call, named)
        (segment,) = _strings(call, positional, 1, "a segment name as a string")
        return {"kind": "in_segment", "segment": segment}
    if name == "bucket":
        _no_named(call, named)
        (salt,) = _strings(call, positional, 1, "a salt as a string")
        return _compared(parser, call, {"kind": "bucket", "salt": salt})
    raise fail(
        call.offset,
        f"unknown condition {name!r}; accepted: trait, computed, stat, exists, performed, never, "
        "sum, avg, min, max, first, last, has_identifier, reachable, in_segment, bucket",
    )


def _compared(parser: Parser, call: Token, node: dict[str, Any]) -> dict[str, Any]:
    compared = parser.comparison()
    if compared is None:
        raise fail(parser.token.offset, f"expected a comparison after {call.text}(...)")
    node["op"], node["value"] = compared
    return node


def parse_text(source: str) -> Condition:
    """The condition a text form describes, or SegmentDefinitionInvalid at a character."""
    return parse_condition(Parser(source).document())


def text_to_json(source: str) -> dict[str, Any]:
    return Parser(source).document()
