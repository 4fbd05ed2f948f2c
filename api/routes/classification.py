"""四个一批：矿山分类事实登记、按县（区）运行分类并查阅结果（seed 002 §04(二)1-4）."""

import hashlib
import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from pydantic import Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from api.deps import CurrentUser, DatabaseDep, Principal, SessionDep, SettingsDep, TemporalDep, require
from api.errors import ErrorBody
from api.kinds import KINDS
from api.scope import can_view, division_filter
from api.services import campaign as campaign_service
from domain.calendar import CHINA_TZ
from domain.classification import PROCEDURE_FOR, Category
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.campaign import BATCH_LIMIT, BatchResult
from models.cases import ShortText, Wire
from models.classification import (
    AssessmentPublic,
    AssessmentUpdate,
    AssessmentVersion,
    ClassificationRun,
    ClassificationRunCreate,
    ClassificationRunPublic,
    assessment_history,
    assessment_view,
    get_run,
    list_runs,
    mine_ids_by_category,
    read_run,
    record_assessment,
    run_classification,
)
from models.registry import Division, DivisionLevel, Mine

router = APIRouter(tags=["四个一批分类"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422)}
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              pattern=r"^[\x21-\x7e]+$")]
ASSESSORS = (Role.COUNTY_NR, Role.DEPARTMENT_OFFICER, Role.ADMIN)
RUNNERS = (Role.COUNTY_NR, Role.CITY_NR, Role.ADMIN)


def _today() -> date:
    return datetime.now(CHINA_TZ).date()


def _official(principal: Principal) -> None:
    if principal.role is Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": "officials"})


async def _mine(session: SessionDep, mine_id: int) -> Mine:
    mine = await session.get(Mine, mine_id) if 0 < mine_id < 2**31 else None
    if mine is None:
        raise DomainError(ErrorCode.MINE_NOT_FOUND, details={"mine_id": mine_id})
    return mine


@router.get("/mines/{mine_id}/assessment", summary="矿山四个一批分类事实及按其得出的当前分类",
            response_model=AssessmentPublic, responses=ERRORS)
async def get_assessment(mine_id: int, principal: CurrentUser, session: SessionDep) -> AssessmentPublic:
    _official(principal)
    mine = await _mine(session, mine_id)
    if not can_view(principal, mine.division_code, mine.enterprise_id):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    return await assessment_view(session, mine, _today())


@router.get("/mines/{mine_id}/assessment/history", summary="矿山四个一批分类事实的历次登记（谁、何时、内容）",
            response_model=list[AssessmentVersion], responses=ERRORS)
async def get_assessment_history(mine_id: int, principal: CurrentUser, session: SessionDep
                                 ) -> list[AssessmentVersion]:
    _official(principal)
    mine = await _mine(session, mine_id)
    if not can_view(principal, mine.division_code, mine.enterprise_id):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    return await assessment_history(session, mine_id)


@router.post("/mines/{mine_id}/assessment", summary="登记或更新矿山四个一批分类事实（本县自然资源局、部门经办人）",
            description="整条记录替换：未填写的事实视为未知，分类时列为缺失事实，不作推定。每次登记记入审计链。",
            response_model=AssessmentPublic, responses=ERRORS)
async def record_mine_assessment(mine_id: int, body: AssessmentUpdate, principal: CurrentUser, session: SessionDep,
                         db: DatabaseDep) -> AssessmentPublic:
    if principal.role not in ASSESSORS:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": [r.value for r in ASSESSORS]})
    mine = await _mine(session, mine_id)
    if principal.role is not Role.ADMIN and principal.user.division_code != mine.division_code:
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    async with db.write() as write:
        await record_assessment(write, mine=mine, update=body, actor=principal.username, role=principal.role.value)
    async with db.session() as read:
        return await assessment_view(read, mine, _today())


@router.post("/classifications", status_code=201, summary="对一个县（区）全部矿山运行四个一批分类（县、市自然资源局）",
             description="逐矿列出成立的全部条件及其条款、决定类别所缺的事实；结果保存，可按编号查阅。"
                         "带 `Idempotency-Key` 时同一键返回同一次运行。",
             response_model=ClassificationRunPublic, responses=ERRORS)
