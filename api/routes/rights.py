"""矿业权：登记簿、转让（国务院令第242号）与出让（招拍挂）."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from pydantic import BaseModel
from sqlmodel import select

from api import rights_service
from api.actions import available_actions
from api.deps import CurrentUser, DatabaseDep, EnterpriseUser, SessionDep, SettingsDep, TemporalDep
from api.errors import ErrorBody
from api.kinds import kind_of_case
from api.routes.cases import ActingDep
from api.schemas import GrantOut, TransferOut, case_out
from domain.calendar import default_calendar
from domain.errors import DomainError, ErrorCode
from domain.rights import RightStatus
from models.db import utcnow
from models.registry import Enterprise
from models.rights import (
    MiningRight,
    MiningRightCreate,
    MiningRightHistoryPublic,
    MiningRightPublic,
    MiningRightUpdate,
)
from models.rights_cases import (
    CityMeetingInput,
    CityMeetingRequest,
    ExtendInput,
    ExtendRequest,
    FeePaymentInput,
    FeePaymentRequest,
    GrantContractInput,
    GrantContractRequest,
    GrantCreate,
    GrantRegistrationInput,
    GrantRegistrationRequest,
    GrantResultInput,
    GrantResultRequest,
    NoteInput,
    NoteRequest,
    ObjectionInput,
    ObjectionRequest,
    ObjectionResolutionInput,
    ObjectionResolutionRequest,
    PauseInput,
    PauseRequest,
    TransferCorrectionInput,
    TransferCorrectionRequest,
    TransferCreate,
    TransferDecisionInput,
    TransferDecisionRequest,
    TransfereeConfirmInput,
    TransfereeConfirmRequest,
    TransferReviewInput,
    TransferReviewRequest,
)

router = APIRouter(tags=["矿业权"])
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422, 503)}
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              description="幂等键：同一键的重复请求返回首次结果")]
RightId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class MiningRightList(BaseModel):
    items: list[MiningRightPublic]
    total: int
    page: int
    page_size: int


# ---- the registry ----------------------------------------------------------------------------------------------

@router.post("/mining-rights", status_code=201, summary="矿业权登记簿录入（拐点坐标校验、重叠检查、确定登记管理权限）",
             response_model=MiningRightPublic, responses=ERRORS)
async def register_right(body: MiningRightCreate, principal: CurrentUser, db: DatabaseDep,
                         settings: SettingsDep) -> MiningRightPublic:
    return await rights_service.register_right(db=db, principal=principal, body=body, settings=settings)


@router.get("/mining-rights", summary="矿业权列表（按管辖范围；企业只见本企业的矿业权）",
            response_model=MiningRightList, responses=ERRORS)
async def list_rights(principal: CurrentUser, session: SessionDep,
                      division_code: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
                      status: RightStatus | None = None,
                      holder_enterprise_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                      page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                      page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> MiningRightList:
    items, total = await rights_service.list_rights(session, principal, division_code=division_code, status=status,
                                                    holder_enterprise_id=holder_enterprise_id, page=page,
                                                    page_size=page_size)
    return MiningRightList(items=items, total=total, page=page, page_size=page_size)


@router.get("/mining-rights/{right_id}", summary="矿业权详情", response_model=MiningRightPublic, responses=ERRORS)
async def get_right(right_id: RightId, principal: CurrentUser, session: SessionDep) -> MiningRightPublic:
    return await rights_service.public(session, await rights_service.read_right(session, principal, right_id))


@router.post("/mining-rights/{right_id}/corrections",
             summary="矿业权登记事项更正（规模、范围、有效期、权属争议），记入变更历史",
             response_model=MiningRightPublic, responses=ERRORS)
async def correct_right(right_id: RightId, body: MiningRightUpdate, principal: CurrentUser,
                        db: DatabaseDep) -> MiningRightPublic:
    return await rights_service.update_right(db=db, principal=principal, right_id=right_id, body=body)


@router.get("/mining-rights/{right_id}/history", summary="矿业权变更历史（矿业权人、规模、范围、有效期的每次变更）",
            response_model=list[MiningRightHistoryPublic], responses=ERRORS)
async def get_history(right_id: RightId, principal: CurrentUser, session: SessionDep) -> list[MiningRightHistoryPublic]:
    return await rights_service.right_history(session, principal, right_id)


# ---- starting cases --------------------------------------------------------------------------------------------

@router.post("/transfers", status_code=201, summary="转让人（采矿权人）提交采矿权转让申请（受让人确认后视为共同申请）",
             response_model=TransferOut, responses=ERRORS)
async def submit_transfer(body: TransferCreate, principal: EnterpriseUser, session: SessionDep, db: DatabaseDep,
                          temporal: TemporalDep, settings: SettingsDep,
                          idempotency_key: IdempotencyKey = None) -> TransferOut:
    view = await rights_service.start_transfer(session=session, db=db, temporal=temporal, settings=settings,
                                               principal=principal, body=body, idempotency_key=idempotency_key)
    return case_out(view, default_calendar(), utcnow(), available_actions(principal, view))  # type: ignore[no-any-return]


@router.post("/grants", status_code=201, summary="县（市）自然资源局提出出让区块（出让前审查：净矿、规模、服务年限）",
             response_model=GrantOut, responses=ERRORS)
async def propose_grant(body: GrantCreate, principal: CurrentUser, session: SessionDep, db: DatabaseDep,
                        temporal: TemporalDep, settings: SettingsDep,
                        idempotency_key: IdempotencyKey = None) -> GrantOut:
    view = await rights_service.start_grant(session=session, db=db, temporal=temporal, settings=settings,
                                            principal=principal, body=body, idempotency_key=idempotency_key)
    return case_out(view, default_calendar(), utcnow(), available_actions(principal, view))  # type: ignore[no-any-return]


# ---- actions -----------------------------------------------------------------------------------------------------

def _of_kind(case_id: str, kind: str) -> None:
    if kind_of_case(case_id).code != kind:
        name = {"transfer": "采矿权转让", "grant": "采矿权出让"}[kind]
        raise DomainError(ErrorCode.WRONG_STAGE, f"该案件不是{name}案件，不能办理此操作", {"kind": kind})


@router.post("/cases/{case_id}/transferee-confirmation", summary="受让人确认共同申请（审批期限自此起算）",
             response_model=TransferOut, responses=ERRORS)
async def transferee_confirm(case_id: str, body: TransfereeConfirmRequest, acting: ActingDep) -> TransferOut:
    _of_kind(case_id, "transfer")
    return await acting.run(case_id, "transferee_confirm",  # type: ignore[return-value]
                            TransfereeConfirmInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/transfer-review",
             summary="县自然资源局受理审查转让申请或一次性告知补正（补正期间期限停止）",
             response_model=TransferOut, responses=ERRORS)
async def transfer_review(case_id: str, body: TransferReviewRequest, acting: ActingDep) -> TransferOut:
    _of_kind(case_id, "transfer")
    return await acting.run(case_id, "review",  # type: ignore[return-value]
                            TransferReviewInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/transfer-corrections", summary="转让人或受让人提交补正材料（审批期限恢复计算）",
             response_model=TransferOut, responses=ERRORS)
async def transfer_correction(case_id: str, body: TransferCorrectionRequest, acting: ActingDep) -> TransferOut:
    _of_kind(case_id, "transfer")
    return await acting.run(case_id, "correction",  # type: ignore[return-value]
                            TransferCorrectionInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/city-meeting", summary="市自然资源局录入市政府会议研究决定（市级发证的转让、出让）",
             response_model=TransferOut | GrantOut, responses=ERRORS)
async def city_meeting(case_id: str, body: CityMeetingRequest, acting: ActingDep) -> TransferOut | GrantOut:
    if kind_of_case(case_id).code not in ("transfer", "grant"):
        raise DomainError(ErrorCode.WRONG_STAGE, "该案件不经市政府会议研究")
    return await acting.run(case_id, "city_meeting",  # type: ignore[return-value]
                            CityMeetingInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/transfer-decision",
             summary="登记管理机关作出准予或不准转让的决定（不准转让须说明理由；准予的须符合第六条转让条件）",
             response_model=TransferOut, responses=ERRORS)
async def transfer_decision(case_id: str, body: TransferDecisionRequest, acting: ActingDep) -> TransferOut:
    _of_kind(case_id, "transfer")
    return await acting.run(case_id, "decision",  # type: ignore[return-value]
                            TransferDecisionInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/deadline-extensions", summary="经负责人批准延长审批期限（行政许可法第四十二条，留痕）",
             response_model=TransferOut, responses=ERRORS)
async def extend_deadline(case_id: str, body: ExtendRequest, acting: ActingDep) -> TransferOut:
    _of_kind(case_id, "transfer")
    return await acting.run(case_id, "extend",  # type: ignore[return-value]
                            ExtendInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/clock-pauses",
             summary="听证、专家评审、评估期间中止计算审批期限（行政许可法第四十五条）",
             response_model=TransferOut, responses=ERRORS)
async def pause_clock(case_id: str, body: PauseRequest, acting: ActingDep) -> TransferOut:
    _of_kind(case_id, "transfer")
    return await acting.run(case_id, "pause",  # type: ignore[return-value]
                            PauseInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/clock-resumption", summary="听证、专家评审等结束，恢复计算审批期限",
             response_model=TransferOut, responses=ERRORS)
async def resume_clock(case_id: str, body: NoteRequest, acting: ActingDep) -> TransferOut:
    _of_kind(case_id, "transfer")
    return await acting.run(case_id, "resume",  # type: ignore[return-value]
                            NoteInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/change-registration", summary="办理转让变更登记（登记簿矿业权人随之变更，仅一次）",
             response_model=TransferOut, responses=ERRORS)
async def change_registration(case_id: str, body: NoteRequest, acting: ActingDep) -> TransferOut:
    _of_kind(case_id, "transfer")
    return await acting.run(case_id, "registration",  # type: ignore[return-value]
                            NoteInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/grant-result", summary="竞价期届满后录入竞得人与成交价（随后进入结果公示）",
             response_model=GrantOut, responses=ERRORS)
async def grant_result(case_id: str, body: GrantResultRequest, acting: ActingDep) -> GrantOut:
    _of_kind(case_id, "grant")
    winner = await acting.session.get(Enterprise, body.winner_enterprise_id)
    if winner is None:
        raise DomainError(ErrorCode.ENTERPRISE_NOT_FOUND, details={"winner_enterprise_id": body.winner_enterprise_id})
    payload = GrantResultInput(actor=acting.principal.actor(), winner_enterprise_id=body.winner_enterprise_id,
                               winner_name=winner.name, price_wan_yuan=body.price_wan_yuan, note=body.note)
    return await acting.run(case_id, "grant_result", payload)  # type: ignore[return-value]


@router.post("/cases/{case_id}/objections", summary="登记公示期间收到的异议（公示暂停，待异议处理）",
             response_model=GrantOut, responses=ERRORS)
async def objection(case_id: str, body: ObjectionRequest, acting: ActingDep) -> GrantOut:
    _of_kind(case_id, "grant")
    return await acting.run(case_id, "objection",  # type: ignore[return-value]
                            ObjectionInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/objection-resolution", summary="处理公示异议：成立则出让结果无效，不成立则恢复公示",
             response_model=GrantOut, responses=ERRORS)
async def objection_resolution(case_id: str, body: ObjectionResolutionRequest, acting: ActingDep) -> GrantOut:
    _of_kind(case_id, "grant")
    return await acting.run(case_id, "objection_resolution",  # type: ignore[return-value]
                            ObjectionResolutionInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/grant-contract", summary="录入出让合同（起算出让收益缴纳期限）", response_model=GrantOut,
             responses=ERRORS)
async def grant_contract(case_id: str, body: GrantContractRequest, acting: ActingDep) -> GrantOut:
    _of_kind(case_id, "grant")
    return await acting.run(case_id, "grant_contract",  # type: ignore[return-value]
                            GrantContractInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/fee-payment", summary="确认竞得人已缴纳出让收益", response_model=GrantOut,
             responses=ERRORS)
async def fee_payment(case_id: str, body: FeePaymentRequest, acting: ActingDep) -> GrantOut:
    _of_kind(case_id, "grant")
    return await acting.run(case_id, "fee_payment",  # type: ignore[return-value]
                            FeePaymentInput(actor=acting.principal.actor(), **body.model_dump()))


@router.post("/cases/{case_id}/grant-registration", summary="采矿权设立登记：登记簿新增该采矿权（仅一次），案件办结",
             response_model=GrantOut, responses=ERRORS)
async def grant_registration(case_id: str, body: GrantRegistrationRequest, acting: ActingDep) -> GrantOut:
    _of_kind(case_id, "grant")
    taken = (await acting.session.exec(select(MiningRight.id).where(MiningRight.licence_no == body.licence_no))).first()
    await acting.session.commit()
    if taken is not None:
        raise DomainError(ErrorCode.LICENCE_NO_TAKEN, details={"licence_no": body.licence_no})
    return await acting.run(case_id, "grant_registration",  # type: ignore[return-value]
                            GrantRegistrationInput(actor=acting.principal.actor(), **body.model_dump()))

