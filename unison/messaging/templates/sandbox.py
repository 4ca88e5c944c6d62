"""The Jinja2 sandbox templates run in, and the check that refuses escapes at save time.

Every template compiles in an `ImmutableSandboxedEnvironment` (no attribute starting with
`_`, no mutation of lists or dicts, no unsafe callables) with a strict undefined that names
the missing variable by its whole path. Saving also walks the syntax tree and refuses what
can only be an attempt on Python internals (`''.__class__.__mro__`,
`cycler.__init__.__globals__`, `"{0.__class__}".format(x)`), so such a template is never
stored; the sandbox stays the guard at render time for whatever arrives another way.

Kinds of part: `text` and `html` (HTML autoescaped) carry customer-visible words and, in a
right-to-left locale, wrap every inserted value in a bidi isolate (U+2068...U+2069, `<bdi>`
in HTML) so a Latin name or a number cannot reorder the sentence around it; `plain` parts
(URLs, data, JSON) are inserted as they are.
"""

from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Literal

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateRuntimeError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing
from markupsafe import Markup, escape

from unison.messaging.templates.errors import TemplateSyntaxInvalid, TemplateUnsafe

Kind = Literal["text", "html", "plain"]
# Names that are not underscored yet lead to frames, code or string formatting internals.
UNSAFE_NAMES = frozenset(
    {
        "mro",
        "func_globals",
        "func_code",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "ag_code",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_back",
        "tb_frame",
        "tb_next",
        "co_code",
    }
)
# Called, these format strings with lookups of their own (`"{0.__class__}".format(x)`); a
# data key of that name (`event.properties.format`) may still be read.
FORMATTERS = frozenset({"format", "format_map"})
# Filters whose first argument (or `attribute=`) names an attribute to read on each item.
ATTRIBUTE_FILTERS = frozenset(
    {"attr", "map", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique", "min", "max"}
)
MAX_REPEAT = 100_000  # longest string or list `*` may build
MAX_RANGE = 10_000  # range() longer than this is refused (the sandbox's own bound is 100k)


class Vars(dict[str, Any]):
    """A context mapping that knows its path, so a missing key is named in full
    (`profile.traits.first_name`, not "'dict object' has no attribute")."""

    __slots__ = ("path",)

    def __init__(self, path: str, items: dict[str, Any]) -> None:
        super().__init__(items)
        self.path = path


def wrap(path: str, value: Any) -> Any:
    """Mappings become `Vars` (and lists are walked) so every missing key names its path."""
    if isinstance(value, Vars):
        return value
    if isinstance(value, dict):
        return Vars(path, {str(k): wrap(_join(path, k), v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return [wrap(f"{path}[{i}]", v) for i, v in enumerate(value)]
    return value


def _join(base: str, name: Any) -> str:
    if isinstance(name, str) and name.isidentifier():
        return f"{base}.{name}"
    return f"{base}[{name!r}]"


_IS_UNDEFINED = " is undefined"


class VariableMissing(UndefinedError):
    """A variable the template uses is not in the context; `variable` is its path."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.variable = message.split(_IS_UNDEFINED, 1)[0]


class Missing(StrictUndefined):
    """StrictUndefined whose error carries the variable's whole path."""

    __slots__ = ()

    def __init__(
        self,
        hint: str | None = None,
        obj: Any = missing,
        name: str | None = None,
        exc: type[TemplateRuntimeError] = UndefinedError,
    ) -> None:
        if exc is UndefinedError:  # not the sandbox's SecurityError for unsafe attributes
            hint = f"{_path_of(obj, name)}{_IS_UNDEFINED} (give a default: x | default(''))"
            exc = VariableMissing
        super().__init__(hint, obj, name, exc)


def _path_of(obj: Any, name: Any) -> str:
    if obj is missing:
        return str(name)
    return _join(obj.path if isinstance(obj, Vars) else type(obj).__name__, name)


def _limited_range(*args: int) -> range:
    found = range(*args)
    if len(found) > MAX_RANGE:
        raise SecurityError(f"range() longer than {MAX_RANGE} items is refused")
    return found


class Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 100:
            raise SecurityError("exponents above 100 are refused")
        if operator == "*":
            sized = [v for v in (left, right) if isinstance(v, str | list | tuple)]
            factor = [v for v in (left, right) if isinstance(v, int)]
            if sized and factor and len(sized[0]) * factor[0] > MAX_REPEAT:
                raise SecurityError(f"a repetition longer than {MAX_REPEAT} is refused")
        return super().call_binop(context, operator, left, right)


def _isolate_text(value: Any) -> Any:
    shown = str(value)
    return f"\u2068{shown}\u2069" if shown else shown


def _isolate_html(value: Any) -> Any:
    shown = escape(value)
    return Markup("<bdi>%s</bdi>") % shown if shown else shown


def _environment(kind: Kind, rtl: bool) -> Sandbox:
    env = Sandbox(autoescape=kind == "html", undefined=Missing, keep_trailing_newline=True)
    env.globals["range"] = _limited_range
    if rtl and kind == "text":
        env.finalize = _isolate_text
    elif rtl and kind == "html":
        env.finalize = _isolate_html
    return env


_ENVIRONMENTS = {
    (kind, rtl): _environment(kind, rtl)
    for kind in ("text", "html", "plain")
    for rtl in (False, True)
}


def environment(kind: Kind, rtl: bool = False) -> Sandbox:
    return _ENVIRONMENTS[(kind, rtl and kind != "plain")]


@lru_cache(maxsize=4096)
def compiled(kind: Kind, rtl: bool, source: str) -> Any:
    """The compiled template (sources are immutable once stored, so caching by text is
    safe; a broadcast compiles each part once)."""
    return environment(kind, rtl).from_string(source)


def check(source: str, kind: Kind, field: str) -> None:
    """Refuse a source that does not parse or reaches for internals; names field and line."""
    env = environment(kind)
    try:
        tree = env.parse(source)
        env.compile(tree)  # unknown filters and tests are found when compiling
    except TemplateSyntaxError as exc:
        raise TemplateSyntaxInvalid(
            f"{field}: line {exc.lineno}: {exc.message}", field=field
        ) from None
    except RecursionError:
        raise TemplateSyntaxInvalid(f"{field}: nested too deeply", field=field) from None
    for node, what in _unsafe(tree):
        raise TemplateUnsafe(
            f"{field}: line {node.lineno}: {what} is not allowed in templates "
            "(no names starting with '_', no str.format, no Python internals)",
            field=field,
        )


# A template stands alone: there is no loader, so nothing to extend, include or import.
_LOADING = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


def _unsafe(tree: nodes.Node) -> Iterator[tuple[nodes.Node, str]]:
    kinds = (nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Call, *_LOADING)
    for node in tree.find_all(kinds):
        if isinstance(node, _LOADING):
            yield node, f"{type(node).__name__.lower()} (templates stand alone)"
        elif isinstance(node, nodes.Getattr) and _bad_name(node.attr):
            yield node, f"attribute {node.attr!r}"
        elif isinstance(node, nodes.Getitem) and _bad_const(node.arg):
            yield node, f"item {_const(node.arg)!r}"
        elif isinstance(node, nodes.Call) and _calls_formatter(node):
            yield node, "calling str.format"
        elif isinstance(node, nodes.Filter) and node.name in ATTRIBUTE_FILTERS:
            yield from _unsafe_attribute_filter(node)


def _calls_formatter(node: nodes.Call) -> bool:
    return isinstance(node.node, nodes.Getattr) and node.node.attr in FORMATTERS


def _unsafe_attribute_filter(node: nodes.Filter) -> Iterator[tuple[nodes.Node, str]]:
    named = [kw.value for kw in node.kwargs if kw.key == "attribute"]
    if node.name in {"attr", "map", "selectattr", "rejectattr", "groupby"}:
        named += node.args[:1]
    if node.name == "attr" and not (named and isinstance(named[0], nodes.Const)):
        yield node, "the attr filter with a computed name"
    for argument in named:
        value = _const(argument)
        if isinstance(value, str) and (_bad_name(value) or value in FORMATTERS):
            yield node, f"{node.name}({value!r})"


def _const(node: nodes.Node) -> Any:
    return node.value if isinstance(node, nodes.Const) else None


def _bad_const(node: nodes.Node) -> bool:
    value = _const(node)
    return isinstance(value, str) and _bad_name(value)


def _bad_name(name: str) -> bool:
    return name.startswith("_") or name in UNSAFE_NAMES
