"""The mining-right registry: rights (拐点坐标 as JSON, authority level, status) and the history of every change.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("mining_rights",
    sa.Column("kind", sa.Enum("mining", "exploration", name="rightkind",
              native_enum=False, length=40), nullable=False),
    sa.Column("licence_no", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column("mine_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column("mine_id", sa.Integer(), nullable=True),
    sa.Column("holder_enterprise_id", sa.Integer(), nullable=False),
    sa.Column("division_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column("mineral", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column("open_pit", sa.Boolean(), nullable=False),
    sa.Column("scale", sa.Enum("large", "medium", "small", name="scale",
              native_enum=False, length=40), nullable=False),
    sa.Column("scale_wt", sa.Float(), nullable=False),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("valid_to", sa.Date(), nullable=False),
    sa.Column("state_owned", sa.Boolean(), nullable=False),
    sa.Column("production_started_on", sa.Date(), nullable=True),
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("area", sa.JSON(), nullable=False),
    sa.Column("crs", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column("authority_level", sa.Enum("county", "city", name="authoritylevel",
              native_enum=False, length=40), nullable=False),
    sa.Column("status", sa.Enum("valid", "expired", "cancelled", name="rightstatus",
              native_enum=False, length=40), nullable=False),
    sa.Column("ownership_dispute", sa.Boolean(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", models.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["division_code"], ["divisions.code"], ),
    sa.ForeignKeyConstraint(["holder_enterprise_id"], ["enterprises.id"], ),
    sa.ForeignKeyConstraint(["mine_id"], ["mines.id"], ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("licence_no")
    )
    with op.batch_alter_table("mining_rights", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mining_rights_division_code"), ["division_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_mining_rights_holder_enterprise_id"), ["holder_enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mining_rights_status"), ["status"], unique=False)

    op.create_table("mining_right_history",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("right_id", sa.Integer(), nullable=False),
    sa.Column("change", sa.Enum("created", "holder", "scale", "area", "validity", "status", name="rightchange",
              native_enum=False, length=40), nullable=False),
    sa.Column("before", sa.JSON(), nullable=False),
    sa.Column("after", sa.JSON(), nullable=False),
    sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column("by_username", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column("at", models.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["right_id"], ["mining_rights.id"], ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("case_id", "change", name="uq_mining_right_history_case_change")
    )
    with op.batch_alter_table("mining_right_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mining_right_history_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mining_right_history_right_id"), ["right_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("mining_right_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mining_right_history_right_id"))
        batch_op.drop_index(batch_op.f("ix_mining_right_history_case_id"))

    op.drop_table("mining_right_history")
    with op.batch_alter_table("mining_rights", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mining_rights_status"))
        batch_op.drop_index(batch_op.f("ix_mining_rights_holder_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_mining_rights_division_code"))

    op.drop_table("mining_rights")
