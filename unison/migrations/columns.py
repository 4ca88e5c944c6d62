"""Column types and builders the revision files share, so each says only what its tables hold.

Revisions are history: a builder here may gain a parameter, never change what it builds.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# SQLite only auto-increments an "INTEGER PRIMARY KEY"; PostgreSQL gets a real BIGINT.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# JSONB on PostgreSQL (indexable, compact); JSON text on SQLite.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)
