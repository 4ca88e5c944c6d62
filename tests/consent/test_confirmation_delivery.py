"""Double opt-in end to end: the confirmation email leaves through a real SMTP server in the
customer's language, and its link turns the pending grant into a granted one."""

import re
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from tests.consent.conftest import Api, identify
from tests.smtp import smtp_server
from unison.channels.senders import configured_senders
from unison.kit.settings import Settings
from unison.outbox.delivery import deliver_due

EMAIL = "nino@example.ge"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class TestDoubleOptInEmail:
    def test_the_confirmation_email_arrives_in_georgian_and_its_link_confirms(
        self,
        api: Api,
        process: Callable[[], int],
        settings: Settings,
        sessions: sessionmaker[Session],
    ) -> None:
        api.send(identify("u-nino", "n1", email=EMAIL, name="ნინო ბერიძე"))
        process()
        pid = api.profile_of("email", EMAIL)
        link = api.post(f"/api/profiles/{pid}/preference-link?language=ka", None).json()["url"]
        path = link.removeprefix("https://unison.example")
        assert api.client.post(path, content="c:newsletter:email=on", headers=FORM).is_success
        assert api.decision(pid, "newsletter", "email")["reason"] == "pending_confirmation"

        with smtp_server() as (mailbox, port):
            configured = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
            senders = configured_senders(configured)
            assert deliver_due(sessions, configured, senders) == 1
            assert deliver_due(sessions, configured, senders) == 0  # never twice
        (mail,) = mailbox.messages
        assert mail["To"] == EMAIL
        assert mail["Subject"] == "დაადასტურეთ გამოწერა"
        body = mail.get_content()
        assert "დაადასტურეთ" in body
        url = re.search(r"https://\S+", body)
        assert url is not None
        confirm = url.group(0).removeprefix("https://unison.example")
        assert api.client.post(confirm, content="", headers=FORM).status_code == 200
        assert api.decision(pid, "newsletter", "email")["allowed"]
