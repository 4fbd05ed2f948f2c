"""Official holiday arrangements loaded by an administrator (issue 18 item 2): one row per year.

Revision ID: calendar_years_18b
Revises: 0003 (a branch beside the procedures'; `migrate` runs `upgrade heads`)
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.db

revision: str = 'calendar_years_18b'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('holidays', sa.Text(), nullable=False),
        sa.Column('workdays', sa.Text(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('loaded_by', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('loaded_at', models.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('year'),
    )


def downgrade() -> None:
    op.drop_table('calendar_years')
