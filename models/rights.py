"""The mining-right registry (矿业权): each right and the history of every change of holder, scale, area or
validity. Layered as in models/registry.py: Base → Create → table → Public.

The range (拐点坐标) is stored as a closed ring of CGCS2000 (X, Y) points in JSON; `domain.rights.polygon_problem`
validates it (shapely) before anything is written.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, model_validator
from pydantic import Field as Constraint
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.rights import (
    CRS,
    RIGHT_KIND_NAMES,
    AuthorityLevel,
    RightKind,
    RightStatus,
    Scale,
    closed_ring,
    polygon_problem,
)
from models.cases import SAFE_NAME, SAFE_TEXT
from models.db import UTCDateTime, str_enum, utcnow

Point = list[float]


def valid_ring(value: list[Point]) -> list[Point]:
    """A range (拐点坐标) as the closed ring it is stored as, or why it is no valid polygon."""
    if problem := polygon_problem(value):
        raise ValueError(problem)
    return closed_ring(value)


# 3 to 500 points, checked before the polygon itself is
Ring = Annotated[list[Point], Constraint(min_length=3, max_length=500), AfterValidator(valid_ring)]


class MiningRightBase(SQLModel):
    # titles and pickers (`x-picker`): the console's register and correction forms (console/registry.py)
    kind: RightKind = Field(default=RightKind.MINING, sa_type=str_enum(RightKind), title="矿业权类型",
                            description="采矿权（mining）或探矿权（exploration）",
                            schema_extra={"json_schema_extra": {"x-choices": {k.value: n for k, n in
                                                                              RIGHT_KIND_NAMES.items()}}})
    licence_no: str = Field(min_length=6, max_length=40, unique=True, schema_extra={"pattern": r"^[A-Za-z0-9-]+$"},
                            title="许可证号", description="许可证号（字母、数字和连字符）")
    mine_name: str = Field(min_length=2, max_length=100, schema_extra={"pattern": SAFE_NAME},
                           title="矿山（勘查项目）名称", description="矿山（勘查项目）名称")
    mine_id: int | None = Field(default=None, foreign_key="mines.id", ge=1, le=2**31 - 1, title="登记的矿山",
                                description="登记的矿山（如有）",
                                schema_extra={"json_schema_extra": {"x-picker": "jurisdiction_mine"}})
    holder_enterprise_id: int = Field(foreign_key="enterprises.id", index=True, ge=1, le=2**31 - 1,
                                      title="矿业权人", description="矿业权人",
                                      schema_extra={"json_schema_extra": {"x-picker": "enterprise"}})
    division_code: str = Field(foreign_key="divisions.code", min_length=6, max_length=6, index=True,
                               title="所在县（区）", description="所在县（区）",
                               schema_extra={"json_schema_extra": {"x-picker": "county"}})
    mineral: str = Field(min_length=1, max_length=32, schema_extra={"pattern": SAFE_NAME}, title="矿种",
                         description="矿种")
    open_pit: bool = Field(default=True, title="露天开采", description="露天开采")
    scale: Scale = Field(sa_type=str_enum(Scale), title="生产规模类型",
                         description="大型（large）、中型（medium）或小型（small）")
    scale_wt: float = Field(gt=0, le=10000, title="生产规模（万吨/年）", description="生产规模（万吨/年）")
    valid_from: date = Field(title="有效期起")
    valid_to: date = Field(title="有效期止")
    state_owned: bool = Field(default=False, title="国有矿山企业", description="国有矿山企业")
    production_started_on: date | None = Field(default=None, title="投入生产日期", description="投入采矿生产日期")


class MiningRightCreate(MiningRightBase):
    area: Ring = Field(title="矿区范围拐点坐标", description="拐点坐标依次为 [X, Y]（CGCS2000，米），首尾可闭合",
                       schema_extra={"json_schema_extra": {"x-widget": "coordinates"}})

    @model_validator(mode="after")
    def _dates_in_order(self) -> "MiningRightCreate":
        if self.valid_to <= self.valid_from:
            raise ValueError("有效期止日必须晚于起日")
        return self


class MiningRight(MiningRightBase, table=True):
    __tablename__ = "mining_rights"
    id: int | None = Field(default=None, primary_key=True)
    area: list[Point] = Field(sa_column=Column(JSON, nullable=False))
    crs: str = Field(default=CRS, max_length=20)
    authority_level: AuthorityLevel = Field(sa_type=str_enum(AuthorityLevel), description="登记管理权限")
    status: RightStatus = Field(default=RightStatus.VALID, index=True, sa_type=str_enum(RightStatus))
    ownership_dispute: bool = Field(default=False, description="权属存在争议")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MiningRightPublic(MiningRightBase):
    id: int
    area: list[Point]
    crs: str
    authority_level: AuthorityLevel
    status: RightStatus
    ownership_dispute: bool
    holder_name: str = ""
    version: int


class RightChange(StrEnum):
    CREATED = "created"
    HOLDER = "holder"
    SCALE = "scale"
    AREA = "area"
    VALIDITY = "validity"
    STATUS = "status"


RIGHT_CHANGE_NAMES = {
    RightChange.CREATED: "设立登记", RightChange.HOLDER: "矿业权人变更", RightChange.SCALE: "规模变更",
    RightChange.AREA: "矿区范围变更", RightChange.VALIDITY: "有效期变更", RightChange.STATUS: "状态变更",
}


class MiningRightHistory(SQLModel, table=True):
    """Every change of a right. A change made by a case is keyed by (case_id, change): a retried registration
    finds its row and writes nothing twice."""

    __tablename__ = "mining_right_history"
    __table_args__ = (UniqueConstraint("case_id", "change", name="uq_mining_right_history_case_change"),)
    id: int | None = Field(default=None, primary_key=True)
    right_id: int = Field(foreign_key="mining_rights.id", index=True)
    change: RightChange = Field(sa_type=str_enum(RightChange))
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    case_id: str | None = Field(default=None, max_length=40, index=True)
    reason: str = Field(default="", max_length=500)
    by_username: str = Field(max_length=40)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MiningRightHistoryPublic(SQLModel):
    id: int
    right_id: int
    change: RightChange
    change_name: str
    before: dict[str, Any]
    after: dict[str, Any]
    case_id: str | None
    reason: str
    by_username: str
    at: datetime


class MiningRightUpdate(SQLModel):
    """A registry correction by an official (not a procedure): scale, area or validity, with its reason."""

    scale: Scale | None = Field(default=None, title="生产规模类型")
    scale_wt: float | None = Field(default=None, gt=0, le=10000, title="生产规模（万吨/年）")
    area: Ring | None = Field(default=None, title="矿区范围拐点坐标",
                              description="CGCS2000，米；每行一个拐点 X,Y（Y 可带 3°带号）",
                              schema_extra={"json_schema_extra": {"x-widget": "coordinates"}})
    valid_from: date | None = Field(default=None, title="有效期起")
    valid_to: date | None = Field(default=None, title="有效期止")
    ownership_dispute: bool | None = Field(default=None, title="权属存在争议")
    reason: str = Field(min_length=1, max_length=500, schema_extra={"pattern": SAFE_TEXT}, title="更正理由",
                        description="更正依据和理由（记入变更历史）")


async def add_right(session: AsyncSession, right: MiningRight, *, reason: str, by_username: str,
                    case_id: str | None = None) -> MiningRight:
    """A new right in the registry, its history opened with the `created` row (a case's, when `case_id` is set)."""
    session.add(right)
    await session.flush()
    assert right.id is not None
    session.add(MiningRightHistory(right_id=right.id, change=RightChange.CREATED, before={},
                                   after={"licence_no": right.licence_no,
                                          "holder_enterprise_id": right.holder_enterprise_id},
                                   case_id=case_id, reason=reason, by_username=by_username))
    return right