async def create_run(body: ClassificationRunCreate, principal: CurrentUser, session: SessionDep, db: DatabaseDep,
                     idempotency_key: IdempotencyKey = None) -> ClassificationRunPublic:
    if principal.role not in RUNNERS:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": [r.value for r in RUNNERS]})
    division = await session.get(Division, body.division_code)
    if division is None:
        raise DomainError(ErrorCode.DIVISION_NOT_FOUND, details={"division_code": body.division_code})
    if division.level is not DivisionLevel.COUNTY:
        raise DomainError(ErrorCode.INVALID_DIVISION_CODE, "须为县（区）级行政区划", {"division_code": division.code})
    if not can_view(principal, division.code, None):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    run_id = (hashlib.sha256(f"{principal.username}\n{idempotency_key}".encode()).hexdigest()[:32]
              if idempotency_key else uuid.uuid4().hex)
    try:
        async with db.write() as write:
            await run_classification(write, run_id=run_id, division_code=division.code,
                                     as_of=body.as_of or _today(), actor=principal.username,
                                     role=principal.role.value)
    except IntegrityError:  # the same Idempotency-Key raced in (PostgreSQL): the other request stored the run
        if idempotency_key is None:
            raise
    async with db.session() as read:
        return await read_run(read, await get_run(read, run_id))


@router.get("/classifications/{run_id}", summary="四个一批分类结果（各类别数量、逐矿类别、条件与缺失事实）",
            response_model=ClassificationRunPublic, responses=ERRORS)
async def read_classification(run_id: str, principal: CurrentUser, session: SessionDep,
                              category: Annotated[Category | None, Query(description="只列该类别的矿山")] = None,
                              ) -> ClassificationRunPublic:
    _official(principal)
    run = await get_run(session, run_id)
    if not can_view(principal, run.division_code, None):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    result = await read_run(session, run)
    if category is not None:
        result.mines = [m for m in result.mines if m.category is category]
    return result


@router.get("/classifications", summary="四个一批分类运行记录（按管辖范围，最近的在前）",
            response_model=list[ClassificationRunPublic], responses=ERRORS)
async def list_classifications(principal: CurrentUser, session: SessionDep,
                               division_code: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None
                               ) -> list[ClassificationRunPublic]:
    _official(principal)
    condition = division_filter(principal, ClassificationRun.division_code)
    if division_code:
        condition = condition & (col(ClassificationRun.division_code) == division_code)  # type: ignore[assignment]
    runs = await list_runs(session, condition, limit=20)
    return [await read_run(session, run, with_mines=False) for run in runs]


class StartFromRun(Wire):
    category: Category = Field(description="按哪一类启动：closure 关闭取缔 / guided_exit 引导退出（均启动关闭取缔）"
                                           "/ upgrade 升级改造（启动矿山整治）")
    campaign_id: str | None = Field(default=None, max_length=40, description="所属治理整顿案件编号（可选）")
    plan_ref: ShortText | None = Field(default=None, description="关闭方案批复文号（启动关闭取缔时必填，seed 002 §05）")


@router.post("/classifications/{run_id}/cases", response_model=BatchResult, responses=ERRORS,
             summary="按分类结果一键启动：关闭取缔、引导退出的矿山启动关闭取缔，升级改造的矿山启动矿山整治",
             description="只取本次运行已确定为该类别的矿山（缺少事实、尚未确定的不启动）；已有同类在办案件的矿山不重复启动。")
async def start_from_run(run_id: Annotated[str, Path(max_length=32)], body: StartFromRun,
                         principal: Annotated[Principal, require(Role.COUNTY_NR, Role.CITY_NR)],
                         session: SessionDep, db: DatabaseDep, temporal: TemporalDep,
                         settings: SettingsDep) -> BatchResult:
    run = await get_run(session, run_id)
    if not can_view(principal, run.division_code, None):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    procedure = PROCEDURE_FOR.get(body.category)
    if procedure is None:
        raise DomainError(ErrorCode.VALIDATION_FAILED, "合理新设须走出让程序（POST /api/v1/grants），不能一键启动",
                          {"field": "category"})
    kind = KINDS[procedure]
    assert kind.batch is not None
    needs_plan = "plan_ref" in kind.batch.request.model_fields  # closures carry the approved closure plan
    if needs_plan and not body.plan_ref:
        raise DomainError(ErrorCode.VALIDATION_FAILED, f"启动{kind.name}须填写关闭方案批复文号", {"field": "plan_ref"})
    mine_ids = await mine_ids_by_category(session, run_id, body.category)
    result = BatchResult()
    for chunk in (mine_ids[i:i + BATCH_LIMIT] for i in range(0, len(mine_ids), BATCH_LIMIT)):
        extra = {"plan_ref": body.plan_ref} if needs_plan else {}
        request = kind.batch.request(mine_ids=chunk, campaign_id=body.campaign_id, **extra)
        part = await campaign_service.start_batch(kind=kind, session=session, db=db, temporal=temporal,
                                                  settings=settings, principal=principal, body=request)
        result.started += part.started
        result.existing += part.existing
        result.refused += part.refused
    return result
