# ruff: noqa: S608 - SQL assembled from this package's own fragments; every value is bound
"""The repository's dialect layer: how SQLite and PostgreSQL read JSON values, moments and
hashes. The compiler (compile_sql.py) speaks only through these methods, so every
dialect-specific fragment lives here.

A reference to a JSON value is (document SQL, path): SQLite reads it with json_type /
json_extract and a `$."key".sub` path; PostgreSQL with `->` steps on jsonb.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from unison.kit.db import sqlite_time


@dataclass
class Params:
    """Bind parameters of one statement, named p0, p1, ..."""

    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return name


@dataclass(frozen=True)
class Ref:
    document: str  # SQL of a JSON document (a column or a scalar subquery)
    path: tuple[str, ...]  # keys under it


class Dialect:
    name = "sqlite"
    # SQLite turns a bare top-level `p.id IN (subquery)` into lookups by id; PostgreSQL
    # plans it as a semi-join that misjudges the sizes, and runs the wrapped form (a hashed
    # subplan, computed once) 1.2 s on 1M profiles / 20M events.
    bare_conjuncts = True

    def __init__(self, params: Params) -> None:
        self.params = params

    def bind(self, value: Any) -> str:
        return ":" + self.params.add(value)

    def text_param(self, value: str) -> str:
        return self.bind(value)

    def time(self, moment: datetime) -> str:
        return self.bind(sqlite_time(moment))

    # --- JSON values -----------------------------------------------------------------
    def _path(self, ref: Ref) -> str:
        parts = "".join(
            f'."{key}"' if key != "value" or i == 0 else ".value" for i, key in enumerate(ref.path)
        )
        return self.bind("$" + parts)

    def json_type(self, ref: Ref) -> str:
        return f"json_type({ref.document}, {self._path(ref)})"

    def present(self, ref: Ref) -> str:
        return f"({self.json_type(ref)} <> 'null')"

    def is_text(self, ref: Ref) -> str:
        return f"({self.json_type(ref)} = 'text')"

    def is_number(self, ref: Ref) -> str:
        return f"({self.json_type(ref)} IN ('integer', 'real'))"

    def is_bool(self, ref: Ref) -> str:
        return f"({self.json_type(ref)} IN ('true', 'false'))"

    def is_array(self, ref: Ref) -> str:
        return f"({self.json_type(ref)} = 'array')"

    def value(self, ref: Ref) -> str:
        return f"json_extract({ref.document}, {self._path(ref)})"

    def text(self, ref: Ref) -> str:
        return self.value(ref)

    def number(self, ref: Ref) -> str:
        return self.value(ref)

    def boolean(self, ref: Ref) -> str:
        return self.value(ref)

    def bool_param(self, value: bool) -> str:
        return self.bind(1 if value else 0)

    def array_has(self, ref: Ref, item: Any) -> str:
        kind = (
            "'text'"
            if isinstance(item, str)
            else "'true', 'false'"
            if isinstance(item, bool)
            else "'integer', 'real'"
        )
        bound = self.bind(int(item) if isinstance(item, bool) else item)
        return (
            f"EXISTS (SELECT 1 FROM json_each({ref.document}, {self._path(ref)}) j "
            f"WHERE j.type IN ({kind}) AND j.value = {bound})"
        )

    def contains_text(self, text_sql: str, needle: str) -> str:
        return f"(instr({text_sql}, {self.bind(needle)}) > 0)"

    def starts_with(self, text_sql: str, prefix: str) -> str:
        bound = self.bind(prefix)
        return f"(substr({text_sql}, 1, length({bound})) = {bound})"

    def text_order(self, text_sql: str, symbol: str, value: str) -> str:
        return f"({text_sql} {symbol} {self.bind(value)})"  # BINARY: code-point order

    def moment_of(self, text_sql: str) -> str:
        """A text value read as a moment (NULL when it is not one), comparable with time()."""
        return (
            f"(CASE WHEN {text_sql} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
            f"THEN julianday({text_sql}) END)"
        )

    def moment_param(self, moment: datetime) -> str:
        return f"julianday({self.time(moment)})"

    def month_day(self, text_sql: str) -> str:
        return f"substr({text_sql}, 6, 5)"

    # --- other ----------------------------------------------------------------------
    def revenue_total(self, column: str) -> str:
        return f"(SELECT total(value) FROM json_each({column}))"

    def bucket(self, id_sql: str, salt: str) -> str:
        return f"unison_bucket({self.bind(salt)}, {id_sql})"

    def id_set(self, ids: list[int]) -> str:
        return f"(SELECT value FROM json_each({self.bind(json.dumps(ids))}))"

    def false(self) -> str:
        return "0"


class PostgresDialect(Dialect):
    name = "postgresql"
    bare_conjuncts = False

    def text_param(self, value: str) -> str:
        return f"CAST({self.bind(value)} AS text)"

    def time(self, moment: datetime) -> str:
        return f"CAST({self.bind(moment)} AS timestamptz)"

    def _jsonb(self, ref: Ref) -> str:
        steps = "".join(
            " -> 'value'" if key == "value" and i > 0 else f" -> {self.text_param(key)}"
            for i, key in enumerate(ref.path)
        )
        return f"({ref.document}{steps})"

    def json_type(self, ref: Ref) -> str:
        return f"jsonb_typeof({self._jsonb(ref)})"

    def is_text(self, ref: Ref) -> str:
        return f"({self.json_type(ref)} = 'string')"

    def is_number(self, ref: Ref) -> str:
        return f"({self.json_type(ref)} = 'number')"

    def is_bool(self, ref: Ref) -> str:
        return f"({self.json_type(ref)} = 'boolean')"

    def value(self, ref: Ref) -> str:
        return f"({self._jsonb(ref)} #>> '{{}}')"

    def number(self, ref: Ref) -> str:
        return f"CAST({self.value(ref)} AS double precision)"

    def boolean(self, ref: Ref) -> str:
        return f"CAST({self.value(ref)} AS boolean)"

    def bool_param(self, value: bool) -> str:
        return f"CAST({self.bind(value)} AS boolean)"

    def array_has(self, ref: Ref, item: Any) -> str:
        return f"({self._jsonb(ref)} @> CAST({self.bind(json.dumps([item]))} AS jsonb))"

    def contains_text(self, text_sql: str, needle: str) -> str:
        return f"(strpos({text_sql}, {self.text_param(needle)}) > 0)"

    def starts_with(self, text_sql: str, prefix: str) -> str:
        bound = self.text_param(prefix)
        return f"(left({text_sql}, length({bound})) = {bound})"

    def text_order(self, text_sql: str, symbol: str, value: str) -> str:
        return f'({text_sql} COLLATE "C" {symbol} {self.text_param(value)})'

    def moment_of(self, text_sql: str) -> str:
        return f"unison_try_timestamptz({text_sql})"

    def moment_param(self, moment: datetime) -> str:
        return self.time(moment)

    def revenue_total(self, column: str) -> str:
        return (
            f"(SELECT coalesce(sum(CAST(value AS double precision)), 0) "
            f"FROM jsonb_each_text({column}))"
        )

    def bucket(self, id_sql: str, salt: str) -> str:
        digest = f"md5({self.text_param(salt)} || ':' || CAST({id_sql} AS text))"
        return f"(CAST(CAST(('x' || substr({digest}, 1, 8)) AS bit(32)) AS bigint) % 100)"

    def id_set(self, ids: list[int]) -> str:
        return (
            "(SELECT CAST(jsonb_array_elements_text("
            f"CAST({self.bind(json.dumps(ids))} AS jsonb)) AS bigint))"
        )

    def false(self) -> str:
        return "FALSE"


def dialect_for(name: str, params: Params) -> Dialect:
    return PostgresDialect(params) if name == "postgresql" else Dialect(params)
