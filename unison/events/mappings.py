"""Named import mappings for the usual offline files (`unison import FILE --mapping NAME`).

`pos`: point-of-sale receipts, one CSV row per line item; consecutive rows with the same
store and receipt form one `Order Completed` event whose messageId is `pos:<store>:<receipt>`,
so re-importing a receipt (even from a corrected file) stores it once.

`crm-contacts`: a CRM contact export, one row per contact, as an `identify` call with the
CRM id as the `crm_id` identifier; the messageId is the CRM id plus a digest of the row, so
an unchanged contact is stored once and a changed one is recorded again.

Columns are matched by header name, case-insensitively; README "Import mappings" lists them.
"""

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from unison.kit.clock import isoformat_z

POS_REQUIRED = ("store", "receipt", "purchased_at", "currency")
POS_ALIASES = {
    "receipt_number": "receipt",
    "receipt_no": "receipt",
    "card": "loyalty_card",
    "loyalty": "loyalty_card",
    "name": "customer_name",
    "product": "item",
    "qty": "quantity",
    "price": "unit_price",
}
CRM_KNOWN = (
    "crm_id",
    "first_name",
    "last_name",
    "name",
    "email",
    "phone",
    "loyalty_card",
    "birthday",
    "city",
    "country",
    "language",
    "created_at",
    "updated_at",
)


@dataclass
class Mapped:
    line: int  # the first line of the record
    event: dict[str, Any] | None
    error: str | None
    content: bytes


class RowProblem(ValueError):
    """One row cannot be read; the message names the column and what is accepted."""


def _rows(
    stream: io.BufferedReader, aliases: dict[str, str]
) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
    header = next(reader, None)
    if header is None:
        return
    names = [aliases.get(n.strip().lower(), n.strip().lower()) for n in header]
    for raw in reader:
        if not any(cell.strip() for cell in raw):
            continue
        cells = {n: (raw[i].strip() if i < len(raw) else "") for i, n in enumerate(names)}
        yield reader.line_num, cells


