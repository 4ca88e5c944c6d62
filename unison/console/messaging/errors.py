"""Errors of the messaging pages."""

from unison.kit.errors import InvalidParameter


class DraftInvalid(InvalidParameter):
    """A form value the editor cannot turn into a variant (JSON that does not parse, the
    same locale twice)."""
