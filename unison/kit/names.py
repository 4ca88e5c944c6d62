"""The names people give configuration rows (API tokens, sources): one rule for all of them."""

from unison.kit.errors import UnisonError

MAX_NAME = 100


def printable_name(name: str, error: type[UnisonError]) -> str:
    """The name without surrounding spaces, or `error` if it is empty, too long or not printable."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise error(f"name must be 1-{MAX_NAME} printable characters", field="name")
    return name
