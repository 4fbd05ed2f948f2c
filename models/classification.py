"""四个一批: the facts officials record about each mine (beyond the registry), and the runs of the classifier over a
county with their per-mine results. The rules are domain/classification.py's; this module stores and reads."""

import json
from datetime import date, datetime

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.classification import (
    CATEGORY_NAMES,
    Category,
    Classification,
    CriterionResult,
    MineFacts,
    MissingFact,
    ScaleClass,
    classify,
)
from domain.divisions import city_of
from domain.errors import DomainError, ErrorCode
from models.audit import AuditEntry, AuditEvent, append_events
from models.cases import SAFE_NAME, PlausibleDay, ShortText, Wire
from models.db import UTCDateTime, str_enum, utcnow
from models.registry import Mine, MineStatus

NOTE_PATTERN = SAFE_NAME.replace("+$", "*$")


class AssessmentFacts(SQLModel):
    """The facts of a mine the registry does not hold; each may be left unknown (null)."""

    remaining_service_years: float | None = Field(default=None, ge=0, le=500,
                                                  description="剩余服务年限（年，不含基建期）")
    production_scale_class: ScaleClass | None = Field(default=None, sa_type=str_enum(ScaleClass),
                                                      description="生产规模类型：large 大型 / medium 中型 / small 小型")
    deposit_scale_class: ScaleClass | None = Field(default=None, sa_type=str_enum(ScaleClass),
                                                   description="矿床规模类型")
    has_safety_permit: bool | None = Field(default=None, description="持有有效安全生产许可证")
    illegal_mining_unrectified: bool | None = Field(default=None,
                                                    description="越界开采、以采代建或持勘查许可证采矿且拒不整改或整改不到位")
    safety_failed_after_suspension: bool | None = Field(default=None, description="经停产整顿仍达不到安全生产条件")
    obsolete_process_unrectified: bool | None = Field(default=None,
                                                      description="使用应当淘汰的工艺、设备且拒不整改仍生产建设")
    accident_or_design_mismatch_unrectified: bool | None = Field(
        default=None, description="发生过安全事故或开采现状与设计不符，未整改到位或不具备安全生产条件")
    in_ecological_red_line: bool | None = Field(default=None, description="位于生态保护红线内")
    in_nature_reserve: bool | None = Field(default=None, description="位于自然保护区等自然保护地内")
    visible_from_major_road_or_railway: bool | None = Field(default=None, description="位于重要公路、铁路可视范围内")
    resources_exhausted_uneconomic: bool | None = Field(default=None,
                                                        description="资源濒临枯竭、开采收益不足以支付生态成本")
    county_decided_closure: bool | None = Field(default=None, description="经县委县政府研究应当关闭取缔")
    long_suspended_own_reasons: bool | None = Field(default=None, description="由于企业自身原因长期停产停建")
    county_decided_exit: bool | None = Field(default=None, description="经县委县政府研究应当引导退出")
    environmental_violation_unrectified: bool | None = Field(default=None,
                                                             description="存在生态破坏、环境污染或重大环境隐患未整改")


class AssessmentUpdate(AssessmentFacts):
    """`POST /mines/{id}/assessment`: the whole record (a field left out becomes unknown)."""

    model_config = {"extra": "forbid"}  # type: ignore[assignment]
    note: str = Field(default="", max_length=500, schema_extra={"pattern": NOTE_PATTERN},
                      description="依据（文件、检查记录等）")


class MineAssessment(AssessmentFacts, table=True):
    __tablename__ = "mine_assessments"
    mine_id: int = Field(foreign_key="mines.id", primary_key=True)
    note: str = Field(default="", max_length=500)
    version: int = Field(default=1, description="第几次登记（每次更新加一）")
    recorded_by: str = Field(max_length=40)
    recorded_role: str = Field(max_length=30)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class AssessmentPublic(AssessmentFacts):
    mine_id: int
    note: str = ""
    version: int = 0
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    classification: Classification


def mine_facts(mine: Mine, assessment: MineAssessment | None) -> MineFacts:
    """The classifier's input: the registry's facts and what officials recorded (unknown stays unknown)."""
    recorded = AssessmentFacts.model_validate(assessment).model_dump() if assessment else {}
    return MineFacts(mine_id=mine.id, mineral=mine.mineral, method=mine.method, scale_wt=mine.scale_wt,
                     licence_valid_from=mine.licence_valid_from, licence_valid_to=mine.licence_valid_to,
                     producing=mine.status is MineStatus.PRODUCING, **recorded)


async def _audit(session: AsyncSession, event: AuditEvent) -> None:
    dialect = (await session.connection()).dialect.name
    await append_events(session, [event], is_sqlite=dialect == "sqlite")


