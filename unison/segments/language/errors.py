"""Errors of the definition language: each names the JSON path or character offset."""

from unison.kit.errors import InvalidParameter


class SegmentDefinitionInvalid(InvalidParameter):
    """A definition that does not parse or does not make sense; `field` holds the JSON path
    (`$.all[1].op`) or the character offset in the text form (`text@42`)."""
