"""What is searchable about a profile, and what a query asks for: pure text rules.

Everything is NFKC-normalized and case-folded by Python on both sides, so matching is
case-insensitive in every script with case (Latin, Cyrillic, Armenian, Georgian Mtavruli,
Greek...) and the stores compare plain code points.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

IDENT = "i"  # an identifier's value: exact match ranks first
NAME = "n"  # a word of a name, or the whole name
MAX_KEY = 255
MIN_SUBSTRING = 3  # trigrams: shorter fragments match by prefix only
NAME_TRAITS = ("name", "first_name", "last_name", "firstName", "lastName")
_WORDS = re.compile(r"[\W_]+")
_PHONE_CHARS = frozenset("0123456789+-(). /")


def fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@lru_cache(maxsize=65_536)
def phone_keys(e164: str) -> tuple[str, ...]:
    """The digits with the country code, and the national number (what people type)."""
    digits = e164.lstrip("+")
    try:
        national = phonenumbers.national_significant_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return (digits,)
    return (digits, national) if national and national != digits else (digits,)


@dataclass(frozen=True)
class Entries:
    keys: set[tuple[str, str]]  # (field, key)
    body: str  # the text substrings are found in


def entries(names: list[str], identifiers: list[tuple[str, str]]) -> Entries:
    keys: set[tuple[str, str]] = set()
    body: list[str] = []
    for name in names:
        whole = fold(name)
        if not whole:
            continue
        body.append(whole)
        keys.add((NAME, whole[:MAX_KEY]))
        keys.update((NAME, word[:MAX_KEY]) for word in _WORDS.split(whole) if word)
    for kind, value in identifiers:
        folded = fold(value)
        if kind == "phone":
            found = phone_keys(value)
            keys.update((IDENT, digits) for digits in found)
            body.append(found[0])
        elif folded:
            keys.add((IDENT, folded[:MAX_KEY]))
            body.append(folded)
    return Entries(keys, "\n".join(dict.fromkeys(body)))


def names_of(traits: dict[str, object]) -> list[str]:
    found = []
    for name in NAME_TRAITS:
        stored = traits.get(name)
        value = stored.get("value") if isinstance(stored, dict) else None
        if isinstance(value, str):
            found.append(value)
    return found


PROBE = 6  # characters of a long fragment the trigram index is asked for (4 trigrams)


def names_changed(traits: dict[str, Any], event_ids: set[int]) -> bool:
    """Whether one of these events set a name trait (traits carry their event's id)."""
    for name in NAME_TRAITS:
        stored = traits.get(name)
        if isinstance(stored, dict) and stored.get("event_id") in event_ids:
            return True
    return False


@dataclass(frozen=True)
class Query:
    keys: tuple[str, ...]  # whole terms: exact and prefix matches
    fragment: str  # substring matches ("" when too short)

    @property
    def probe(self) -> str:
        """The part of the fragment to look up in the trigram index; the rest is checked on
        the rows found. A trigram lookup costs about the sum of its trigrams' posting lists,
        and a long fragment's common trigrams (a country code, "dze", "example") cost the
        most while selecting the least: a 6-character window with the most digits, else the
        last one (the start of what people type is the part most shared with others)."""
        if len(self.fragment) <= PROBE:
            return self.fragment
        windows = [self.fragment[i : i + PROBE] for i in range(len(self.fragment) - PROBE + 1)]
        return max(reversed(windows), key=lambda w: sum(ch.isdigit() for ch in w))


def parse(q: str) -> Query:
    """A phone typed any way (spaces, dashes, parentheses, +country code, 00 or a trunk 0)
    becomes digits; anything else is matched as folded text."""
    text = fold(q)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= MIN_SUBSTRING and set(text) <= _PHONE_CHARS:
        variants = [digits]
        if digits.startswith("00"):  # international call prefix
            variants = [digits[2:]]
        elif digits.startswith("0") and not text.startswith("+"):  # trunk prefix
            variants.append(digits.lstrip("0"))
        keys = tuple(v for v in dict.fromkeys(variants) if v)
        fragment = keys[-1]
    else:
        keys, fragment = (text[:MAX_KEY],), text
    return Query(keys, fragment if len(fragment) >= MIN_SUBSTRING else "")


def rank_of(field: str, key: str, query: Query) -> int | None:
    """0 an identifier equal to the query, 1 an identifier starting with it, 2 a name (or a
    word of it) starting with it; None if the key does not match (substrings rank 3)."""
    if not any(key.startswith(k) for k in query.keys):
        return None
    if field == NAME:
        return 2
    return 0 if key in query.keys else 1
