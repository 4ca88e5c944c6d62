"""Console read models over real processing: events through the API, the whole processor
chain drained by the test (the CLV tests' fixtures)."""

from tests.clv.conftest import client, process, send, settings

__all__ = ["client", "process", "send", "settings"]
