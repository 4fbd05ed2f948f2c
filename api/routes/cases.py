"""案件：查询、列表与办理操作."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from pydantic import BaseModel
from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api import case_service
from api.actions import available_actions
from api.deps import CurrentUser, Principal, SessionDep, SettingsDep, TemporalDep
from api.errors import ErrorBody
from api.kinds import KINDS
from api.schemas import CaseList, CaseOut, CaseSummary, case_out
from api.scope import case_filter
from domain.calendar import default_calendar
from domain.cases import Status
from domain.divisions import division_code_problem, level
from domain.errors import DomainError, ErrorCode
from models.cases import (
    AddPartyInput,
    AddPartyRequest,
    CommitteeDecisionInput,
    CommitteeDecisionRequest,
    CopyInput,
    CopyRequest,
    DelegateInput,
    DelegateRequest,
    DraftInput,
    DraftRequest,
    ReassignInput,
    ReassignRequest,
    RemovePartyInput,
    RemovePartyRequest,
    SignOffInput,
    SignOffRequest,
    UrgeInput,
    UrgeRequest,
)
from models.db import utcnow
from models.projection import CaseCopy, CaseRecord
from models.reopening import (
    ApprovalInput,
    ApprovalRequest,
    CityFilingInput,
    CityFilingRequest,
    CommitteeMaterialInput,
    CommitteeMaterialRequest,
    CorrectionInput,
    CorrectionRequest,
    IntakeRequest,
    RectificationDoneInput,
    RectificationDoneRequest,
    ResumptionInput,
    ResumptionRequest,
    ReturnInput,
    ReturnRequest,
    WithdrawInput,
    WithdrawRequest,
)
from settings import Settings

router = APIRouter(tags=["案件"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422, 503)}


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _encode_cursor(record: CaseRecord) -> str:
    return base64.urlsafe_b64encode(f"{record.submitted_at.isoformat()}|{record.case_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, case_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(at), case_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise DomainError(ErrorCode.VALIDATION_FAILED, "分页游标无效", {"field": "cursor"}) from exc


@router.get("/cases", summary="案件列表（按管辖范围，可筛选、搜索、分页）", response_model=CaseList, responses=ERRORS)
async def list_cases(
    principal: CurrentUser, session: SessionDep,
    kind: Annotated[str | None, Query(max_length=20, description="案件类型，如 reopening")] = None,
    stage: Annotated[str | None, Query(max_length=30, description="阶段代码（所选类型的阶段）")] = None,
    status: Annotated[Status | None, Query(description="状态")] = None,
    division_code: Annotated[str | None, Query(description="县（区）或市的行政区划代码")] = None,
    overdue: Annotated[bool | None, Query(description="只看逾期")] = None,
    q: Annotated[str | None, Query(max_length=50, description="按矿山、企业名称、许可证号或案件编号搜索")] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200, description="键集分页游标（来自上一页的 next_cursor）")] = None,
) -> CaseList:
    conditions = [case_filter(principal)]
    if kind:
        conditions.append(col(CaseRecord.kind) == kind)
    if stage:
        known = [KINDS[kind]] if kind in KINDS else list(KINDS.values())
        if not any(stage in k.stage_names for k in known):
            raise DomainError(ErrorCode.VALIDATION_FAILED, f"未知的阶段：{stage}", {"field": "stage"})
        conditions.append(col(CaseRecord.stage) == stage)
    if status:
        conditions.append(col(CaseRecord.status) == status.value)
    if division_code:
        if problem := division_code_problem(division_code):
            raise DomainError(ErrorCode.INVALID_DIVISION_CODE, problem, {"field": "division_code"})
        conditions.append(col(CaseRecord.division_code) == division_code if level(division_code) == "county"
                          else col(CaseRecord.city_code) == division_code if level(division_code) == "city"
                          else col(CaseRecord.division_code).startswith(division_code[:2]))
    if overdue is not None:
        conditions.append(col(CaseRecord.overdue) == overdue)
    if q and q.strip():
        pattern = _like(q.strip())
        conditions.append(or_(*(col(c).ilike(pattern, escape="\\") for c in (
            CaseRecord.mine_name, CaseRecord.enterprise_name, CaseRecord.licence_no, CaseRecord.case_id))))
    total = (await session.exec(select(func.count()).select_from(CaseRecord).where(*conditions))).one()
    query = select(CaseRecord).where(*conditions)
    if cursor:
        at, case_id = _decode_cursor(cursor)
        query = query.where(or_(col(CaseRecord.submitted_at) < at,
                                and_(col(CaseRecord.submitted_at) == at, col(CaseRecord.case_id) < case_id)))
    else:
        query = query.offset((page - 1) * page_size)
    rows = (await session.exec(query.order_by(col(CaseRecord.submitted_at).desc(), col(CaseRecord.case_id).desc())
                               .limit(page_size + 1))).all()
    items = list(rows[:page_size])
    return CaseList(items=[CaseSummary.of(r) for r in items], total=total, page=page, page_size=page_size,
                    next_cursor=_encode_cursor(items[-1]) if len(rows) > page_size else None)


@router.get("/cases/{case_id}", summary="案件详情（实时读取流程状态，含时间线）", response_model=CaseOut,
            responses=ERRORS)
async def get_case(case_id: str, principal: CurrentUser, session: SessionDep, temporal: TemporalDep) -> Any:
    view = await case_service.read_case(session=session, temporal=temporal, principal=principal, case_id=case_id)
    return case_out(view, default_calendar(), utcnow(), available_actions(principal, view))


@dataclass
class Acting:
    """Everything an action route needs, gathered once."""

    principal: Principal
    session: AsyncSession
    temporal: Client
    settings: Settings
    idempotency_key: str | None

    async def run(self, case_id: str, update: str, payload: BaseModel) -> CaseOut:
        view = await case_service.act(session=self.session, temporal=self.temporal, settings=self.settings,
                                      principal=self.principal, case_id=case_id, update=update, payload=payload,
                                      idempotency_key=self.idempotency_key)
        return case_out(view, default_calendar(), utcnow(), available_actions(self.principal, view))


def _acting(principal: CurrentUser, session: SessionDep, temporal: TemporalDep, settings: SettingsDep,
            idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None) -> Acting:
    return Acting(principal, session, temporal, settings, idempotency_key)


ActingDep = Annotated[Acting, Depends(_acting)]


@router.post("/cases/{case_id}/intake", summary="县自然资源局受理或一次性告知补正", response_model=CaseOut,
             responses=ERRORS)
async def intake(case_id: str, body: IntakeRequest, acting: ActingDep) -> CaseOut:
    division, *_ = await case_service.case_scope(acting.session, acting.temporal, case_id)
    payload = await case_service.intake_input(acting.session, acting.principal.actor(), division, body)
    return await acting.run(case_id, "intake", payload)


@router.post("/cases/{case_id}/corrections", summary="企业提交补正材料", response_model=CaseOut, responses=ERRORS)
async def correction(case_id: str, body: CorrectionRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "correction",
                            CorrectionInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/acceptance/sign-offs", summary="联合验收部门或专家签署意见（签署方取自登录身份）",
             response_model=CaseOut, responses=ERRORS)
async def sign_off(case_id: str, body: SignOffRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "sign_off", SignOffInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/rectification-done", summary="企业报告整改完成，申请复验", response_model=CaseOut,
             responses=ERRORS)
async def rectification_done(case_id: str, body: RectificationDoneRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "rectification_done",
                            RectificationDoneInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/committee-decision", summary="录入县党委政府三重一大集体研究决定",
             response_model=CaseOut, responses=ERRORS)
async def committee_decision(case_id: str, body: CommitteeDecisionRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "committee_decision",
                            CommitteeDecisionInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/committee-materials", summary="会议暂缓后县自然资源局补充材料并重新提请研究",
             response_model=CaseOut, responses=ERRORS)
async def committee_material(case_id: str, body: CommitteeMaterialRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "committee_material",
                            CommitteeMaterialInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/approval", summary="县自然资源局下发开复工批复（系统生成文号）", response_model=CaseOut,
             responses=ERRORS)
async def approval(case_id: str, body: ApprovalRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "approval", ApprovalInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/resumption", summary="企业报告复工日期", response_model=CaseOut, responses=ERRORS)
async def resumption(case_id: str, body: ResumptionRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "resumption",
                            ResumptionInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/city-filing", summary="市自然资源局确认备案（案件办结）", response_model=CaseOut,
             responses=ERRORS)
async def city_filing(case_id: str, body: CityFilingRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "city_filing",
                            CityFilingInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/withdraw", summary="企业撤回申请（批复前）", response_model=CaseOut, responses=ERRORS)
async def withdraw(case_id: str, body: WithdrawRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "withdraw", WithdrawInput(actor=acting.principal.actor(), **body.model_dump()))


# ---- countersign moves and case moves ------------------------------------------------------------------------

PartyPath = Annotated[str, Path(min_length=2, max_length=60, pattern=r"^[a-z_]+(:[a-z][a-z0-9_.-]+)?$",
                                description="会签方代码，如 public_security、township、expert:zn_expert1")]


@router.post("/cases/{case_id}/tasks/{party}/reassign",
             summary="转办：会签任务转给本部门另一经办人（原经办人不能再办）", response_model=CaseOut, responses=ERRORS)
async def reassign(case_id: str, party: PartyPath, body: ReassignRequest, acting: ActingDep) -> CaseOut:
    to = await case_service.user_ref(acting.session, body.to)
    return await acting.run(case_id, "reassign", ReassignInput(actor=acting.principal.actor(), party=party, to=to,
                                                               reason=body.reason))


@router.post("/cases/{case_id}/tasks/{party}/delegate", summary="委派：请本部门同事起草意见，起草后交回本人签署",
             response_model=CaseOut, responses=ERRORS)
async def delegate(case_id: str, party: PartyPath, body: DelegateRequest, acting: ActingDep) -> CaseOut:
    to = await case_service.user_ref(acting.session, body.to)
    return await acting.run(case_id, "delegate", DelegateInput(actor=acting.principal.actor(), party=party, to=to,
                                                               reason=body.reason))


@router.post("/cases/{case_id}/tasks/{party}/draft", summary="受委派的同事提交起草的意见（交回承办人签署）",
             response_model=CaseOut, responses=ERRORS)
async def draft(case_id: str, party: PartyPath, body: DraftRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "draft", DraftInput(actor=acting.principal.actor(), party=party,
                                                         **body.model_dump()))


@router.post("/cases/{case_id}/parties", summary="加签：本轮联合验收增加会签方（部门或专家），另计期限",
             response_model=CaseOut, responses=ERRORS)
async def add_party(case_id: str, body: AddPartyRequest, acting: ActingDep) -> CaseOut:
    division, *_ = await case_service.case_scope(acting.session, acting.temporal, case_id)
    spec = await case_service.party_spec(acting.session, division, body.party)
    return await acting.run(case_id, "add_party", AddPartyInput(actor=acting.principal.actor(), spec=spec,
                                                                reason=body.reason))


@router.delete("/cases/{case_id}/parties/{party}", summary="减签：本轮联合验收去掉一个尚未签署的会签方",
               response_model=CaseOut, responses=ERRORS)
async def remove_party(case_id: str, party: PartyPath, body: RemovePartyRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "remove_party", RemovePartyInput(actor=acting.principal.actor(), party=party,
                                                                      reason=body.reason))


@router.post("/cases/{case_id}/return",
             summary="退回：县自然资源局自联合验收退回受理/补正，会议秘书自集体研究退回联合验收",
             response_model=CaseOut, responses=ERRORS)
async def return_case(case_id: str, body: ReturnRequest, acting: ActingDep) -> CaseOut:
    return await acting.run(case_id, "return", ReturnInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/reminders", summary="催办：提醒指定的待办方（记入时间线，显示在其待办中）",
             response_model=CaseOut, responses=ERRORS)
async def urge(case_id: str, body: UrgeRequest, acting: ActingDep) -> Any:
    return await acting.run(case_id, "urge", UrgeInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/copies", summary="抄送：指定官员可查阅本案（不能办理）", response_model=CaseOut,
             responses=ERRORS)
async def copy(case_id: str, body: CopyRequest, acting: ActingDep) -> Any:
    to = await case_service.user_ref(acting.session, body.to)
    return await acting.run(case_id, "copy", CopyInput(actor=acting.principal.actor(), to=to, note=body.note))


@router.get("/copies", summary="抄送我的案件", response_model=CaseList, responses=ERRORS)
async def copied_to_me(principal: CurrentUser, session: SessionDep,
                       page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                       page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> CaseList:
    condition = col(CaseRecord.case_id).in_(select(CaseCopy.case_id).where(CaseCopy.username == principal.username))
    total = (await session.exec(select(func.count()).select_from(CaseRecord).where(condition))).one()
    rows = (await session.exec(select(CaseRecord).where(condition)
                               .order_by(col(CaseRecord.updated_at).desc(), col(CaseRecord.case_id).desc())
                               .offset((page - 1) * page_size).limit(page_size))).all()
    return CaseList(items=[CaseSummary.of(r) for r in rows], total=total, page=page, page_size=page_size)
