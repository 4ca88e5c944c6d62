"""The other channels: e-mail, messengers, the call centre, the helpdesk and the stores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from unison.demo.catalogue import SHELF, Campaign, basket_total, order_lines
from unison.demo.clock import HOUR, MIN, OFFICE_HOUR_CUM, SEC, STORE_HOUR_CUM
from unison.demo.devices import Devices
from unison.demo.draw import cumulative, pick
from unison.demo.markets import MESSENGER_CUM, format_phone
from unison.demo.timeline import Event, Timeline

_CALL_TOPICS: Final = ("order_status", "delivery", "return", "payment", "product_question",
                       "loyalty_program")  # fmt: skip
_TICKET_PRIORITIES: Final = ("low", "normal", "high", "urgent")
_TICKET_PRIORITY_CUM: Final = cumulative([25, 55, 15, 5])
_SCORE_CUM: Final = cumulative([6, 6, 12, 30, 46])  # 1..5


def emails(
    line: Timeline, devices: Devices, abandoned: Sequence[int], campaigns: Sequence[Campaign]
) -> None:
    """Newsletters and abandoned-cart reminders, with opens, clicks and the odd unsubscribe."""
    r = line.r
    person = line.person
    assert devices.account_ms is not None
    if not person.email_opt_in:
        return
    offset = person.country.utc_offset
    sends: list[tuple[int, Campaign]] = []
    for c in campaigns:
        ts = c.day_ms + 10 * HOUR - offset + r.randrange(45 * MIN)
        if ts > devices.account_ms + HOUR and r.random() < 0.45:
            sends.append((ts, c))
    for t in abandoned:
        ts = t + r.randrange(2 * HOUR, 4 * HOUR)
        sends.append((ts, Campaign(0, "abandoned_cart", "cmp_abandoned_cart", "abandoned_cart")))
    sends.sort(key=lambda s: s[0])
    ctx: Event = {"traits": {"email": person.email}}
    for ts, c in sends:
        email_id = f"em_{line.hex_id(64)}"
        props: Event = {
            "email_id": email_id,
            "email_subject": person.text.campaigns[c.code],
            "campaign_id": c.campaign_id,
            "campaign_name": c.name,
        }
        line.track(
            ts, "email", "Email Delivered", dict(props), user_id=person.user_id, context=dict(ctx)
        )
        if r.random() < (0.55 if c.code == "abandoned_cart" else 0.35):
            opened = ts + r.randrange(2 * MIN, 30 * HOUR)
            line.track(
                opened,
                "email",
                "Email Opened",
                dict(props),
                user_id=person.user_id,
                context=dict(ctx),
            )
            if r.random() < 0.3:
                clicked = opened + r.randrange(5 * SEC, 3 * MIN)
                path = "/cart" if c.code == "abandoned_cart" else "/"
                query = f"?utm_source=newsletter&utm_medium=email&utm_campaign={c.name}"
                line.track(
                    clicked,
                    "email",
                    "Email Link Clicked",
                    {**props, "link_url": f"{person.site}{path}{query}"},
                    user_id=person.user_id,
                    context=dict(ctx),
                )
                devices.logged_in["web"] = True  # the link carries a sign-in token
                devices.referrer = ""
                title = person.text.ui["cart"] if path == "/cart" else person.text.site_title
                devices.view(
                    clicked + r.randrange(1_500, 6_000),
                    "web",
                    "Cart" if path == "/cart" else "Home",
                    path,
                    title,
                    search=query,
                    campaign={"source": "newsletter", "medium": "email", "name": c.name},
                )
        if r.random() < 0.012:
            line.track(
                ts + r.randrange(5 * MIN, 48 * HOUR),
                "email",
                "Unsubscribed",
                {"email_id": email_id, "list_id": "newsletter", "campaign_name": c.name},
                user_id=person.user_id,
                context=dict(ctx),
            )
            return


def messaging(line: Timeline) -> None:
    """Conversations with the brand on the customer's messenger."""
    r = line.r
    person = line.person
    m = person.market
    channel = pick(r, [c for c, _ in m.messengers], MESSENGER_CUM[m.key])
    if channel == "telegram":
        ident = person.telegram_id
    elif channel == "viber":
        ident = f"{r.getrandbits(128):032x}"[:22] + "=="
    else:
        ident = format_phone(person.country, person.nsn, 4)
    anon = f"{channel}:{ident}"
    id_key = f"{channel}_id"
    lang = person.text
    shared = channel == "whatsapp"  # the id already is the phone number
    for _ in range(1 + (r.random() < 0.35) + (r.random() < 0.15)):
        t = line.when(person.first_ms, line.end_ms)
        conv = f"{channel[:2]}-{line.hex_id(48)}"
        topic = r.randrange(4)
        traits: Event = {id_key: ident}
        line.track(
            t,
            channel,
            "Message Received",
            {"text": lang.questions[topic], "conversation_id": conv, "direction": "inbound"},
            anonymous_id=anon,
            context={"traits": dict(traits)},
        )
        t += r.randrange(20 * SEC, 5 * MIN)
        if not shared and r.random() < 0.45:
            shared = True
            phone = format_phone(person.country, person.nsn, r.choice((2, 4)))
            traits["phone"] = phone
            line.track(
                t,
                channel,
                "Contact Shared",
                {"phone": phone, "conversation_id": conv, "direction": "inbound"},
                anonymous_id=anon,
                context={"traits": dict(traits)},
            )
            t += r.randrange(20 * SEC, 2 * MIN)
        t += r.randrange(1 * MIN, 40 * MIN)
        line.track(
            t,
            channel,
            "Message Sent",
            {"text": lang.answers[topic], "conversation_id": conv, "direction": "outbound"},
            anonymous_id=anon,
            context={"traits": {id_key: ident}},
        )
        if r.random() < 0.5:
            t += r.randrange(1 * MIN, 30 * MIN)
            line.track(
                t,
                channel,
                "Message Received",
                {"text": lang.thanks, "conversation_id": conv, "direction": "inbound"},
                anonymous_id=anon,
                context={"traits": {id_key: ident}},
            )


