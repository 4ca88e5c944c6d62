"""The customer's browser and shop app: who is signed in where, and the events they send."""

from __future__ import annotations

from typing import Final

from unison.demo.clock import HOUR, MIN, OFFICE_HOUR_CUM, SEC, iso
from unison.demo.markets import format_phone
from unison.demo.timeline import Event, Timeline

_SIGNUP_METHODS: Final = ("email", "email", "google", "apple", "facebook")
_PLANS: Final = ("business", "business", "enterprise")


class Devices:
    """Page, screen, identify and track events from the web ("web") and the app ("mobile")."""

    def __init__(self, line: Timeline) -> None:
        self.line = line
        self.r = line.r
        self.person = line.person
        self.account_ms: int | None = None  # when they signed up
        self.logged_in = {"web": False, "mobile": False}
        self.referrer = ""
        self.page: dict[str, str] = {}

    def known(self, ts: int) -> bool:
        return self.account_ms is not None and ts > self.account_ms

    def ids(self, device: str) -> tuple[str | None, str]:
        p = self.person
        anon = p.web_anon if device == "web" else p.app_anon
        return (p.user_id if self.logged_in[device] else None), anon

    def context(self, device: str) -> Event:
        p = self.person
        if device == "web":
            return {"ip": p.web_ip, "userAgent": p.user_agent, "page": dict(self.page)}
        dtype, maker, model, os_name, os_version = p.phone_model
        version, build = p.app_version
        return {
            "ip": p.app_ip,
            "userAgent": f"UnisonShop/{version} ({model}; {os_name} {os_version})",
            "app": {
                "name": "Unison Shop",
                "version": version,
                "build": build,
                "namespace": "example.unison.shop",
            },
            "device": {"type": dtype, "manufacturer": maker, "model": model},
            "os": {"name": os_name, "version": os_version},
            "network": {"wifi": self.r.random() < 0.6},
        }

    def view(
        self,
        ts: int,
        device: str,
        name: str,
        path: str,
        title: str,
        *,
        search: str = "",
        campaign: Event | None = None,
        extra: Event | None = None,
    ) -> None:
        """A ``page`` on the web, a ``screen`` in the app."""
        user_id, anon = self.ids(device)
        if device == "web":
            page = {
                "path": path,
                "referrer": self.referrer,
                "search": search,
                "title": title,
                "url": f"{self.person.site}{path}{search}",
            }
            self.page = page
            self.referrer = page["url"]
            ctx = self.context(device)
            if campaign:
                ctx["campaign"] = campaign
            props: Event = dict(page)
            if extra:
                props.update(extra)
            self.line.emit(
                ts,
                "page",
                "web",
                {"name": name, "properties": props},
                user_id=user_id,
                anonymous_id=anon,
                context=ctx,
            )
        else:
            self.line.emit(
                ts,
                "screen",
                "mobile",
                {"name": name, "properties": dict(extra or {})},
                user_id=user_id,
                anonymous_id=anon,
                context=self.context(device),
            )

    def event(self, ts: int, device: str, name: str, props: Event) -> None:
        user_id, anon = self.ids(device)
        self.line.track(
            ts,
            device,
            name,
            props,
            user_id=user_id,
            anonymous_id=anon,
            context=self.context(device),
        )

    def signup(self, ts: int, device: str) -> int:
        r = self.r
        self.view(ts, device, "Sign Up", "/signup", self.person.text.ui["signup"])
        ts += r.randrange(30 * SEC, 3 * MIN)
        self.account_ms = ts
        self._identify(ts, device, signup=True)
        self.event(
            ts + r.randrange(50, 900), device, "Signed Up", {"method": r.choice(_SIGNUP_METHODS)}
        )
        if r.random() < 0.3:  # the tracking plan aliases the pre-sign-up anonymous id
            _, anon = self.ids(device)
            self.line.emit(
                ts + r.randrange(1_000, 2_000),
                "alias",
                device,
                {"previousId": anon, "userId": self.person.user_id},
                context=self.context(device),
            )
        return ts + 2 * SEC

    def login(self, ts: int, device: str) -> int:
        path, title = "/account/login", self.person.text.ui["account"]
        self.view(ts, device, "Log In", path, title)
        ts += self.r.randrange(15 * SEC, 90 * SEC)
        self._identify(ts, device, signup=False)
        return ts + SEC

    def _identify(self, ts: int, device: str, *, signup: bool) -> None:
        p = self.person
        if signup:
            traits: Event = {
                "first_name": p.first_name,
                "last_name": p.last_name,
                "name": f"{p.first_name} {p.last_name}",
                "email": p.email,
                "phone": format_phone(p.country, p.nsn, p.phone_style),
                "gender": p.gender,
                "birthday": p.birthday,
                "city": p.city.name,
                "country": p.country.code,
                "language": p.lang,
                "created_at": iso(ts),
                "email_opt_in": p.email_opt_in,
            }
            if p.loyalty_card and self.r.random() < 0.5:
                traits["loyalty_card"] = p.loyalty_card
        else:  # a log-in: the form only knows the e-mail
            traits = {"email": p.email}
        self.logged_in[device] = True
        user_id, anon = self.ids(device)
        self.line.emit(
            ts,
            "identify",
            device,
            {"traits": traits},
            user_id=user_id,
            anonymous_id=anon,
            context=self.context(device),
        )

    def group(self) -> None:
        """The customer attaches their company account on the web."""
        r = self.r
        p = self.person
        assert self.account_ms is not None
        n = r.randrange(len(p.market.companies))
        name, industry, employees = p.market.companies[n]
        ts = self.line.when(self.account_ms + HOUR, self.line.end_ms, OFFICE_HOUR_CUM)
        self.page = {
            "path": "/account/company",
            "referrer": self.referrer,
            "search": "",
            "title": p.text.ui["account"],
            "url": f"{p.site}/account/company",
        }
        self.line.emit(
            ts,
            "group",
            "web",
            {
                "groupId": f"grp_{p.market.key}_{n + 1:03d}",
                "traits": {
                    "name": name,
                    "industry": industry,
                    "employees": employees,
                    "plan": r.choice(_PLANS),
                    "city": p.city.name,
                    "country": p.country.code,
                },
            },
            user_id=p.user_id,
            anonymous_id=p.web_anon,
            context=self.context("web"),
        )
