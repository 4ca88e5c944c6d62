"""Outbound email through an SMTP server (any provider's relay, or a local MTA): plain,
STARTTLS (UNISON_SMTP_STARTTLS) or implicit TLS (UNISON_SMTP_TLS, port 465), verified
against the system CAs or UNISON_SMTP_CA_FILE.

A message with rendered content (`subject`, `html`, `text`) leaves as multipart/alternative;
its HTML gets signed click-tracking redirects and an open pixel (messaging/tracking); a
marketing message carries `List-Unsubscribe` and `List-Unsubscribe-Post:
List-Unsubscribe=One-Click` (RFC 8058) pointing at consent's one-click link; with a DKIM key
configured the message is signed (dkimpy, rsa-sha256, relaxed/relaxed).

The standard library's smtplib is enough here: the delivery loop runs in its own thread, one
message at a time, so an async client would add nothing but an event loop to manage.
"""

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

import dkim

from unison.consent.preference_center import preferences
from unison.consent.vocabulary import SERVICE
from unison.kit.settings import Settings
from unison.messaging.templates.plaintext import text_of_html
from unison.messaging.tracking.links import rewrite
from unison.outbox.envelope import DeliveryFailed, Envelope

_SIGNED_HEADERS = [
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
]


class SmtpSender:
    channel = "email"
    idempotent = False  # relays do not drop a repeated Message-ID

    def __init__(self, settings: Settings) -> None:
        if settings.smtp_host is None:
            raise ValueError("UNISON_SMTP_HOST is not set")
        self.settings = settings
        self.host: str = settings.smtp_host
        self.rate_key = f"smtp:{self.host}:{settings.smtp_port}"

    def send(self, envelope: Envelope) -> str | None:
        message = self.compose(envelope)
        raw = self._signed(message)
        try:
            with self._connect() as smtp:
                if self.settings.smtp_starttls and not self.settings.smtp_tls:
                    smtp.starttls(context=self._tls())
                if self.settings.smtp_username and self.settings.smtp_password:
                    smtp.login(
                        self.settings.smtp_username,
                        self.settings.smtp_password.get_secret_value(),
                    )
                smtp.sendmail(parseaddr(self.settings.smtp_from)[1], [envelope.recipient], raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code = min(code for code, _ in exc.recipients.values())
            raise DeliveryFailed(
                f"SMTP {code}: recipient refused", permanent=code >= 500, unreachable=code >= 500
            ) from exc
        except smtplib.SMTPResponseException as exc:
            code = exc.smtp_code
            raise DeliveryFailed(f"SMTP {code}", permanent=code >= 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP connection failed: {type(exc).__name__}") from exc
        return str(message["Message-ID"])

    def _tls(self) -> ssl.SSLContext:
        ca = self.settings.smtp_ca_file
        return ssl.create_default_context(cafile=str(ca) if ca else None)

    def _connect(self) -> smtplib.SMTP:
        timeout, port = self.settings.smtp_timeout_seconds, self.settings.smtp_port
        if self.settings.smtp_tls:
            return smtplib.SMTP_SSL(self.host, port, timeout=timeout, context=self._tls())
        return smtplib.SMTP(self.host, port, timeout=timeout)

    def compose(self, envelope: Envelope) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.smtp_from
        message["To"] = envelope.recipient
        message["Subject"] = _subject(envelope)
        message["Date"] = formatdate(localtime=False, usegmt=True)
        # The same message always carries the same id: if a crash makes us send it again,
        # receiving systems (and people's mail clients) can see it is the same message.
        digest = hashlib.sha256(envelope.idempotency_key.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@unison>"
        if envelope.purpose and envelope.purpose != SERVICE and envelope.profile_id:
            url = preferences.unsubscribe_link(
                self.settings, envelope.profile_id, envelope.recipient, envelope.purpose
            )
            for name, value in preferences.list_unsubscribe_headers(url).items():
                message[name] = value
        self._body(message, envelope)
        message["Content-Language"] = envelope.language  # after: set_content resets Content-*
        return message

    def _body(self, message: EmailMessage, envelope: Envelope) -> None:
        content = envelope.content or {}
        html = content.get("html")
        if not isinstance(html, str) or not html:
            message.set_content(content.get("text") or envelope.body)  # UTF-8, QP or base64
            return
        text = content.get("text") or text_of_html(html)
        if envelope.meta is not None:  # messaging's messages are tracked; receipts join them
            html = rewrite(
                self.settings,
                html,
                envelope.message_id,
                opens=self.settings.email_track_opens,
                clicks=self.settings.email_track_clicks,
            )
        message.set_content(text)
        message.add_alternative(html, subtype="html")

    def _signed(self, message: EmailMessage) -> bytes:
        # CRLF on the wire (smtplib sends bytes as given), and what DKIM canonicalizes.
        raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        key, domain = self.settings.dkim_private_key, self.settings.dkim_domain
        if key is None or domain is None:
            return raw
        present = [h for h in _SIGNED_HEADERS if h.decode() in message]
        signature = dkim.sign(
            raw,
            self.settings.dkim_selector.encode(),
            domain.encode(),
            key.get_secret_value().encode(),
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=present,
        )
        return bytes(signature) + raw


def _subject(envelope: Envelope) -> str:
    found = (envelope.content or {}).get("subject")
    if isinstance(found, str) and found:
        return found
    return envelope.subject or envelope.body.split("\n", 1)[0][:78]
