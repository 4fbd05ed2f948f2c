"""The campaign's tables: the campaign and its 两个暂停 moratorium, its 督查组, which cases belong to it, the
rectification items (for the supervision views), 纪检监察/司法 referrals and third-party restoration claims.

Written only by activities (activities/campaign.py), read by the API's supervision views and the moratorium check.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime


class CampaignRecord(SQLModel, table=True):
    __tablename__ = "campaigns"
    campaign_id: str = Field(primary_key=True, max_length=40)
    city_code: str = Field(max_length=6, index=True)
    title: str = Field(max_length=200)
    results_due: date
    acceptance_due: date
    stage: str = Field(max_length=30)
    moratorium_active: bool = Field(default=False, index=True)
    moratorium_changed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    moratorium_changed_by: str | None = Field(default=None, max_length=40)
    moratorium_reason: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class InspectionGroupRecord(SQLModel, table=True):
    """督查组 (seed 000 附件): one per county of a campaign."""

    __tablename__ = "inspection_groups"
    campaign_id: str = Field(primary_key=True, max_length=40)
    county_code: str = Field(primary_key=True, max_length=6)
    name: str = Field(max_length=200)
    leader: str = Field(max_length=200)
    members: list[dict[str, str | None]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class CampaignCase(SQLModel, table=True):
    """A rectification or closure case started under a campaign (or on its own: campaign_id empty)."""

    __tablename__ = "campaign_cases"
    case_id: str = Field(primary_key=True, max_length=40)
    campaign_id: str | None = Field(default=None, max_length=40, index=True)
    kind: str = Field(max_length=20)
    mine_id: int = Field(index=True)
    division_code: str = Field(max_length=6, index=True)


class RectificationItemRecord(SQLModel, table=True):
    __tablename__ = "rectification_items"
    case_id: str = Field(primary_key=True, max_length=40)
    item_no: int = Field(primary_key=True)
    campaign_id: str | None = Field(default=None, max_length=40, index=True)
    mine_id: int = Field(index=True)
    mine_name: str = Field(max_length=100)
    division_code: str = Field(max_length=6, index=True)
    check: str = Field(max_length=40)
    link: str = Field(max_length=30)
    department: str = Field(max_length=40)
    department_id: int
    department_name: str = Field(max_length=100)
    description: str = Field(max_length=200)
    due: date | None = None
    status: str = Field(max_length=10)
    overdue: bool = False
    escalated: bool = False
    third_party: bool = False
    version: int = 0


class ReferralRecord(SQLModel, table=True):
    """移交纪检监察 / 移交司法 (seed 000 §三(三))."""

    __tablename__ = "campaign_referrals"
    key: str = Field(primary_key=True, max_length=80)
    campaign_id: str | None = Field(default=None, max_length=40, index=True)
    case_id: str = Field(max_length=40, index=True)
    mine_id: int | None = None
    mine_name: str | None = Field(default=None, max_length=100)
    division_code: str = Field(max_length=6, index=True)
    kind: str = Field(max_length=20)
    reason: str = Field(max_length=2000)
    by: str = Field(max_length=40)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RestorationClaim(SQLModel, table=True):
    """Third-party restoration commissioned by the county; its cost is a claim against the enterprise
    (seed 000 §二(一): 费用通过司法途径向责任主体进行追偿)."""

    __tablename__ = "restoration_claims"
    key: str = Field(primary_key=True, max_length=80)
    campaign_id: str | None = Field(default=None, max_length=40, index=True)
    case_id: str = Field(max_length=40, index=True)
    item_no: int
    mine_id: int
    enterprise_id: int | None = None
    enterprise_name: str | None = Field(default=None, max_length=100)
    division_code: str = Field(max_length=6, index=True)
    contractor: str = Field(max_length=200)
    contract_ref: str = Field(max_length=200)
    cost_yuan: float
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