def _agent(line: Timeline) -> str:
    """A staff member's name, from the same market's names."""
    r = line.r
    m = line.person.market
    first = m.first_names[r.randrange(4)]
    last = m.last_names[r.randrange(3)]
    return f"{first[0]} {last[1] if first[2] == 'f' else last[0]}"


def calls(line: Timeline, devices: Devices) -> None:
    """Calls to and from the call centre, identified by the caller's phone number."""
    r = line.r
    person = line.person
    for _ in range(1 + (r.random() < 0.3) + (r.random() < 0.1)):
        t = line.when(person.first_ms, line.end_ms, OFFICE_HOUR_CUM)
        caller = format_phone(person.country, person.nsn, r.choice((2, 2, 0)))
        ctx: Event = {"traits": {"phone": caller}}
        user_id = person.user_id if devices.known(t) and r.random() < 0.6 else None
        call_id = f"call-{line.hex_id(48)}"
        if r.random() < 0.18:
            line.track(
                t,
                "call_center",
                "Call Missed",
                {
                    "call_id": call_id,
                    "direction": "inbound",
                    "wait_seconds": r.randrange(20, 240),
                },
                user_id=user_id,
                anonymous_id=call_id,
                context=ctx,
            )
            if r.random() < 0.6:  # the call centre calls back
                t += r.randrange(20 * MIN, 3 * HOUR)
                call_id = f"call-{line.hex_id(48)}"
                _call(line, t, call_id, "outbound", user_id, ctx)
        else:
            _call(line, t, call_id, "inbound" if r.random() < 0.8 else "outbound", user_id, ctx)


