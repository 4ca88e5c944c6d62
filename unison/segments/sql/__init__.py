"""Full evaluation in the database: a condition compiled to one SQLAlchemy Core condition,
and the elements whose SQL differs between SQLite and PostgreSQL."""
