"""API shapes for CLV refreshes, validation and unit economics."""

from datetime import date as date_type
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class OrdersUsed(BaseModel):
    currency: str | None = Field(description="the reporting currency every amount is in")
    used: int
    missing_amount: int
    refunds_skipped: int
    other_currency_skipped: dict[str, int]
    converted: dict[str, int] = Field(
        description="orders converted into the reporting currency, by their own currency"
    )


class ClvRefresh(BaseModel):
    at: datetime
    currency: str | None = Field(description="currency of clv_historical and clv_12m")
    orders: OrdersUsed
    historical_profiles: int
    customers: int = Field(description="customers with a forecast")
    traits_written: int
    models: dict[str, Any]
    forecast_skipped: str | None = Field(
        description="why forecasts were not written (too few customers, no convergence...)"
    )
    tier_counts: dict[str, int]
    segments_followed: dict[str, int] = Field(
        description="segments reading these traits, recomputed at once: name -> members"
    )


class ValidationGroup(BaseModel):
    frequency: str
    customers: int
    actual: float
    predicted: float


class Validation(BaseModel):
    model: dict[str, float]
    log_likelihood: float
    customers: int
    holdout: float
    unit: str
    groups: list[ValidationGroup]


class SpendCreate(BaseModel):
    channel: str = Field(max_length=40, description="an event channel: ads, social, email, ...")
    month: str = Field(max_length=40, description="YYYY-MM")
    amount: float
    currency: str | None = Field(default=None, max_length=40, description="ISO 4217 code")


class SpendBatch(BaseModel):
    items: list[SpendCreate] = Field(min_length=1, max_length=5000)


class Spend(BaseModel):
    channel: str
    month: str
    amount: float
    currency: str


class SpendList(BaseModel):
    items: list[Spend]


class ChannelUnitEconomics(BaseModel):
    channel: str
    currency: str | None = Field(description="currency of spend, CAC, LTV and contribution")
    spend: float | None = Field(description="null: no spend entered for the channel")
    customers: int
    cac: float | None
    ltv: float | None
    ltv_to_cac: float | None
    contribution_per_customer: float | None
    payback_months: float | None


class UnitEconomics(BaseModel):
    currency: str | None
    from_month: str
    to_month: str
    channels: list[ChannelUnitEconomics]


class RateCreate(BaseModel):
    date: str = Field(max_length=40, description="YYYY-MM-DD")
    base: str = Field(max_length=40, description="ISO 4217 code: one unit of it ...")
    currency: str = Field(max_length=40, description="... bought `rate` units of this one")
    rate: float


class RateBatch(BaseModel):
    items: list[RateCreate] = Field(min_length=1, max_length=50_000)


class Rate(BaseModel):
    date: date_type
    base: str
    currency: str
    rate: float


class RateList(BaseModel):
    items: list[Rate]
