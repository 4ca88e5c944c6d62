"""The inbox tests reuse the channel fixtures: real webhooks in, processors drained."""

from tests.channels.conftest import (  # noqa: F401 - fixtures
    client,
    hooks,
    process,
    settings,
    telegram_bot,
    viber_bot,
    whatsapp_number,
)
