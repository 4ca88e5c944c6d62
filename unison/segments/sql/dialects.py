# ruff: noqa: S608 - SQL from this module's own fragments; every value is a bound parameter
"""SQLAlchemy Core elements whose SQL differs between SQLite and PostgreSQL: how each
store reads JSON values, moments and hashes. The compiler (compile_sql.py) builds its
statements from these and SQLAlchemy's own constructs; `@compiles` renders each element
for the dialect of the connection that runs it.

A reference to a JSON value is (document, path): SQLite reads it with json_type /
json_extract and a `$."key".sub` path; PostgreSQL with `->` steps on jsonb.

Every element here holds plain Python values that SQLAlchemy's statement cache cannot
see, so none is cacheable (`inherit_cache = False`): a statement holding one is compiled
at each execution, as the hand-assembled text was.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Float, String, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Join
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.types import TypeEngine

from unison.kit.db import sqlite_time

Sql = ColumnElement[Any]


def bound(value: Any) -> Sql:
    """A bind parameter typed by the Python value (PostgreSQL casts it accordingly: an int
    as bigint, never as a 32-bit integer that a large value would overflow)."""
    kind: TypeEngine[Any]
    if isinstance(value, bool):
        kind = Boolean()
    elif isinstance(value, int):
        kind = BigInteger()
    elif isinstance(value, float):
        kind = Float()
    else:
        kind = String()
    return literal(value, kind)


@dataclass(frozen=True)
class Ref:
    document: Sql  # a JSON document (a column or a scalar subquery)
    path: tuple[str, ...]  # keys under it


class _Element(ColumnElement[Any]):
    """SQLAlchemy asks each subclass to say it again: `inherit_cache = False`."""

    inherit_cache = False


def _pg(compiler: SQLCompiler) -> bool:
    return compiler.dialect.name == "postgresql"


def _sql(compiler: SQLCompiler, element: Any, **kw: Any) -> str:
    return str(compiler.process(element, **kw))


# --- JSON values ---------------------------------------------------------------------
def _sqlite_path(ref: Ref) -> str:
    return "$" + "".join(
        f'."{key}"' if key != "value" or i == 0 else ".value" for i, key in enumerate(ref.path)
    )


def _jsonb(compiler: SQLCompiler, ref: Ref, **kw: Any) -> str:
    steps = "".join(
        " -> 'value'" if key == "value" and i > 0 else f" -> {_sql(compiler, bound(key), **kw)}"
        for i, key in enumerate(ref.path)
    )
    return f"({_sql(compiler, ref.document, **kw)}{steps})"


def _sqlite_args(compiler: SQLCompiler, ref: Ref, **kw: Any) -> str:
    path = _sql(compiler, bound(_sqlite_path(ref)), **kw)
    return f"{_sql(compiler, ref.document, **kw)}, {path}"


_SQLITE_KINDS = {
    "present": "<> 'null'",
    "text": "= 'text'",
    "number": "IN ('integer', 'real')",
    "bool": "IN ('true', 'false')",
    "array": "= 'array'",
}
_PG_KINDS = {
    "present": "<> 'null'",
    "text": "= 'string'",
    "number": "= 'number'",
    "bool": "= 'boolean'",
    "array": "= 'array'",
}


class JsonIs(_Element):
    """The referenced value exists and has this JSON kind (present, text, number, bool,
    array); NULL when the document is missing."""

    inherit_cache = False

    type = Boolean()

    def __init__(self, ref: Ref, kind: str) -> None:
        self.ref, self.kind = ref, kind


@compiles(JsonIs)
def _json_is(element: JsonIs, compiler: SQLCompiler, **kw: Any) -> str:
    if _pg(compiler):
        return f"(jsonb_typeof({_jsonb(compiler, element.ref, **kw)}) {_PG_KINDS[element.kind]})"
    args = _sqlite_args(compiler, element.ref, **kw)
    return f"(json_type({args}) {_SQLITE_KINDS[element.kind]})"


_VALUE_TYPES: dict[str, TypeEngine[Any]] = {"text": String(), "number": Float(), "bool": Boolean()}


class JsonValue(_Element):
    """The referenced value read as text, number or boolean (meaningful once its kind is
    checked with JsonIs)."""

    inherit_cache = False

    def __init__(self, ref: Ref, as_: str) -> None:
        self.ref, self.as_ = ref, as_
        self.type = _VALUE_TYPES[as_]


_PG_CASTS = {"text": "", "number": "double precision", "bool": "boolean"}


@compiles(JsonValue)
def _json_value(element: JsonValue, compiler: SQLCompiler, **kw: Any) -> str:
    if not _pg(compiler):
        return f"json_extract({_sqlite_args(compiler, element.ref, **kw)})"
    text = f"({_jsonb(compiler, element.ref, **kw)} #>> '{{}}')"
    cast = _PG_CASTS[element.as_]
    return f"CAST({text} AS {cast})" if cast else text


class ArrayHas(_Element):
    """The referenced JSON array holds this scalar (same kind, same value)."""

    inherit_cache = False

    type = Boolean()

    def __init__(self, ref: Ref, item: Any) -> None:
        self.ref, self.item = ref, item


@compiles(ArrayHas)
def _array_has(element: ArrayHas, compiler: SQLCompiler, **kw: Any) -> str:
    item = element.item
    if _pg(compiler):
        wanted = f"CAST({_sql(compiler, bound(json.dumps([item])), **kw)} AS jsonb)"
        return f"({_jsonb(compiler, element.ref, **kw)} @> {wanted})"
    kind = (
        "'text'"
        if isinstance(item, str)
        else "'true', 'false'"
        if isinstance(item, bool)
        else "'integer', 'real'"
    )
    value = _sql(compiler, bound(int(item) if isinstance(item, bool) else item), **kw)
    return (
        f"EXISTS (SELECT 1 FROM json_each({_sqlite_args(compiler, element.ref, **kw)}) j "
        f"WHERE j.type IN ({kind}) AND j.value = {value})"
    )


# --- text -------------------------------------------------------------------------------
class TextTest(_Element):
    """`contains`, `starts_with` or an order comparison (`<`, `<=`, `>`, `>=`) of a text
    against a string, by code points on both stores."""

    inherit_cache = False

    type = Boolean()

    def __init__(self, text: Sql, test: str, value: str) -> None:
        self.text, self.test, self.value = text, test, value


@compiles(TextTest)
def _text_test(element: TextTest, compiler: SQLCompiler, **kw: Any) -> str:
    text = _sql(compiler, element.text, **kw)
    value = _sql(compiler, bound(element.value), **kw)
    pg = _pg(compiler)
    if element.test == "contains":
        return f"(strpos({text}, {value}) > 0)" if pg else f"(instr({text}, {value}) > 0)"
    if element.test == "starts_with":
        first = "left" if pg else "substr"
        start = "" if pg else "1, "
        return f"({first}({text}, {start}length({value})) = {value})"
    collate = ' COLLATE "C"' if pg else ""  # SQLite's BINARY already orders by code point
    return f"({text}{collate} {element.test} {value})"


# --- moments ----------------------------------------------------------------------------
class Moment(_Element):
    """A moment as a bind comparable with the store's timestamp columns."""

    inherit_cache = False

    def __init__(self, moment: datetime) -> None:
        self.moment = moment


