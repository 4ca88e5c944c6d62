"""Computed traits: the values analyses write back per profile (the queries live in
profiles' repository; other domains write and read them through this module).

Producers (segments' aggregates, RFM, CLV) each own the names they write, tagged with their
`source`; readers (the 360 view, segments, templates) see them by name. Rows are keyed by the
live profile id; after a merge the producer rewrites the survivor's values.
"""

from unison.profiles.repository import computed_by_cohort as by_cohort
from unison.profiles.repository import computed_erase as erase
from unison.profiles.repository import computed_grouped as grouped
from unison.profiles.repository import computed_histogram as histogram
from unison.profiles.repository import computed_last_computed_at as last_computed_at
from unison.profiles.repository import computed_of_profile as of_profile
from unison.profiles.repository import computed_remove as remove
from unison.profiles.repository import computed_values as values
from unison.profiles.repository import computed_write as write
from unison.profiles.repository import computed_written_at as written_at

__all__ = [
    "by_cohort",
    "erase",
    "grouped",
    "histogram",
    "last_computed_at",
    "of_profile",
    "remove",
    "values",
    "write",
    "written_at",
]
