"""The value pages read what a real CLV refresh wrote: events through the API, the
processors, then the refresh (the CLV tests' fixtures)."""

from tests.clv.conftest import client, process, send, settings

__all__ = ["client", "process", "send", "settings"]
