"""Acquisition spend per channel and month: the cost side of customer acquisition cost.

Not profile-scoped (it is money spent on a channel, not on a person), so it carries no
profile_id; one row per (channel, month, currency), replaced when entered again.
"""

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, SerialId, UTCDateTime


class AcquisitionSpend(SerialId, Base):
    __tablename__ = "acquisition_spend"

    channel: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))  # "YYYY-MM"
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index(
            "uq_acquisition_spend_channel_month_currency",
            "channel",
            "month",
            "currency",
            unique=True,
        ),
    )


class ExchangeRate(SerialId, Base):
    """One unit of `base` bought `rate` units of `currency` on `day` (issue 14 item 10).

    Orders are converted at the most recent rate on or before their date, so a table of
    business days (or weeks, or months) is enough; a day imported again is replaced.
    """

    __tablename__ = "exchange_rates"

    day: Mapped[date] = mapped_column(Date)
    base: Mapped[str] = mapped_column(String(3))
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("uq_exchange_rates_base_currency_day", "base", "currency", "day", unique=True),
    )