def _call(
    line: Timeline, t: int, call_id: str, direction: str, user_id: str | None, ctx: Event
) -> None:
    r = line.r
    topic = r.choice(_CALL_TOPICS)
    duration = r.randrange(40, 900)
    line.track(
        t + duration * SEC,
        "call_center",
        "Call Completed",
        {
            "call_id": call_id,
            "direction": direction,
            "duration_seconds": duration,
            "agent": _agent(line),
            "topic": topic,
        },
        user_id=user_id,
        anonymous_id=call_id,
        context=dict(ctx),
    )


def helpdesk(line: Timeline, devices: Devices, first_order_ms: int | None) -> None:
    """Helpdesk tickets, their resolution and a satisfaction rating."""
    r = line.r
    person = line.person
    requester = f"hd-requester-{line.hex_id(48)}"
    lo = first_order_ms or person.first_ms
    for _ in range(1 + (r.random() < 0.25)):
        t = line.when(lo, line.end_ms)
        subject, text = r.choice(person.text.tickets)
        ticket_id = f"T-{line.hex_id(40).upper()}"
        priority = pick(r, _TICKET_PRIORITIES, _TICKET_PRIORITY_CUM)
        user_id = person.user_id if devices.known(t) else None
        ctx: Event = {
            "traits": {"email": person.email, "name": f"{person.first_name} {person.last_name}"}
        }
        via = r.choice(("email", "web_form", "email"))
        line.track(
            t,
            "helpdesk",
            "Ticket Created",
            {
                "ticket_id": ticket_id,
                "subject": subject,
                "text": text,
                "priority": priority,
                "status": "new",
                "via": via,
            },
            user_id=user_id,
            anonymous_id=requester,
            context=ctx,
        )
        if r.random() < 0.9:
            hours = r.randrange(1, 96)
            t += hours * HOUR + r.randrange(HOUR)
            line.track(
                t,
                "helpdesk",
                "Ticket Resolved",
                {
                    "ticket_id": ticket_id,
                    "subject": subject,
                    "priority": priority,
                    "status": "solved",
                    "resolution_hours": hours,
                    "agent": _agent(line),
                },
                user_id=user_id,
                anonymous_id=requester,
                context=dict(ctx),
            )
            if r.random() < 0.55:
                t += r.randrange(10 * MIN, 20 * HOUR)
                line.track(
                    t,
                    "helpdesk",
                    "Satisfaction Rated",
                    {"ticket_id": ticket_id, "score": pick(r, (1, 2, 3, 4, 5), _SCORE_CUM)},
                    user_id=user_id,
                    anonymous_id=requester,
                    context=dict(ctx),
                )


def store(line: Timeline, visits: int) -> None:
    """Purchases at a till, known only by a loyalty card or a phone number."""
    r = line.r
    person = line.person
    for _ in range(visits):
        t = line.when(person.first_ms, line.end_ms, STORE_HOUR_CUM)
        store_id, store_name = r.choice(person.city.stores)
        receipt = f"{r.randrange(10**14):014d}"
        picks = r.sample(SHELF, r.choice((1, 1, 1, 2, 2, 3, 4)))
        items = [(p, 1 if r.random() < 0.85 else 2) for p in picks]
        total = basket_total(items, person.currency)
        traits: Event = {}
        if person.loyalty_card and r.random() < 0.9:
            traits["loyalty_card"] = person.loyalty_card
            if r.random() < 0.25:
                traits["phone"] = format_phone(person.country, person.nsn, r.choice((1, 3)))
        else:
            traits["phone"] = format_phone(person.country, person.nsn, r.choice((1, 3)))
        line.track(
            t,
            "pos",
            "Order Completed",
            {
                "order_id": f"POS-{store_id}-{receipt}",
                "affiliation": store_name,
                "store_id": store_id,
                "store_name": store_name,
                "store_city": person.city.name,
                "total": total,
                "revenue": total,
                "currency": person.currency,
                "payment_method": r.choice(("card", "card", "card", "cash", "mobile_wallet")),
                "products": order_lines(items, person.lang, person.currency),
            },
            anonymous_id=f"pos-receipt-{receipt}",
            context={
                "traits": traits,
                "device": {"type": "pos", "id": f"{store_id}-T{r.randint(1, 4)}"},
            },
        )
