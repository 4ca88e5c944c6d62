"""The console's catalogues: every key in every language, and placeholders kept."""

import json
import re

import pytest

from unison.console.i18n import LANGUAGES, LOCALES

PLACEHOLDER = re.compile(r"\{(\w+)\}")
ENGLISH: dict[str, str] = json.loads((LOCALES / "en.json").read_text("utf-8"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_is_translated_with_the_same_placeholders(language: str) -> None:
    messages: dict[str, str] = json.loads((LOCALES / f"{language}.json").read_text("utf-8"))
    assert sorted(messages) == sorted(ENGLISH), "keys missing or extra"
    for key, english in ENGLISH.items():
        assert set(PLACEHOLDER.findall(messages[key])) == set(PLACEHOLDER.findall(english)), key
        assert messages[key].strip(), key


def test_only_the_six_languages_have_catalogues() -> None:
    assert sorted(p.stem for p in LOCALES.glob("*.json")) == sorted(LANGUAGES)
