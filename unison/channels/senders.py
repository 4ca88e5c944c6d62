"""The outbound adapters this installation can use, by channel, from its settings."""

from unison.channels.smtp import SmtpSender
from unison.kit.settings import Settings
from unison.messaging.envelope import Sender


def configured_senders(settings: Settings) -> dict[str, Sender]:
    senders: dict[str, Sender] = {}
    if settings.smtp_host:
        senders["email"] = SmtpSender(settings)
    return senders
