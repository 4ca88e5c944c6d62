"""The outbox tests' customer profile, built through the real ingest path and processors."""

from tests.outbox.conftest import customer, process  # noqa: F401 - shared fixtures