async def record_assessment(session: AsyncSession, *, mine: Mine, update: AssessmentUpdate, actor: str,
                            role: str) -> MineAssessment:
    """Record (or replace) a mine's facts, audited; call inside `Database.write()`."""
    assert mine.id is not None
    row = await session.get(MineAssessment, mine.id)
    values = update.model_dump()
    if row is None:
        row = MineAssessment(mine_id=mine.id, recorded_by=actor, recorded_role=role, **values)
    else:
        for name, value in values.items():
            setattr(row, name, value)
        row.version += 1
        row.recorded_by, row.recorded_role, row.recorded_at = actor, role, utcnow()
    session.add(row)
    await session.flush()
    await _audit(session, AuditEvent(
        event_key=f"assessment:{mine.id}:{row.version}", at=row.recorded_at, actor=actor, role=role,
        action="mine_assessment_recorded", detail=f"登记矿山“{mine.name}”四个一批分类事实（第 {row.version} 次）",
        data={"mine_id": mine.id, "version": row.version, **update.model_dump(mode="json")}))
    return row


class AssessmentVersion(BaseModel):
    version: int
    recorded_by: str
    role: str
    recorded_at: datetime
    facts: dict[str, object]


async def assessment_history(session: AsyncSession, mine_id: int) -> list[AssessmentVersion]:
    """Every version of a mine's facts, oldest first, as the audit chain recorded them."""
    rows = (await session.exec(select(AuditEntry).where(col(AuditEntry.event_key).startswith(f"assessment:{mine_id}:"))
                               .order_by(col(AuditEntry.id)))).all()
    versions = []
    for row in rows:
        data = json.loads(row.data)
        versions.append(AssessmentVersion(version=data.pop("version"), recorded_by=row.actor, role=row.role,
                                          recorded_at=row.at, facts={k: v for k, v in data.items() if k != "mine_id"}))
    return versions


async def assessment_view(session: AsyncSession, mine: Mine, as_of: date) -> AssessmentPublic:
    assert mine.id is not None
    row = await session.get(MineAssessment, mine.id)
    base = row.model_dump() if row else {"mine_id": mine.id}
    return AssessmentPublic(**base, classification=classify(mine_facts(mine, row), as_of))


# ---- runs over a county -----------------------------------------------------------------------------------------

