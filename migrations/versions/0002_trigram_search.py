"""Trigram indexes for case search on PostgreSQL (substring search that scales with an index).

`GET /cases?q=` matches mine and enterprise names, licence numbers and case ids anywhere in the text
(`ILIKE '%q%'`). A B-tree index cannot serve that; pg_trgm's GIN indexes can (for terms of 3+ characters).
SQLite has no such index here: its search stays a scan (fine for a county's trial, not for a city's production).
These indexes live only in this migration (the models describe none), so migrations/env.py leaves `ix_trgm_*`
out of the model comparison.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("mine_name", "enterprise_name", "licence_no", "case_id")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.execute(f"CREATE INDEX IF NOT EXISTS ix_trgm_case_records_{column} "
                   f"ON case_records USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_trgm_case_records_{column}")
