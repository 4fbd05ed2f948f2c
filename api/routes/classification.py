"""四个一批：矿山分类事实登记、按县（区）运行分类并查阅结果（seed 002 §04(二)1-4）.

Thin: the look-ups and writes are api/services/classification.py's, which the console's classification pages call
too."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query

from api.deps import CurrentUser, DatabaseDep, Principal, SessionDep, SettingsDep, TemporalDep, require
from api.errors import ErrorBody
from api.services import classification as service
from domain.classification import Category
from domain.roles import Role
from models.campaign import BatchResult
from models.classification import (
    AssessmentPublic,
    AssessmentUpdate,
    AssessmentVersion,
    ClassificationRunCreate,
    ClassificationRunPublic,
    StartFromRun,
)

router = APIRouter(tags=["四个一批分类"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422)}
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              pattern=r"^[\x21-\x7e]+$")]

__all__ = ["StartFromRun", "router"]  # StartFromRun lives in models/classification.py; re-exported for old imports


@router.get("/mines/{mine_id}/assessment", summary="矿山四个一批分类事实及按其得出的当前分类",
            response_model=AssessmentPublic, responses=ERRORS)
async def get_assessment(mine_id: int, principal: CurrentUser, session: SessionDep) -> AssessmentPublic:
    return await service.assessment(session=session, principal=principal, mine_id=mine_id)


@router.get("/mines/{mine_id}/assessment/history", summary="矿山四个一批分类事实的历次登记（谁、何时、内容）",
            response_model=list[AssessmentVersion], responses=ERRORS)
async def get_assessment_history(mine_id: int, principal: CurrentUser, session: SessionDep
                                 ) -> list[AssessmentVersion]:
    return await service.assessment_versions(session=session, principal=principal, mine_id=mine_id)


@router.post("/mines/{mine_id}/assessment", summary="登记或更新矿山四个一批分类事实（本县自然资源局、部门经办人）",
             description="整条记录替换：未填写的事实视为未知，分类时列为缺失事实，不作推定。每次登记记入审计链。",
             response_model=AssessmentPublic, responses=ERRORS)
async def record_mine_assessment(mine_id: int, body: AssessmentUpdate, principal: CurrentUser, session: SessionDep,
                                 db: DatabaseDep) -> AssessmentPublic:
    return await service.record(session=session, db=db, principal=principal, mine_id=mine_id, body=body)


@router.post("/classifications", status_code=201, summary="对一个县（区）全部矿山运行四个一批分类（县、市自然资源局）",
             description="逐矿列出成立的全部条件及其条款、决定类别所缺的事实；结果保存，可按编号查阅。"
                         "带 `Idempotency-Key` 时同一键返回同一次运行。",
             response_model=ClassificationRunPublic, responses=ERRORS)
async def create_run(body: ClassificationRunCreate, principal: CurrentUser, session: SessionDep, db: DatabaseDep,
                     idempotency_key: IdempotencyKey = None) -> ClassificationRunPublic:
    return await service.start_run(session=session, db=db, principal=principal, body=body,
                                   idempotency_key=idempotency_key)


@router.get("/classifications/{run_id}", summary="四个一批分类结果（各类别数量、逐矿类别、条件与缺失事实）",
            response_model=ClassificationRunPublic, responses=ERRORS)
async def read_classification(run_id: str, principal: CurrentUser, session: SessionDep,
                              category: Annotated[Category | None, Query(description="只列该类别的矿山")] = None,
                              ) -> ClassificationRunPublic:
    return await service.run(session=session, principal=principal, run_id=run_id, category=category)


@router.get("/classifications", summary="四个一批分类运行记录（按管辖范围，最近的在前）",
            response_model=list[ClassificationRunPublic], responses=ERRORS)
async def list_classifications(principal: CurrentUser, session: SessionDep,
                               division_code: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None
                               ) -> list[ClassificationRunPublic]:
    return await service.runs(session=session, principal=principal, division_code=division_code)


@router.post("/classifications/{run_id}/cases", response_model=BatchResult, responses=ERRORS,
             summary="按分类结果一键启动：关闭取缔、引导退出的矿山启动关闭取缔，升级改造的矿山启动矿山整治",
             description="只取本次运行已确定为该类别的矿山（缺少事实、尚未确定的不启动）；已有同类在办案件的矿山不重复启动。")
async def start_from_run(run_id: Annotated[str, Path(max_length=32)], body: StartFromRun,
                         principal: Annotated[Principal, require(Role.COUNTY_NR, Role.CITY_NR)],
                         session: SessionDep, db: DatabaseDep, temporal: TemporalDep,
                         settings: SettingsDep) -> BatchResult:
    return await service.start_cases(session=session, db=db, temporal=temporal, settings=settings,
                                     principal=principal, run_id=run_id, body=body)
