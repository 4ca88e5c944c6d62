"""Functions templates call: money, numbers and dates in the customer's locale and time
zone (Babel, CLDR), the products of an event, and the customer's signed unsubscribe and
preference-center links (consent's link service)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, is_currency

from unison.consent.preference_center.preferences import preference_link, unsubscribe_link
from unison.kit.settings import Settings
from unison.messaging.templates.sandbox import wrap


class HelperFailed(Exception):
    """A helper given a value it cannot use; the render fails naming the part."""


@dataclass(frozen=True)
class Customer:
    profile_id: int
    email: str | None
    locale: Locale  # for numbers and dates: the customer's own when it speaks the variant's
    language: str  # the variant's locale code
    zone: Callable[[], tzinfo]  # looked up when a time is formatted


MAX_DIGITS = 30  # a number past 10^30 is no price; formatting 1e999999999 would fill memory


def _number(value: Any, what: str) -> Decimal:
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise HelperFailed(f"{what}: {value!r} is not a number") from None
    if not found.is_finite() or found.adjusted() > MAX_DIGITS:
        raise HelperFailed(f"{what}: {value!r} is not a finite number below 10^{MAX_DIGITS}")
    return found


def _moment(value: Any, what: str) -> datetime | date:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str):
        try:
            if len(value) == 10:  # a calendar day (a birthday) is no moment: no zone shift
                return date.fromisoformat(value)
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    raise HelperFailed(f"{what}: {value!r} is not a date or an ISO 8601 timestamp")


class Helpers:
    def __init__(
        self, settings: Settings, customer: Customer, event: Mapping[str, Any] | None
    ) -> None:
        self._settings, self._customer, self._event = settings, customer, event

    def money(self, amount: Any, currency: str | None = None) -> str:
        code = currency or _event_currency(self._event)
        if not code:
            raise HelperFailed("money(): no currency given and the event has none")
        if not isinstance(code, str) or not is_currency(code.upper()):
            raise HelperFailed(f"money(): {code!r} is not an ISO 4217 currency")
        return format_currency(
            _number(amount, "money()"), code.upper(), locale=self._customer.locale
        )

    def number(self, value: Any) -> str:
        return format_decimal(_number(value, "number()"), locale=self._customer.locale)

    def date(self, value: Any, format: str = "medium") -> str:
        moment = _moment(value, "date()")
        if isinstance(moment, datetime):
            moment = moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(self._customer.zone())
        return format_date(moment, format, locale=self._customer.locale)

    def datetime(self, value: Any, format: str = "medium") -> str:
        moment = _moment(value, "datetime()")
        if not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
        moment = moment.replace(tzinfo=moment.tzinfo or UTC)
        return format_datetime(
            moment, format, tzinfo=self._customer.zone(), locale=self._customer.locale
        )

    def products(self, event: Any = None) -> list[Any]:
        return products_of(event if event is not None else self._event)

    def unsubscribe_url(self, purpose: str = "marketing") -> str:
        """The one-click unsubscribe link for the customer's email, else their preference
        center (other channels unsubscribe there)."""
        customer = self._customer
        if customer.email:
            return unsubscribe_link(self._settings, customer.profile_id, customer.email, purpose)
        return self.preference_center_url()

    def preference_center_url(self) -> str:
        language = self._customer.language.split("-")[0]
        return preference_link(self._settings, self._customer.profile_id, language)

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {
            "money": self.money,
            "number": self.number,
            "date": self.date,
            "datetime": self.datetime,
            "products": self.products,
            "unsubscribe_url": self.unsubscribe_url,
            "preference_center_url": self.preference_center_url,
        }


def _properties(event: Any) -> Mapping[str, Any]:
    props = event.get("properties") if isinstance(event, Mapping) else None
    return props if isinstance(props, Mapping) else {}


def _event_currency(event: Any) -> str | None:
    found = _properties(event).get("currency")
    return found if isinstance(found, str) else None


_PRODUCT_KEYS = ("product_id", "sku", "name")


def products_of(event: Any) -> list[Any]:
    """The products of an ecommerce event (Segment spec): `properties.products` of an
    order or cart event, or the one product a product event describes. Each keeps the
    event's currency when it has none of its own."""
    props = _properties(event)
    currency = _event_currency(event)
    items = props.get("products")
    if isinstance(items, list):
        found = [dict(p) for p in items if isinstance(p, Mapping)]
    elif any(key in props for key in _PRODUCT_KEYS):
        found = [dict(props)]
    else:
        found = []
    for product in found:
        if currency and "currency" not in product:
            product["currency"] = currency
    return [wrap(f"products[{i}]", p) for i, p in enumerate(found)]
