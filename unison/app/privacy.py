"""Every domain above consent adds its exporter and eraser to consent's privacy registry when
its `privacy` module is imported. Importing this module imports them all: the HTTP app and
the command line do, so an export or an erasure covers every table wherever it is started.
Consent's own tables register in `unison/consent/privacy/domains.py`."""

# Imported for their effect: each module registers its domain with consent's registry.
from unison.inbox import privacy as _inbox  # noqa: F401
from unison.messaging import privacy as _messaging  # noqa: F401
from unison.segments import privacy as _segments  # noqa: F401