def _when(value: str, column: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowProblem(
            f"column {column!r}: {value[:40]!r} is not ISO 8601 (e.g. 2026-11-30T18:42:00+04:00)"
        ) from None
    if moment.tzinfo is None:  # documented: times without an offset are UTC
        moment = moment.replace(tzinfo=UTC)
    return isoformat_z(moment)


def _amount(value: str, column: str) -> Decimal:
    text = value.replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        text = text.replace(",", "")  # 1,234.50
    text = text.replace(",", ".")  # 12,50 (decimal comma)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise RowProblem(f"column {column!r}: {value[:40]!r} is not an amount") from None
    if not number.is_finite():
        raise RowProblem(f"column {column!r}: {value[:40]!r} is not an amount")
    return number


def _money(number: Decimal) -> float | int:
    rounded = number.quantize(Decimal("0.01"))
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


@dataclass(frozen=True, slots=True)
class Line:
    """One CSV row and the file line it ends on."""

    number: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Item:
    """One receipt line as a product of the order."""

    sku: str | None
    name: str | None
    quantity: Decimal
    price: Decimal
    amount: Decimal

    def product(self) -> dict[str, Any]:
        product = {
            "sku": self.sku,
            "name": self.name,
            "quantity": _money(self.quantity),
            "price": _money(self.price),
            "amount": _money(self.amount),
        }
        return {k: v for k, v in product.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Customer:
    """How a receipt names its buyer: a phone or a loyalty card, at least one."""

    phone: str | None
    card: str | None

    @property
    def anonymous_id(self) -> str:
        return f"pos:{self.phone or self.card}"


def pos_records(stream: io.BufferedReader) -> Iterator[Mapped]:
    group: list[Line] = []
    for number, cells in _rows(stream, POS_ALIASES):
        line = Line(number, cells)
        if group and _receipt_key(line) != _receipt_key(group[0]):
            yield _receipt(group)
            group = []
        group.append(line)
    if group:
        yield _receipt(group)


def _receipt_key(line: Line) -> tuple[str | None, str | None]:
    return line.cells.get("store"), line.cells.get("receipt")


def _receipt(group: list[Line]) -> Mapped:
    first_line = group[0].number
    content = orjson.dumps([line.cells for line in group])
    try:
        return Mapped(first_line, _order(group), None, content)
    except RowProblem as problem:
        return Mapped(first_line, None, str(problem), content)


def _order(group: list[Line]) -> dict[str, Any]:
    first = group[0].cells
    customer = _customer(first)
    currency = _currency(first)
    items = [_item(line, several=len(group) > 1) for line in group]
    total = (
        _amount(first["total"], "total")
        if first.get("total")
        else sum((item.amount for item in items), Decimal(0))
    )
    store, receipt = first["store"], first["receipt"]
    return {
        "type": "track",
        "event": "Order Completed",
        "messageId": f"pos:{store}:{receipt}",
        "anonymousId": customer.anonymous_id,
        "timestamp": _when(first["purchased_at"], "purchased_at"),
        "context": {"channel": "pos", "traits": _buyer_traits(customer, first)},
        "properties": {
            "order_id": f"{store}:{receipt}",
            "store": store,
            "receipt": receipt,
            "products": [item.product() for item in items],
            "total": _money(total),
            "revenue": _money(total),
            "currency": currency,
        },
    }


def _customer(first: dict[str, str]) -> Customer:
    for column in POS_REQUIRED:
        if not first.get(column):
            raise RowProblem(f"column {column!r} is required (pos mapping)")
    customer = Customer(first.get("phone"), first.get("loyalty_card"))
    if not customer.phone and not customer.card:
        raise RowProblem("a receipt needs column 'phone' or 'loyalty_card' to find the customer")
    return customer


def _currency(first: dict[str, str]) -> str:
    currency = first["currency"].upper()
    if len(currency) != 3 or not currency.isalpha():
        raise RowProblem(f"column 'currency': {first['currency'][:10]!r} is not an ISO 4217 code")
    return currency


def _item(line: Line, *, several: bool) -> Item:
    try:
        return _priced(line.cells)
    except RowProblem as problem:
        where = f"line {line.number}: " if several else ""  # the import names the first line
        raise RowProblem(f"{where}{problem}") from None


def _priced(row: dict[str, str]) -> Item:
    quantity = _amount(row.get("quantity") or "1", "quantity")
    price = _amount(row["unit_price"], "unit_price") if row.get("unit_price") else None
    if row.get("amount"):
        amount = _amount(row["amount"], "amount")
    elif price is not None:
        amount = price * quantity
    else:
        raise RowProblem("column 'amount' or 'unit_price' is required for each item")
    if price is None:
        price = amount / (quantity or 1)
    return Item(row.get("sku") or None, row.get("item") or None, quantity, price, amount)


def _buyer_traits(customer: Customer, first: dict[str, str]) -> dict[str, str]:
    traits = (
        ("phone", customer.phone),
        ("loyalty_card", customer.card),
        ("name", first.get("customer_name")),
        ("email", first.get("email")),
    )
    return {k: v for k, v in traits if v}


def crm_records(stream: io.BufferedReader) -> Iterator[Mapped]:
    for line, row in _rows(stream, {"id": "crm_id", "external_id": "crm_id"}):
        content = orjson.dumps(row)
        try:
            yield Mapped(line, _contact(row, content), None, content)
        except RowProblem as problem:
            yield Mapped(line, None, str(problem), content)


def _contact(row: dict[str, str], content: bytes) -> dict[str, Any]:
    crm_id = row.get("crm_id")
    if not crm_id:
        raise RowProblem("column 'crm_id' is required (crm-contacts mapping)")
    traits = {k: v for k, v in row.items() if v and k not in ("created_at", "updated_at")}
    if "name" not in traits and (row.get("first_name") or row.get("last_name")):
        traits["name"] = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)
    event: dict[str, Any] = {
        "type": "identify",
        "messageId": f"crm:{crm_id}:{hashlib.sha256(content).hexdigest()[:16]}",
        "anonymousId": f"crm:{crm_id}",
        "traits": traits,
        "context": {"channel": "other"},
    }
    when = row.get("updated_at") or row.get("created_at")
    if when:
        event["timestamp"] = _when(when, "updated_at" if row.get("updated_at") else "created_at")
    return event


MAPPINGS = {"pos": pos_records, "crm-contacts": crm_records}
# The source an import without --source goes to, and that source's channel.
DEFAULT_SOURCES = {"pos": ("pos", "pos"), "crm-contacts": ("crm", "other")}