@compiles(Moment)
def _moment(element: Moment, compiler: SQLCompiler, **kw: Any) -> str:
    if _pg(compiler):
        moment = literal(element.moment, DateTime(timezone=True))
        return f"CAST({_sql(compiler, moment, **kw)} AS timestamptz)"
    return _sql(compiler, bound(sqlite_time(element.moment)), **kw)


class MomentOf(_Element):
    """A text value read as a moment (NULL when it is not one), comparable with
    MomentParam."""

    inherit_cache = False

    def __init__(self, text: Sql) -> None:
        self.text = text


@compiles(MomentOf)
def _moment_of(element: MomentOf, compiler: SQLCompiler, **kw: Any) -> str:
    text = _sql(compiler, element.text, **kw)
    if _pg(compiler):
        return f"unison_try_timestamptz({text})"
    return (
        f"(CASE WHEN {text} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
        f"THEN julianday({text}) END)"
    )


class MomentParam(_Element):
    """A moment comparable with MomentOf."""

    inherit_cache = False

    def __init__(self, moment: datetime) -> None:
        self.moment = moment


@compiles(MomentParam)
def _moment_param(element: MomentParam, compiler: SQLCompiler, **kw: Any) -> str:
    moment = _sql(compiler, Moment(element.moment), **kw)
    return moment if _pg(compiler) else f"julianday({moment})"


