"""Every domain above consent adds its exporter and eraser to consent's privacy registry when
its `privacy` module is imported. Importing this module imports them all: the HTTP app and
the command line do, so an export or an erasure covers every table wherever it is started.
Consent's own tables register in `unison/consent/privacy/domains.py`."""

from unison.inbox import privacy as inbox_privacy
from unison.messaging import privacy as messaging_privacy
from unison.segments import privacy as segments_privacy

REGISTERED = (inbox_privacy.__name__, messaging_privacy.__name__, segments_privacy.__name__)
