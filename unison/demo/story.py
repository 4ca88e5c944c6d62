"""One customer's story: who they are, which channels they use, and the events that leaves."""

from __future__ import annotations

from collections.abc import Sequence
from random import Random

from unison.demo import channels
from unison.demo.catalogue import Campaign
from unison.demo.customer import Keys, Person
from unison.demo.devices import Devices
from unison.demo.shopping import Shopper
from unison.demo.timeline import Event, Timeline


def tell(
    r: Random,
    idx: int,
    keys: Keys,
    start_ms: int,
    end_ms: int,
    campaigns: Sequence[Campaign],
) -> list[Event]:
    """Draw customer ``idx`` and everything they do; return the events in time order.

    Every draw comes from the one shared ``r``, so the order of the steps below is part of
    the output: reordering them changes every later customer too.
    """
    line = Timeline(r, Person.draw(r, idx, keys, start_ms, end_ms), end_ms)
    devices = Devices(line)
    shopper = Shopper(line, devices)
    store_only = r.random() < 0.1
    if store_only:
        channels.store(line, r.choice((1, 1, 2, 2, 3, 4, 6)))
    else:
        shopper.shop()
        if r.random() < 0.15:
            channels.store(line, r.choice((1, 1, 2, 3)))
    if r.random() < 0.3:
        channels.messaging(line)
    if r.random() < 0.15:
        channels.calls(line, devices)
    if r.random() < (0.3 if shopper.first_order_ms is not None else 0.05):
        channels.helpdesk(line, devices, shopper.first_order_ms)
    if devices.account_ms is not None:
        channels.emails(line, devices, shopper.abandoned, campaigns)
        if r.random() < 0.06:
            devices.group()
    return line.events()
