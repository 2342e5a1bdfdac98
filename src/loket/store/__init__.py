"""Storage: SQLAlchemy Core tables, the database handle, migrations and repositories."""
