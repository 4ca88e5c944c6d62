"""The profile search index: derived from the profile projection, rebuilt with it.

`profile_search_keys` holds whole normalized terms (identifier values, phone digits with and
without the country code, name words) for exact and prefix matches, walked in (key, profile)
order through its primary key so a page never sorts the matches. `profile_search_text` holds
one text per live profile for substring matches: an FTS5 table with the trigram tokenizer on
SQLite (rowid = profile id), a plain table with a pg_trgm GIN index on PostgreSQL; both are
created by the migration, the model below only names the columns they share.
"""

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from unison.models.base import Base

# Prefix ranges compare code points on both stores (SQLite's BINARY; "C" on PostgreSQL),
# so the service's own comparisons in Python agree with the database's.
Key = String(255).with_variant(String(255, collation="C"), "postgresql")


class ProfileSearchKey(Base):
    __tablename__ = "profile_search_keys"

    field: Mapped[str] = mapped_column(String(1), primary_key=True)  # "i"dentifier, "n"ame
    key: Mapped[str] = mapped_column(Key, primary_key=True)
    profile_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)

    __table_args__ = (Index("ix_profile_search_keys_profile_id", "profile_id"),)


class ProfileSearchText(Base):
    __tablename__ = "profile_search_text"

    profile_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(Text)
