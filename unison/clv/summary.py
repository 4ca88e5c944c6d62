"""Recency, frequency, T and monetary value per customer, from (customer, date, amount) rows.

Conventions (those of the BG/NBD and Gamma-Gamma papers and of their CDNOW data):
* purchases on the same calendar day (UTC) are one transaction, their amounts added up;
* frequency x counts repeat transactions (distinct days after the first) in calibration;
* recency t_x is first-to-last transaction, T is first transaction to the calibration end,
  both in the chosen time unit (days, weeks or months of 365.25/12 days);
* monetary value is the mean of the repeat transactions' amounts (0 without one); amounts
  that are missing (None) count as a purchase but not in the mean;
* customers whose first purchase falls after the calibration end are not in the summary;
  their later purchases and everything after the observation end are ignored.
A negative or non-finite amount is an error naming the row: refunds are not purchases.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

from unison.clv.errors import ClvInputInvalid
from unison.clv.models.fitting import Array

UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12}

Row = tuple[Hashable, date | datetime, float | int | None]


@dataclass(frozen=True)
class Summary:
    customers: list[Hashable]
    frequency: Array
    recency: Array
    T: Array
    monetary_value: Array
    frequency_holdout: Array
    monetary_value_holdout: Array
    duration_holdout: float
    unit: str

    def __len__(self) -> int:
        return len(self.customers)


def unit_days(unit: str) -> float:
    try:
        return UNIT_DAYS[unit]
    except KeyError:
        raise ClvInputInvalid(
            f"time unit {unit!r} is not one of {', '.join(UNIT_DAYS)}", field="unit"
        ) from None


def _day(moment: date | datetime) -> int:
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        return moment.date().toordinal()
    return moment.toordinal()


def _amount(value: float | int | None, index: int) -> float:
    if value is None:
        return np.nan
    number = float(value)
    if not np.isfinite(number) or number < 0:
        raise ClvInputInvalid(
            f"row {index}: amount {value!r} is not a finite number >= 0 (refunds are not "
            "purchases: leave them out or net them into the order)",
            field="amount",
        )
    return number


def summarize(
    rows: Iterable[Row],
    *,
    calibration_end: date,
    observation_end: date | None = None,
    unit: str = "weeks",
) -> Summary:
    per_unit = unit_days(unit)
    end = observation_end or calibration_end
    if end < calibration_end:
        raise ClvInputInvalid("the observation end precedes the calibration end", field="end")
    cal_end, obs_end = calibration_end.toordinal(), end.toordinal()
    codes: dict[Hashable, int] = {}
    code_list, days, amounts = [], [], []
    for index, (customer, moment, amount) in enumerate(rows):
        day = _day(moment)
        value = _amount(amount, index)
        if day > obs_end:
            continue
        code_list.append(codes.setdefault(customer, len(codes)))
        days.append(day)
        amounts.append(value)
    names = list(codes)
    return _summarize(
        np.array(code_list, dtype=np.int64),
        np.array(days, dtype=np.int64),
        np.array(amounts, dtype=np.float64),
        names,
        cal_end,
        obs_end,
        per_unit,
        unit,
    )


def _daily(code: np.ndarray, day: np.ndarray, amount: Array) -> tuple[np.ndarray, ...]:
    """One row per (customer, day): amounts added, NaN where none of them was known."""
    order = np.lexsort((day, code))
    code, day, amount = code[order], day[order], amount[order]
    starts = np.flatnonzero(np.r_[True, (code[1:] != code[:-1]) | (day[1:] != day[:-1])])
    known = np.add.reduceat(~np.isnan(amount), starts) > 0
    total = np.add.reduceat(np.nan_to_num(amount), starts)
    return code[starts], day[starts], np.where(known, total, np.nan)


def _group_mean(group: np.ndarray, values: Array, size: int) -> Array:
    known = ~np.isnan(values)
    sums = np.bincount(group[known], weights=values[known], minlength=size)
    counts = np.bincount(group[known], minlength=size)
    return np.divide(sums, counts, out=np.zeros(size), where=counts > 0)


def _summarize(
    code: np.ndarray,
    day: np.ndarray,
    amount: Array,
    names: list[Hashable],
    cal_end: int,
    obs_end: int,
    per_unit: float,
    unit: str,
) -> Summary:
    empty = np.zeros(0)
    if len(code) == 0:
        return Summary(
            [], empty, empty, empty, empty, empty, empty, (obs_end - cal_end) / per_unit, unit
        )
    dcode, dday, damount = _daily(code, day, amount)
    cal = dday <= cal_end
    customers, first_index, counts = np.unique(dcode[cal], return_index=True, return_counts=True)
    cal_days, cal_amounts = dday[cal], damount[cal]
    first = cal_days[first_index]
    last = cal_days[first_index + counts - 1]
    slot = np.searchsorted(customers, dcode[cal])
    repeat = np.ones(len(cal_days), dtype=bool)
    repeat[first_index] = False
    monetary = _group_mean(slot[repeat], cal_amounts[repeat], len(customers))
    later = ~cal & np.isin(dcode, customers)
    held_slot = np.searchsorted(customers, dcode[later])
    return Summary(
        customers=[names[c] for c in customers],
        frequency=(counts - 1).astype(np.float64),
        recency=(last - first) / per_unit,
        T=(cal_end - first) / per_unit,
        monetary_value=monetary,
        frequency_holdout=np.bincount(held_slot, minlength=len(customers)).astype(np.float64),
        monetary_value_holdout=_group_mean(held_slot, damount[later], len(customers)),
        duration_holdout=(obs_end - cal_end) / per_unit,
        unit=unit,
    )
