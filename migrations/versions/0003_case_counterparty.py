"""A case's second enterprise party (a transfer's transferee), who may read it and find it in their lists.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_records") as batch:
        batch.add_column(sa.Column("counterparty_enterprise_id", sa.Integer(), nullable=True))
        batch.create_index("ix_case_records_counterparty_enterprise_id", ["counterparty_enterprise_id"])


def downgrade() -> None:
    with op.batch_alter_table("case_records") as batch:
        batch.drop_index("ix_case_records_counterparty_enterprise_id")
        batch.drop_column("counterparty_enterprise_id")
