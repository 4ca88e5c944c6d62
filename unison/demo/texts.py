"""What the shop shows and what the brand and its customers write, in each market's language.

The texts themselves are in ``data/texts.json``, one object per language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from unison.demo.data import load


@dataclass(frozen=True, slots=True)
class Lang:
    site_title: str
    ui: dict[str, str]  # page titles: search, cart, checkout, account, signup
    categories: dict[str, str]
    questions: tuple[str, str, str, str]  # customer asks: order status, size, opening hours, return
    answers: tuple[str, str, str, str]  # the brand answers, same order
    thanks: str
    tickets: tuple[tuple[str, str], ...]  # (subject, text)
    campaigns: dict[str, str]  # campaign code -> e-mail subject
    sms_shipped: str  # {order_id}


def _lang(row: dict[str, Any]) -> Lang:
    questions, answers = row["questions"], row["answers"]
    return Lang(
        site_title=row["site_title"],
        ui=row["ui"],
        categories=row["categories"],
        questions=(questions[0], questions[1], questions[2], questions[3]),
        answers=(answers[0], answers[1], answers[2], answers[3]),
        thanks=row["thanks"],
        tickets=tuple((t["subject"], t["text"]) for t in row["tickets"]),
        campaigns=row["campaigns"],
        sms_shipped=row["sms_shipped"],
    )


LANGS: Final[dict[str, Lang]] = {code: _lang(row) for code, row in load("texts").items()}