class ClassificationRun(SQLModel, table=True):
    __tablename__ = "classification_runs"
    id: str = Field(primary_key=True, max_length=32)
    division_code: str = Field(foreign_key="divisions.code", max_length=6, index=True)
    city_code: str = Field(max_length=6, index=True)
    as_of: date
    mine_count: int = 0
    created_by: str = Field(max_length=40)
    created_role: str = Field(max_length=30)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ClassificationResult(SQLModel, table=True):
    __tablename__ = "classification_results"
    __table_args__ = (UniqueConstraint("run_id", "mine_id"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="classification_runs.id", max_length=32, index=True)
    mine_id: int = Field(foreign_key="mines.id", index=True)
    mine_name: str = Field(max_length=100)
    category: Category | None = Field(default=None, sa_type=str_enum(Category), index=True)
    provisional_category: Category | None = Field(default=None, sa_type=str_enum(Category))
    decided: bool
    result: str = Field(sa_column=Column(Text, nullable=False), description="the Classification, JSON")
    facts: str = Field(sa_column=Column(Text, nullable=False), description="the facts classified, JSON")


class ClassificationRunCreate(BaseModel):
    """`POST /classifications`."""

    model_config = {"extra": "forbid"}
    division_code: str = PydanticField(pattern=r"^[0-9]{6}$", title="县（区）", description="县（区）行政区划代码",
                                       json_schema_extra={"x-picker": "county"})
    as_of: PlausibleDay | None = PydanticField(None, title="分类基准日", description="分类基准日（默认今天）",
                                       json_schema_extra={"x-default": "today"})


class StartFromRun(Wire):
    """`POST /classifications/{run_id}/cases`: start the cases one category of a run calls for."""

    category: Category = PydanticField(
        title="类别",
        description="按哪一类启动：closure 关闭取缔 / guided_exit 引导退出（均启动关闭取缔）"
                    "/ upgrade 升级改造（启动矿山整治）")
    campaign_id: str | None = PydanticField(default=None, max_length=40, title="所属治理整顿",
                                            description="所属治理整顿案件编号（可选）",
                                            json_schema_extra={"x-picker": "campaign"})
    plan_ref: ShortText | None = PydanticField(default=None, title="关闭方案批复文号",
                                               description="关闭方案批复文号（启动关闭取缔时必填，seed 002 §05）")


class MineClassification(BaseModel):
    mine_id: int
    mine_name: str
    category: Category | None
    category_name: str | None
    decided: bool
    provisional_category: Category | None
    matched: list[CriterionResult]
    flags: list[CriterionResult]
    missing_facts: list[MissingFact]
    upgrade_tasks: list[dict[str, str]]


class ClassificationRunPublic(BaseModel):
    run_id: str
    division_code: str
    city_code: str
    as_of: date
    created_by: str
    created_at: datetime
    mine_count: int
    counts: dict[str, int] = PydanticField(description="各类别矿山数；undecided 为事实不全尚不能决定的")
    mines: list[MineClassification] = PydanticField(default=[], description="逐矿结果（列表接口不含）")


async def run_classification(session: AsyncSession, *, run_id: str, division_code: str, as_of: date, actor: str,
                             role: str) -> ClassificationRun:
    """Classify every mine of a county that is not closed, storing the run and each mine's result (call inside
    `Database.write()`); a run id already stored is returned as it is (idempotent)."""
    if existing := await session.get(ClassificationRun, run_id):
        return existing
    mines = list((await session.exec(select(Mine).where(Mine.division_code == division_code,
                                                        col(Mine.status) != MineStatus.CLOSED)
                                     .order_by(col(Mine.id)))).all())
    if not mines:
        raise DomainError(ErrorCode.NO_MINES_TO_CLASSIFY, details={"division_code": division_code})
    assessments = {a.mine_id: a for a in (await session.exec(
        select(MineAssessment).where(col(MineAssessment.mine_id).in_([m.id for m in mines])))).all()}
    run = ClassificationRun(id=run_id, division_code=division_code, city_code=city_of(division_code), as_of=as_of,
                            mine_count=len(mines), created_by=actor, created_role=role)
    session.add(run)
    await session.flush()
    counts: dict[str, int] = {}
    for mine in mines:
        assert mine.id is not None
        facts = mine_facts(mine, assessments.get(mine.id))
        result = classify(facts, as_of)
        key = result.category.value if result.category else ("undecided" if not result.decided else "none")
        counts[key] = counts.get(key, 0) + 1
        session.add(ClassificationResult(
            run_id=run_id, mine_id=mine.id, mine_name=mine.name, category=result.category,
            provisional_category=result.provisional_category, decided=result.decided,
            result=result.model_dump_json(), facts=facts.model_dump_json()))
    await session.flush()
    await _audit(session, AuditEvent(
        event_key=f"classification:{run_id}", at=run.created_at, actor=actor, role=role,
        action="classification_run", detail=f"对 {division_code} 的 {len(mines)} 座矿山进行四个一批分类",
        data={"run_id": run_id, "division_code": division_code, "as_of": as_of.isoformat(), "counts": counts}))
    return run


def _counts(results: list[ClassificationResult]) -> dict[str, int]:
    counts = dict.fromkeys([*(c.value for c in Category), "undecided"], 0)
    for r in results:
        counts[r.category.value if r.category else "undecided"] += 1
    return counts


async def get_run(session: AsyncSession, run_id: str) -> ClassificationRun:
    run = await session.get(ClassificationRun, run_id) if len(run_id) <= 32 else None
    if run is None:
        raise DomainError(ErrorCode.CLASSIFICATION_RUN_NOT_FOUND, details={"run_id": run_id})
    return run


async def read_run(session: AsyncSession, run: ClassificationRun, *, with_mines: bool = True
                   ) -> ClassificationRunPublic:
    results = list((await session.exec(select(ClassificationResult).where(ClassificationResult.run_id == run.id)
                                       .order_by(col(ClassificationResult.mine_id)))).all())
    mines = []
    for r in results if with_mines else []:
        c = json.loads(r.result)
        mines.append(MineClassification(
            mine_id=r.mine_id, mine_name=r.mine_name, category=r.category,
            category_name=CATEGORY_NAMES[r.category] if r.category else None, decided=r.decided,
            provisional_category=r.provisional_category, matched=c["matched"], flags=c["flags"],
            missing_facts=c["missing_facts"], upgrade_tasks=c["upgrade_tasks"]))
    return ClassificationRunPublic(run_id=run.id, division_code=run.division_code, city_code=run.city_code,
                                   as_of=run.as_of, created_by=run.created_by, created_at=run.created_at,
                                   mine_count=run.mine_count, counts=_counts(results), mines=mines)


async def mine_ids_by_category(session: AsyncSession, run_id: str, category: Category) -> list[int]:
    """The mines a run *decided* into `category` (undecided mines are never included): what the lead's batch start
    of closure (关闭取缔) or rectification workflows takes."""
    await get_run(session, run_id)
    return list((await session.exec(select(ClassificationResult.mine_id).where(
        ClassificationResult.run_id == run_id, ClassificationResult.category == category,
        col(ClassificationResult.decided).is_(True)).order_by(col(ClassificationResult.mine_id)))).all())


async def list_runs(session: AsyncSession, condition: object, limit: int = 50) -> list[ClassificationRun]:
    return list((await session.exec(select(ClassificationRun).where(condition)  # type: ignore[arg-type]
                                    .order_by(col(ClassificationRun.created_at).desc()).limit(limit))).all())
