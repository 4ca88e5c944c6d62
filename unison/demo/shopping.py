"""Visits to the online shop and the app: browsing, sign-up, carts, checkouts and orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final
from urllib.parse import quote

from unison.demo.catalogue import PRODUCTS, Product, basket_total, order_lines, product_props
from unison.demo.clock import DAY, HOUR, MIN, SEC
from unison.demo.devices import Devices
from unison.demo.draw import cumulative, pick
from unison.demo.markets import format_phone
from unison.demo.timeline import Event, Timeline

_TRAFFIC: Final = (
    # (referrer, utm source, utm medium, utm campaign); no utm source = no campaign context
    ("", "", "", ""),
    ("https://www.google.com/", "", "", ""),
    ("https://www.google.com/", "google", "cpc", "brand_search"),
    ("https://www.google.com/", "google", "cpc", "seasonal_sale"),
    ("https://www.facebook.com/", "facebook", "paid_social", "new_arrivals"),
    ("https://www.instagram.com/", "instagram", "paid_social", "new_arrivals"),
    ("https://www.instagram.com/", "", "", ""),
    ("https://t.me/", "telegram", "social", "channel_post"),
)
_FIRST_TRAFFIC_CUM: Final = cumulative([30, 20, 12, 6, 10, 10, 7, 5])
_RETURN_TRAFFIC_CUM: Final = cumulative([60, 25, 4, 2, 2, 2, 4, 1])


@dataclass(slots=True)
class Arrival:
    """How a visit starts: when the first page shows, and the campaign that brought it."""

    t: int
    campaign: Event | None = None
    search: str = ""  # the campaign's utm query string


@dataclass(slots=True)
class Cart:
    id: str
    items: list[tuple[Product, int]] = field(default_factory=list)  # (product, quantity)


class Shopper:
    """How one customer shops online; what a later channel needs to know is kept on it."""

    def __init__(self, line: Timeline, devices: Devices) -> None:
        self.line = line
        self.r = line.r
        self.person = line.person
        self.devices = devices
        self.app_installed = False
        self.abandoned: list[int] = []  # cart abandonments while known by e-mail
        self.first_order_ms: int | None = None
        self.will_register = False
        self.buyer = False
        self.signup_at = -1
        self.app_share = 0.0

    def shop(self) -> None:
        """Sessions on the web and in the app, spread over the customer's history."""
        r = self.r
        tier = r.random()
        sessions = (
            r.randint(1, 2) if tier < 0.4 else r.randint(3, 6) if tier < 0.83 else r.randint(7, 12)
        )
        self.will_register = r.random() < 0.68
        self.buyer = self.will_register and r.random() < 0.6
        self.signup_at = r.randrange(sessions) if self.will_register else -1
        self.app_share = 0.0 if r.random() < 0.6 else r.choice((0.3, 0.6, 0.9))
        starts = sorted(
            self.line.when(self.person.first_ms, self.line.end_ms) for _ in range(sessions)
        )
        web_visits = 0
        t_free = 0
        for i, start in enumerate(starts):
            device = "mobile" if r.random() < self.app_share else "web"
            t = max(start, t_free + 20 * MIN)
            t_free = self._session(t, device, i, first_web=device == "web" and web_visits == 0)
            web_visits += device == "web"
        self._come_back()

    def _come_back(self) -> None:
        """Repeat purchases after the first order, as BG/NBD tells it (Fader, Hardie & Lee
        2005): each buyer orders at their own rate (gamma-distributed across buyers) and
        after every order may stop buying for good (beta-distributed chance), so the CLV
        models have real heterogeneity, repeat buying and dropout to find."""
        if self.first_order_ms is None:
            return
        r = self.r
        weekly = r.gammavariate(2.0, 1 / 8)  # orders a week: mean 0.25, widely spread
        # chance of stopping after an order: mean 0.33, widely spread (a narrow spread leaves
        # Pareto/NBD no heterogeneity in dropout to find, and its beta runs off)
        dropout = r.betavariate(0.8, 1.6)
        basket = r.choice((1, 1, 1, 2, 2, 3))  # how much this customer buys at once
        # Tastes differ in price too, so order values vary between customers (Gamma-Gamma).
        by_price = sorted(PRODUCTS, key=lambda p: p.usd)
        at = min(int(r.betavariate(1.2, 1.2) * len(by_price)), len(by_price) - 3)
        favourites = by_price[at : at + 3]
        t = self.first_order_ms
        while r.random() >= dropout:
            t += int(r.expovariate(weekly) * 7 * DAY) + HOUR
            if t >= self.line.end_ms:
                return
            self._reorder(self.line.when(t, t + DAY), basket, favourites)

    def _reorder(self, t: int, basket: int, favourites: list[Product]) -> None:
        """A returning customer's quick order: straight to the cart, then paid."""
        r, person, devices = self.r, self.person, self.devices
        device = "mobile" if self.app_installed and r.random() < 0.6 else "web"
        if not devices.logged_in[device]:
            t = devices.login(t, device)
        cart_id = self.line.hex_id(64)
        items = [(r.choice(favourites), basket)]
        if r.random() < 0.2:
            items.append((r.choice(PRODUCTS), 1))
        items = list({p.sku: (p, q) for p, q in items}.values())
        for p, qty in items:
            devices.event(
                t,
                device,
                "Product Added",
                product_props(p, person.lang, person.currency, cart_id=cart_id, quantity=qty),
            )
            t += r.randrange(5 * SEC, 60 * SEC)
        order_id = f"ORD-{r.getrandbits(40):010X}"
        t += r.randrange(30 * SEC, 4 * MIN)
        self._complete(t, device, cart_id, order_id, items, basket_total(items, person.currency))

    def _gap(self) -> int:
        return self.r.randrange(8 * SEC, 100 * SEC)

    def _session(self, t: int, device: str, index: int, *, first_web: bool) -> int:
        r, devices = self.r, self.devices
        arrival = self._arrive(t, device, first_web=first_web)
        t = arrival.t
        viewed: list[Product] = []
        self._land(t, device, arrival, viewed)
        if devices.account_ms is not None and not devices.logged_in[device] and r.random() < 0.7:
            t = devices.login(t + self._gap(), device)
        for _ in range(r.choice((1, 1, 2, 2, 3, 3, 4, 5, 6))):
            t += self._gap()
            self._browse(t, device, viewed)
        if index == self.signup_at and devices.account_ms is None and r.random() < 0.6:
            t = devices.signup(t + self._gap(), device)
        # After the first order, buying is `_come_back`'s (its dropout must be real).
        if viewed and self.first_order_ms is None and r.random() < (0.45 if self.buyer else 0.12):
            t = self._cart(t + self._gap(), device, viewed)
        return t + self._gap()

    def _arrive(self, t: int, device: str, *, first_web: bool) -> Arrival:
        """On the web: where the visitor came from. In the app: installed (once) and opened."""
        r, devices = self.r, self.devices
        if device == "web":
            referrer, source, medium, name = pick(
                r, _TRAFFIC, _FIRST_TRAFFIC_CUM if first_web else _RETURN_TRAFFIC_CUM
            )
            devices.referrer = referrer
            if not source:
                return Arrival(t)
            campaign: Event = {"source": source, "medium": medium, "name": name}
            search = f"?utm_source={source}&utm_medium={medium}&utm_campaign={name}"
            return Arrival(t, campaign, search)
        version, build = self.person.app_version
        if not self.app_installed:
            self.app_installed = True
            devices.event(t, device, "Application Installed", {"version": version, "build": build})
            t += r.randrange(2 * SEC, 20 * SEC)
        devices.event(
            t,
            device,
            "Application Opened",
            {"from_background": False, "version": version, "build": build},
        )
        return Arrival(t + r.randrange(1 * SEC, 5 * SEC))

    def _land(self, t: int, device: str, arrival: Arrival, viewed: list[Product]) -> None:
        """A campaign lands on a product more often than not; everything else on the home page."""
        if arrival.campaign and self.r.random() < 0.6:
            p = self.r.choice(PRODUCTS)
            viewed.append(p)
            self._product(t, device, p, search=arrival.search, campaign=arrival.campaign)
        else:
            self.devices.view(
                t,
                device,
                "Home",
                "/",
                self.person.text.site_title,
                search=arrival.search,
                campaign=arrival.campaign,
            )

    def _product(
        self, t: int, device: str, p: Product, *, search: str = "", campaign: Event | None = None
    ) -> None:
        person, devices = self.person, self.devices
        devices.view(
            t,
            device,
            "Product",
            f"/p/{p.sku.lower()}",
            f"{p.names[person.lang]} | Unison",
            search=search,
            campaign=campaign,
            extra={"product_id": p.product_id},
        )
        devices.event(
            t + self.r.randrange(300, 2_000),
            device,
            "Product Viewed",
            product_props(p, person.lang, person.currency),
        )

    def _browse(self, t: int, device: str, viewed: list[Product]) -> None:
        """One page of a visit: a product, a category, a search, or the account or home page."""
        r, text, devices = self.r, self.person.text, self.devices
        x = r.random()
        if x < 0.5:
            p = r.choice(PRODUCTS)
            viewed.append(p)
            self._product(t, device, p)
        elif x < 0.72:
            cat = r.choice(PRODUCTS).category
            devices.view(
                t, device, "Category", f"/c/{cat}", text.categories[cat], extra={"category": cat}
            )
        elif x < 0.9:
            self._search(t, device, r.choice(PRODUCTS))
        elif devices.logged_in[device]:
            devices.view(t, device, "Account", "/account", text.ui["account"])
        else:
            devices.view(t, device, "Home", "/", text.site_title)

    def _search(self, t: int, device: str, p: Product) -> None:
        query = p.names[self.person.lang].split()[-1].lower()
        self.devices.event(t, device, "Products Searched", {"query": query})
        self.devices.view(
            t + self.r.randrange(400, 1_500),
            device,
            "Search Results",
            "/search",
            self.person.text.ui["search"],
            search=f"?q={quote(query)}",
            extra={"query": query},
        )

    def _cart(self, t: int, device: str, viewed: list[Product]) -> int:
        r, person, devices = self.r, self.person, self.devices
        cart = Cart(self.line.hex_id(64))
        t = self._fill(t, device, cart, viewed)
        devices.view(t, device, "Cart", "/cart", person.text.ui["cart"])
        devices.event(
            t + r.randrange(200, 900),
            device,
            "Cart Viewed",
            {"cart_id": cart.id, "products": order_lines(cart.items, person.lang, person.currency)},
        )
        if r.random() > (0.8 if self.buyer else 0.3):
            return self._abandon(t)
        t += r.randrange(10 * SEC, 90 * SEC)
        order_id = f"ORD-{r.getrandbits(40):010X}"
        subtotal = basket_total(cart.items, person.currency)
        self._checkout(t, device, cart, order_id, subtotal)
        t = self._sign_in_to_pay(t + r.randrange(20 * SEC, 2 * MIN), device)
        if not devices.logged_in[device] or r.random() > (0.88 if self.buyer else 0.25):
            return self._abandon(t)
        t += r.randrange(30 * SEC, 4 * MIN)
        return self._complete(t, device, cart.id, order_id, cart.items, subtotal)

    def _fill(self, t: int, device: str, cart: Cart, viewed: list[Product]) -> int:
        """Some of the last three products viewed go into the cart, each once."""
        r, person = self.r, self.person
        for p in viewed[-3:]:
            if any(p is q for q, _ in cart.items) or (cart.items and r.random() < 0.4):
                continue
            qty = 1 if p.category == "gift_cards" or r.random() < 0.8 else 2
            cart.items.append((p, qty))
            self.devices.event(
                t,
                device,
                "Product Added",
                product_props(p, person.lang, person.currency, cart_id=cart.id, quantity=qty),
            )
            t += r.randrange(5 * SEC, 60 * SEC)
        return t

    def _checkout(self, t: int, device: str, cart: Cart, order_id: str, subtotal: float) -> None:
        person = self.person
        self.devices.view(t, device, "Checkout", "/checkout", person.text.ui["checkout"])
        self.devices.event(
            t + self.r.randrange(200, 900),
            device,
            "Checkout Started",
            {
                "checkout_id": cart.id,
                "order_id": order_id,
                "value": subtotal,
                "revenue": subtotal,
                "currency": person.currency,
                "products": order_lines(cart.items, person.lang, person.currency),
            },
        )

    def _sign_in_to_pay(self, t: int, device: str) -> int:
        """A known customer mostly logs in to pay; a new one who means to register signs up."""
        r, devices = self.r, self.devices
        if devices.logged_in[device]:
            return t
        if devices.account_ms is not None and r.random() < 0.85:
            return devices.login(t, device)
        if devices.account_ms is None and self.will_register and r.random() < 0.8:
            return devices.signup(t, device)
        return t

    def _complete(
        self,
        t: int,
        device: str,
        cart_id: str,
        order_id: str,
        items: list[tuple[Product, int]],
        subtotal: float,
    ) -> int:
        r, person, devices = self.r, self.person, self.devices
        discount = 0.0
        props: Event = {
            "checkout_id": cart_id,
            "order_id": order_id,
            "affiliation": "Unison Online" if device == "web" else "Unison App",
        }
        if r.random() < 0.2:
            discount = round(subtotal * 0.1, 2)
            props["coupon"] = "WELCOME10"
        revenue = round(subtotal - discount, 2)
        shipping = 0.0 if revenue > 100 * person.country.rate else round(5 * person.country.rate, 2)
        props.update(
            total=round(revenue + shipping, 2),
            subtotal=subtotal,
            revenue=revenue,
            shipping=shipping,
            discount=discount,
            currency=person.currency,
            products=order_lines(items, person.lang, person.currency),
        )
        devices.event(t, device, "Order Completed", props)
        if self.first_order_ms is None:
            self.first_order_ms = t
        if r.random() < 0.7:  # shipping notice by SMS a day or two later
            sent = t + r.randrange(18 * HOUR, 50 * HOUR)
            self.line.track(
                sent,
                "sms",
                "Message Sent",
                {
                    "text": person.text.sms_shipped.format(order_id=order_id),
                    "direction": "outbound",
                    "conversation_id": f"sms-{order_id.lower()}",
                    "order_id": order_id,
                },
                user_id=person.user_id,
                context={"traits": {"phone": format_phone(person.country, person.nsn, 2)}},
            )
        return t + r.randrange(20 * SEC, 2 * MIN)

    def _abandon(self, t: int) -> int:
        if self.devices.account_ms is not None:
            self.abandoned.append(t)
        return t + self.r.randrange(5 * SEC, 40 * SEC)
