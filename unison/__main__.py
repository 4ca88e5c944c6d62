"""`python -m unison` runs the CLI."""

from unison.cli import app

app()
