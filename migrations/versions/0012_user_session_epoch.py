"""Sessions end when a password changes or an account is stopped: `users.session_epoch`, carried in every token.

Revision ID: session_epoch_18c
Revises: 0003 (a branch beside the procedures'; `migrate` runs `upgrade heads`)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'session_epoch_18c'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Tokens signed before this migration carry no epoch and read as 0: they stay valid until they expire.
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_epoch')
