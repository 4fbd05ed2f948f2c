"""四个一批 as callers use it: the facts recorded per mine, runs over a county, reading a run, and starting the cases a
run calls for — keyword-only functions the routes (api/routes/classification.py) and the console's classification
pages call. The rules are domain/classification.py's; storage is models/classification.py's."""

import hashlib
import uuid
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.deps import Principal
from api.kinds import KINDS
from api.scope import can_view, division_filter
from api.services import campaign as campaign_service
from domain.calendar import CHINA_TZ
from domain.classification import PROCEDURE_FOR, Category
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.campaign import BATCH_LIMIT, BatchResult
from models.classification import (
    AssessmentPublic,
    AssessmentUpdate,
    AssessmentVersion,
    ClassificationRun,
    ClassificationRunCreate,
    ClassificationRunPublic,
    StartFromRun,
    assessment_history,
    assessment_view,
    get_run,
    list_runs,
    mine_ids_by_category,
    read_run,
    record_assessment,
    run_classification,
)
from models.db import Database
from models.registry import Division, DivisionLevel, Mine
from settings import Settings

ASSESSORS = (Role.COUNTY_NR, Role.DEPARTMENT_OFFICER, Role.ADMIN)
RUNNERS = (Role.COUNTY_NR, Role.CITY_NR, Role.ADMIN)
STARTERS = (Role.COUNTY_NR, Role.CITY_NR)


def today() -> date:
    return datetime.now(CHINA_TZ).date()


def official(principal: Principal) -> None:
    if principal.role is Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": "officials"})


async def _mine(session: AsyncSession, mine_id: int) -> Mine:
    mine = await session.get(Mine, mine_id) if 0 < mine_id < 2**31 else None
    if mine is None:
        raise DomainError(ErrorCode.MINE_NOT_FOUND, details={"mine_id": mine_id})
    return mine


async def _visible_mine(session: AsyncSession, principal: Principal, mine_id: int) -> Mine:
    official(principal)
    mine = await _mine(session, mine_id)
    if not can_view(principal, mine.division_code, mine.enterprise_id):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    return mine


# ---- the facts of a mine ----------------------------------------------------------------------------------------

async def assessment(*, session: AsyncSession, principal: Principal, mine_id: int) -> AssessmentPublic:
    """The facts recorded for a mine and its classification today (officials in scope)."""
    mine = await _visible_mine(session, principal, mine_id)
    return await assessment_view(session, mine, today())


async def assessment_versions(*, session: AsyncSession, principal: Principal,
                              mine_id: int) -> list[AssessmentVersion]:
    await _visible_mine(session, principal, mine_id)
    return await assessment_history(session, mine_id)


async def record(*, session: AsyncSession, db: Database, principal: Principal, mine_id: int,
                 body: AssessmentUpdate) -> AssessmentPublic:
    """Replace a mine's recorded facts (its county's bureau or departments; an admin), audited."""
    if principal.role not in ASSESSORS:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": [r.value for r in ASSESSORS]})
    mine = await _mine(session, mine_id)
    if principal.role is not Role.ADMIN and principal.user.division_code != mine.division_code:
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    async with db.write() as write:
        await record_assessment(write, mine=mine, update=body, actor=principal.username, role=principal.role.value)
    async with db.session() as read:
        return await assessment_view(read, mine, today())


# ---- runs over a county -------------------------------------------------------------------------------------------

async def start_run(*, session: AsyncSession, db: Database, principal: Principal, body: ClassificationRunCreate,
                    idempotency_key: str | None) -> ClassificationRunPublic:
    """Classify every mine of a county not closed and store the run; the same Idempotency-Key returns the same run."""
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
                                     as_of=body.as_of or today(), actor=principal.username,
                                     role=principal.role.value)
    except IntegrityError:  # the same Idempotency-Key raced in (PostgreSQL): the other request stored the run
        if idempotency_key is None:
            raise
    async with db.session() as read:
        return await read_run(read, await get_run(read, run_id))


async def run(*, session: AsyncSession, principal: Principal, run_id: str,
              category: Category | None = None) -> ClassificationRunPublic:
    """A run with each mine's result (only `category`'s mines, when given)."""
    official(principal)
    found = await get_run(session, run_id)
    if not can_view(principal, found.division_code, None):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)
    result = await read_run(session, found)
    if category is not None:
        result.mines = [m for m in result.mines if m.category is category]
    return result


async def runs(*, session: AsyncSession, principal: Principal, division_code: str | None = None,
               limit: int = 20) -> list[ClassificationRunPublic]:
    """The latest runs over the caller's jurisdiction (summaries, no per-mine list)."""
    official(principal)
    condition = division_filter(principal, ClassificationRun.division_code)
    if division_code:
        condition = condition & (col(ClassificationRun.division_code) == division_code)  # type: ignore[assignment]
    return [await read_run(session, r, with_mines=False) for r in await list_runs(session, condition, limit=limit)]


async def start_cases(*, session: AsyncSession, db: Database, temporal: Client, settings: Settings,
                      principal: Principal, run_id: str, body: StartFromRun) -> BatchResult:
    """One action from a run: the mines it *decided* into `closure` or `guided_exit` get a 关闭取缔 case, those in
    `upgrade` a 矿山整治 case — each through the kind's batch start (an open case is reported, never doubled)."""
    if principal.role not in STARTERS:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": [r.value for r in STARTERS]})
    found = await get_run(session, run_id)
    if not can_view(principal, found.division_code, None):
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
