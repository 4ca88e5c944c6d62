"""The segment definition language: a JSON condition tree (pydantic models) and its text form."""

from unison.segments.language.errors import SegmentDefinitionInvalid
from unison.segments.language.nodes import Condition, TraitDefinition, parse_condition
from unison.segments.language.printer import to_text
from unison.segments.language.text import parse_text

__all__ = [
    "Condition",
    "SegmentDefinitionInvalid",
    "TraitDefinition",
    "parse_condition",
    "parse_text",
    "to_text",
]