# --- other ----------------------------------------------------------------------------
class RevenueTotal(_Element):
    """The sum of a revenue-by-currency JSON object's values."""

    inherit_cache = False

    type = Float()

    def __init__(self, column: Sql) -> None:
        self.column = column


@compiles(RevenueTotal)
def _revenue_total(element: RevenueTotal, compiler: SQLCompiler, **kw: Any) -> str:
    column = _sql(compiler, element.column, **kw)
    if _pg(compiler):
        return (
            "(SELECT coalesce(sum(CAST(value AS double precision)), 0) "
            f"FROM jsonb_each_text({column}))"
        )
    return f"(SELECT total(value) FROM json_each({column}))"


class BucketOf(_Element):
    """A profile's bucket 0..99 for a salt (the same hash as values.bucket)."""

    inherit_cache = False

    type = BigInteger()

    def __init__(self, salt: str, profile_id: Sql) -> None:
        self.salt, self.profile_id = salt, profile_id


@compiles(BucketOf)
def _bucket(element: BucketOf, compiler: SQLCompiler, **kw: Any) -> str:
    salt = _sql(compiler, bound(element.salt), **kw)
    profile_id = _sql(compiler, element.profile_id, **kw)
    if not _pg(compiler):
        return f"unison_bucket({salt}, {profile_id})"  # registered by the repository
    digest = f"md5({salt} || ':' || CAST({profile_id} AS text))"
    # mod() rather than `%`, which the pyformat driver would read as a placeholder
    return f"mod(CAST(CAST(('x' || substr({digest}, 1, 8)) AS bit(32)) AS bigint), 100)"


class InIds(_Element):
    """`column IN (ids)` with the ids bound as one JSON array: one parameter however many
    profiles consent allows."""

    inherit_cache = False

    type = Boolean()

    def __init__(self, column: Sql, ids: list[int]) -> None:
        self.column, self.ids = column, ids


@compiles(InIds)
def _in_ids(element: InIds, compiler: SQLCompiler, **kw: Any) -> str:
    column = _sql(compiler, element.column, **kw)
    ids = _sql(compiler, bound(json.dumps(element.ids)), **kw)
    if _pg(compiler):
        elements = f"jsonb_array_elements_text(CAST({ids} AS jsonb))"
        return f"({column} IN (SELECT CAST({elements} AS bigint)))"
    return f"({column} IN (SELECT value FROM json_each({ids})))"


class CrossJoin(Join):
    """`a CROSS JOIN b`: standard SQL, and SQLite's way of saying "drive from the left
    table" (its planner otherwise may pick the other order); PostgreSQL plans it like any
    inner join."""

    inherit_cache = True

    def __init__(self, left: FromClause, right: FromClause) -> None:
        super().__init__(left, right, onclause=literal(True))


@compiles(CrossJoin)
def _cross_join(element: CrossJoin, compiler: SQLCompiler, **kw: Any) -> str:
    kw["asfrom"] = True
    return f"{_sql(compiler, element.left, **kw)} CROSS JOIN {_sql(compiler, element.right, **kw)}"
