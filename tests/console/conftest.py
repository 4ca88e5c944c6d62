"""Console fixtures: staff users, a client on http://localhost (where session cookies may go
without TLS), and logging in through the real login form."""

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from unison.app import create_app
from unison.auth.staff import create_user
from unison.kit.db import transaction
from unison.kit.settings import Settings

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

Login = Callable[..., TestClient]


def make_user(
    sessions: sessionmaker[Session], name: str, role: str, password: str = PASSWORD
) -> None:
    with transaction(sessions) as session:
        create_user(session, name, role, password)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture
def console(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    app = create_app(settings, background=False)
    with TestClient(app, base_url="http://localhost", raise_server_exceptions=False) as client:
        yield client


def log_in(
    client: TestClient, name: str, password: str = PASSWORD, next_url: str = "/console/"
) -> httpx.Response:
    form = client.get("/console/login")
    return client.post(
        "/console/login",
        data={
            "name": name,
            "password": password,
            "next": next_url,
            "csrf_token": csrf_of(form.text),
        },
        follow_redirects=False,
    )


@pytest.fixture
def as_role(console: TestClient, sessions: sessionmaker[Session]) -> Login:
    """`as_role("admin")`: a user of that role, logged in on the console client."""

    def login(role: str, name: str | None = None) -> TestClient:
        name = name or f"{role}-user"
        make_user(sessions, name, role)
        answer = log_in(console, name)
        assert answer.status_code == 303, answer.text
        return console

    return login
