"""The composition root: the only package that imports every domain. It builds the HTTP
app (`create_app`) and the one list of background loops (`loops.background_loops`) that
both `unison serve` and `unison worker` start (docs/architecture.md)."""

from unison.app.http import create_app

__all__ = ["create_app"]
