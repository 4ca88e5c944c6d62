"""Outbound email through an SMTP server (any provider's relay, or a local MTA).

The standard library's smtplib is enough here: the delivery loop runs in its own thread, one
message at a time, so an async client would add nothing but an event loop to manage.
"""

import hashlib
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from unison.kit.settings import Settings
from unison.outbox.envelope import DeliveryFailed, Envelope


class SmtpSender:
    channel = "email"

    def __init__(self, settings: Settings) -> None:
        if settings.smtp_host is None:
            raise ValueError("UNISON_SMTP_HOST is not set")
        self.settings = settings
        self.host: str = settings.smtp_host

    def send(self, envelope: Envelope) -> None:
        message = self._compose(envelope)
        try:
            with smtplib.SMTP(
                self.host, self.settings.smtp_port, timeout=self.settings.smtp_timeout_seconds
            ) as smtp:
                if self.settings.smtp_starttls:
                    smtp.starttls()
                if self.settings.smtp_username and self.settings.smtp_password:
                    smtp.login(
                        self.settings.smtp_username,
                        self.settings.smtp_password.get_secret_value(),
                    )
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code = min(code for code, _ in exc.recipients.values())
            raise DeliveryFailed(f"SMTP {code}: recipient refused", permanent=code >= 500) from exc
        except smtplib.SMTPResponseException as exc:
            code = exc.smtp_code
            raise DeliveryFailed(f"SMTP {code}", permanent=code >= 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP connection failed: {type(exc).__name__}") from exc

    def _compose(self, envelope: Envelope) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = envelope.recipient
        message["Subject"] = envelope.subject or envelope.body.split("\n", 1)[0][:78]
        message["Date"] = formatdate(localtime=False, usegmt=True)
        # The same message always carries the same id: if a crash makes us send it again,
        # receiving systems (and people's mail clients) can see it is the same message.
        digest = hashlib.sha256(envelope.idempotency_key.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@unison>"
        message.set_content(envelope.body)  # UTF-8, quoted-printable or base64 as needed
        message["Content-Language"] = envelope.language  # after: set_content resets Content-*
        return message
