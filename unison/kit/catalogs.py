"""Message catalogues: one JSON file per language in a folder (`en.json`, `he.json`, ...),
each a map from a key to a string with `{name}` placeholders. A key a language lacks falls
back to the default language's string; a key no catalogue has is shown as itself (visible in
review, never an error page). The console and the preference center each keep their own."""

import json
from pathlib import Path


class Catalogs:
    def __init__(self, folder: Path, languages: tuple[str, ...], default: str) -> None:
        self.folder = folder
        self.languages = languages
        self.default = default
        # Read once per language, on first use. Two threads may both read a file the first
        # time; they store the same mapping.
        self._loaded: dict[str, dict[str, str]] = {}

    def catalog(self, language: str) -> dict[str, str]:
        """Every string of `language`, the default language's filling its gaps."""
        found = self._loaded.get(language)
        if found is None:
            path = self.folder / f"{language}.json"
            messages: dict[str, str] = json.loads(path.read_text("utf-8"))
            if language != self.default:
                messages = {**self.catalog(self.default), **messages}
            found = messages
            self._loaded[language] = found
        return found

    def text(self, language: str, key: str, **values: object) -> str:
        """The string for `key` in `language` (the default language when it is not one of
        ours), its `{name}` placeholders filled."""
        found = self.catalog(language if language in self.languages else self.default)
        template = found.get(key, key)
        return template.format(**values) if values else template
