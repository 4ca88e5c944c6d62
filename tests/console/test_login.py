"""Logging in and out of the console, and what an anonymous browser is shown."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.console.conftest import PASSWORD, Login, csrf_of, log_in, make_user


class TestLogin:
    def test_right_password_opens_a_session_and_goes_to_next(
        self, console: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "Нина", "marketer")
        answer = log_in(console, "Нина", next_url="/console/account/password")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/account/password"
        cookie = answer.headers["set-cookie"]
        assert "unison_console=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        home = console.get("/console/")
        assert home.status_code == 200
        assert "Нина" in home.text

    def test_wrong_password_and_unknown_name_get_the_same_answer(
        self, console: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "ana", "analyst")
        wrong_password = log_in(console, "ana", "not the password")
        unknown_name = log_in(console, "nobody", PASSWORD)
        assert wrong_password.status_code == unknown_name.status_code == 401
        for answer in (wrong_password, unknown_name):
            assert "Wrong name or password." in answer.text
            assert "unison_console=" not in answer.headers.get("set-cookie", "")
        assert console.get("/console/", follow_redirects=False).status_code == 303

    def test_disabled_user_cannot_log_in(
        self, console: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        from unison.auth.staff import set_disabled
        from unison.kit.db import transaction

        make_user(sessions, "gone", "agent")
        with transaction(sessions) as session:
            set_disabled(session, "gone", True)
        assert log_in(console, "gone").status_code == 401

    def test_login_form_without_its_token_is_refused(
        self, console: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "eve", "admin")
        answer = console.post(
            "/console/login",
            data={"name": "eve", "password": PASSWORD, "csrf_token": "forged"},
            follow_redirects=False,
        )
        assert answer.status_code == 403
        assert console.get("/console/", follow_redirects=False).status_code == 303

    def test_next_never_leaves_the_console(
        self, console: TestClient, sessions: sessionmaker[Session]
    ) -> None:
        make_user(sessions, "ada", "admin")
        answer = log_in(console, "ada", next_url="//evil.example/console")
        assert answer.headers["location"] == "/console/"


class TestAnonymous:
    def test_a_page_redirects_to_login_with_next(self, console: TestClient) -> None:
        answer = console.get("/console/account/password?from=menu", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == (
            "/console/login?next=%2Fconsole%2Faccount%2Fpassword%3Ffrom%3Dmenu"
        )

    def test_htmx_request_is_told_to_load_the_login_page(self, console: TestClient) -> None:
        answer = console.get("/console/", headers={"HX-Request": "true"}, follow_redirects=False)
        assert answer.status_code == 401
        assert answer.headers["HX-Redirect"].startswith("/console/login")


class TestLogout:
    def test_logout_ends_the_session(self, as_role: Login) -> None:
        client = as_role("agent")
        home = client.get("/console/")
        answer = client.post(
            "/console/logout", data={"csrf_token": csrf_of(home.text)}, follow_redirects=False
        )
        assert answer.status_code == 303
        assert client.get("/console/", follow_redirects=False).status_code == 303

    def test_logout_without_csrf_is_refused_and_the_session_stays(self, as_role: Login) -> None:
        client = as_role("agent")
        answer = client.post("/console/logout", data={"csrf_token": "x" * 64})
        assert answer.status_code == 403
        assert "The form has expired" in answer.text
        assert client.get("/console/").status_code == 200


class TestLanguage:
    def test_lang_sets_the_language_its_direction_and_a_cookie(self, console: TestClient) -> None:
        page = console.get("/console/login?lang=he-IL")
        assert '<html lang="he" dir="rtl">' in page.text
        assert "כניסה" in page.text
        assert "unison_lang=he" in page.headers["set-cookie"]
        again = console.get("/console/login")
        assert '<html lang="he" dir="rtl">' in again.text

    def test_an_unknown_language_falls_back_to_the_browser_then_english(
        self, console: TestClient
    ) -> None:
        page = console.get("/console/login?lang=xx", headers={"Accept-Language": "ka,en;q=0.5"})
        assert '<html lang="ka" dir="ltr">' in page.text
        assert "unison_lang" not in page.headers.get("set-cookie", "")
        assert '<html lang="en"' in console.get("/console/login?lang=xx").text

    def test_pages_forbid_framing_and_foreign_scripts(self, console: TestClient) -> None:
        headers = console.get("/console/login").headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["cache-control"] == "no-store"
