"""Each log processor's committed position in the event log."""

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base, UTCDateTime


class ProcessorOffset(Base):
    __tablename__ = "processor_offsets"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)  # last event id processed
    # PostgreSQL: the writing transaction of that event; the log is read in (txid, id) order
    # (see docs/design/event-log.md). Always 0 on SQLite, where ids commit in order.
    txid: Mapped[int] = mapped_column(BigInteger, default=0)
    # Who wrote last, and a counter bumped by out-of-band changes (splits, rebuilds): a worker
    # whose cached state was built under another writer or epoch drops its cache.
    writer: Mapped[str] = mapped_column(String(80), default="")
    epoch: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
