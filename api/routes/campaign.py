"""治理整顿：启动、两个暂停、批量启动整治与关闭取缔、整治与关闭的办理、督查视图."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query

from api import campaign_service, case_service
from api.deps import CurrentUser, DatabaseDep, Principal, SessionDep, SettingsDep, TemporalDep, require
from api.errors import ErrorBody
from api.kinds import CLOSURE, RECTIFICATION, kind_of_case
from api.routes.cases import ActingDep
from api.schemas import CampaignOut, ClosureOut, RectificationOut, case_out
from domain.calendar import default_calendar
from domain.campaign import ClosureStage
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.campaign import (
    AcceptanceInput,
    AcceptanceRequest,
    BatchRequest,
    BatchResult,
    CampaignCreate,
    ClosureBatchRequest,
    ConcludeRequest,
    FindingInput,
    FindingRequest,
    ItemCloseInput,
    ItemCloseRequest,
    LiftMoratoriumInput,
    LiftMoratoriumRequest,
    PlanRequest,
    StepDoneInput,
    StepDoneRequest,
    ThirdPartyInput,
    ThirdPartyRequest,
)
from models.db import utcnow

router = APIRouter(tags=["治理整顿"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422, 503)}
CityNR = Annotated[Principal, require(Role.CITY_NR)]
Official = Annotated[Principal, require(Role.CITY_NR, Role.COUNTY_NR)]
CampaignId = Annotated[str, Path(max_length=40, pattern=r"^ZLZD-[0-9A-Z-]+$", description="治理整顿案件编号")]


@router.post("/campaigns", status_code=201, response_model=CampaignOut, responses=ERRORS,
             summary="市自然资源局启动治理整顿（时间节点、每县督查组，可实行“两个暂停”）")
async def open_campaign(body: CampaignCreate, principal: CityNR, session: SessionDep, db: DatabaseDep,
                        temporal: TemporalDep, settings: SettingsDep,
                        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None
                        ) -> Any:
    view = await campaign_service.start_campaign(session=session, db=db, temporal=temporal, settings=settings,
                                                 principal=principal, body=body, idempotency_key=idempotency_key)
    return case_out(view, default_calendar(), utcnow())


@router.get("/campaigns", response_model=list[campaign_service.CampaignSummary], responses=ERRORS,
            summary="治理整顿列表（本人管辖范围内，含“两个暂停”状态）")
async def campaigns(principal: CurrentUser, session: SessionDep) -> list[campaign_service.CampaignSummary]:
    if principal.role is Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "治理整顿列表仅供机关工作人员查阅")
    return await campaign_service.list_campaigns(session, principal)


@router.post("/campaigns/{campaign_id}/moratorium/lift", response_model=CampaignOut, responses=ERRORS,
             summary="解除“两个暂停”（须说明理由，记入审计链）")
async def lift_moratorium(campaign_id: CampaignId, body: LiftMoratoriumRequest, _city: CityNR,
                          acting: ActingDep) -> Any:
    return await acting.run(campaign_id, "lift_moratorium",
                            LiftMoratoriumInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/campaigns/{campaign_id}/conclusion", response_model=CampaignOut, responses=ERRORS,
             summary="结束治理整顿（全部整治、关闭案件办结后）")
async def conclude(campaign_id: CampaignId, body: ConcludeRequest, _city: CityNR, acting: ActingDep) -> Any:
    await campaign_service.campaign_record(acting.session, acting.principal, campaign_id)
    payload = await campaign_service.conclude_input(acting.session, acting.principal, campaign_id, body)
    return await acting.run(campaign_id, "conclude", payload)


@router.get("/campaigns/{campaign_id}/supervision", response_model=campaign_service.Supervision, responses=ERRORS,
            summary="督查视图：按县（区）列出各阶段矿山、各部门逾期事项、移交纪检监察和司法的记录、第三方修复追偿")
async def supervision(campaign_id: CampaignId, principal: CurrentUser, session: SessionDep,
                      division_code: Annotated[str | None, Query(pattern=r"^\d{6}$", description="只看该县（区）")]
                      = None) -> campaign_service.Supervision:
    return await campaign_service.supervision(session, principal, campaign_id, division_code)


# ---- batch start --------------------------------------------------------------------------------------------

@router.post("/rectifications/batch", response_model=BatchResult, responses=ERRORS,
             summary="批量启动矿山整治（一矿一案；已有在办整治的矿山不重复启动）")
async def rectification_batch(body: BatchRequest, principal: Official, session: SessionDep, db: DatabaseDep,
                              temporal: TemporalDep, settings: SettingsDep) -> BatchResult:
    return await campaign_service.start_batch(kind=RECTIFICATION, session=session, db=db, temporal=temporal,
                                              settings=settings, principal=principal, body=body)


@router.post("/closures/batch", response_model=BatchResult, responses=ERRORS,
             summary="关闭方案批复后批量启动关闭取缔（已有在办关闭的矿山不重复启动）")
async def closure_batch(body: ClosureBatchRequest, principal: Official, session: SessionDep, db: DatabaseDep,
                        temporal: TemporalDep, settings: SettingsDep) -> BatchResult:
    return await campaign_service.start_batch(kind=CLOSURE, session=session, db=db, temporal=temporal,
                                              settings=settings, principal=principal, body=body)


# ---- rectification actions -------------------------------------------------------------------------------------

@router.post("/cases/{case_id}/plan", response_model=RectificationOut, responses=ERRORS,
             summary="县自然资源局制定一矿一方案（责任人、整改事项、责任部门、期限）")
async def plan(case_id: str, body: PlanRequest, acting: ActingDep) -> Any:
    await case_service.ensure_access(acting.session, acting.temporal, acting.principal, case_id)
    if kind_of_case(case_id) is not RECTIFICATION:
        raise DomainError(ErrorCode.WRONG_STAGE, "只有矿山整治案件需要制定一矿一方案")
    payload = await campaign_service.plan_input(acting.session, acting.principal, case_id, body)
    return await acting.run(case_id, "plan", payload)


@router.post("/cases/{case_id}/items/{item_no}/close", response_model=RectificationOut, responses=ERRORS,
             summary="责任部门对整改事项逐项销号（附佐证材料）")
async def close_item(case_id: str, item_no: Annotated[int, Path(ge=1, le=1000)], body: ItemCloseRequest,
                     acting: ActingDep) -> Any:
    return await acting.run(case_id, "close_item",
                            ItemCloseInput(actor=acting.principal.actor(), item_no=item_no, **body.model_dump()))


@router.post("/cases/{case_id}/findings", response_model=RectificationOut, responses=ERRORS,
             summary="督查组录入发现：隐瞒不报、推进不力移交纪检监察，涉及违法移交司法")
async def finding(case_id: str, body: FindingRequest, acting: ActingDep) -> Any:
    return await acting.run(case_id, "finding", FindingInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/third-party-restoration", response_model=RectificationOut, responses=ERRORS,
             summary="企业逾期拒不修复：县（区）委托第三方先行修复，费用记为向企业追偿的债权")
async def third_party(case_id: str, body: ThirdPartyRequest, acting: ActingDep) -> Any:
    return await acting.run(case_id, "third_party",
                            ThirdPartyInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/county-acceptance", response_model=RectificationOut, responses=ERRORS,
             summary="县级验收（不通过须列明重新整改的事项）")
async def county_acceptance(case_id: str, body: AcceptanceRequest, acting: ActingDep) -> Any:
    return await acting.run(case_id, "county_acceptance",
                            AcceptanceInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/region-acceptance", response_model=RectificationOut, responses=ERRORS,
             summary="市自然资源局录入自治区级验收结果（通过即验收销号）")
async def region_acceptance(case_id: str, body: AcceptanceRequest, acting: ActingDep) -> Any:
    return await acting.run(case_id, "region_acceptance",
                            AcceptanceInput(actor=acting.principal.actor(), **body.model_dump()))


# ---- closure actions ---------------------------------------------------------------------------------------------

@router.post("/cases/{case_id}/closure-steps/{stage}", response_model=ClosureOut, responses=ERRORS,
             summary="关闭取缔步骤完成（断电、火工品收缴、安全生产许可证注销、采矿许可证注销、三不留、生态修复及验收）")
async def step_done(case_id: str, stage: ClosureStage, body: StepDoneRequest, acting: ActingDep) -> Any:
    return await acting.run(case_id, "step_done",
                            StepDoneInput(actor=acting.principal.actor(), stage=stage, **body.model_dump()))
