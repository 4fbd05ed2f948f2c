"""What the transfer (转让) and grant (出让) procedures send over the wire: API bodies, workflow starts, update
inputs, views and activity payloads. Pure pydantic, importable through the workflow sandbox."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from domain.rights import (
    SUSPENSION_REASON_NAMES,
    AuthorityLevel,
    GrantMode,
    PauseKind,
    Scale,
    SuspensionReason,
    TransferCondition,
    TransferMaterial,
    required_transfer_materials,
)
from domain.roles import Role
from models.cases import (
    Actor,
    CaseViewBase,
    CommitteeMeeting,
    LongText,
    MaterialBase,
    Reason,
    ShortText,
    Wire,
)
from models.file_refs import FileId, FileRef, carried_files, file_ids
from models.rights import Ring


class TransferMaterialRef(MaterialBase):
    kind: TransferMaterial = Field(title="材料类型", description="材料类型（国务院令第242号 第八条）")


class Extension(BaseModel):
    days: int
    head_approval_ref: str
    reason: str
    by: str
    at: datetime


class CityMeeting(BaseModel):
    meeting_no: str
    meeting_date: date
    decision: Literal["approve", "reject"]
    minutes_ref: str
    recorded_by: str
    recorded_at: datetime


class CityMeetingRequest(Wire):
    meeting_no: ShortText = Field(title="会议编号", description="市政府会议编号，如“中卫市政府常务会议〔2026〕8次”")
    meeting_date: date = Field(title="会议日期", json_schema_extra={"x-default": "today"})
    decision: Literal["approve", "reject"] = Field(
        title="会议决定",
        json_schema_extra={"x-choices": {"approve": "研究同意", "reject": "研究不同意"}},
        description="approve 同意 / reject 不同意",
    )
    minutes_ref: ShortText = Field(title="会议纪要文号", description="会议纪要文号")
    note: LongText = Field(default="", title="说明")
    files: list[FileId] = file_ids("会议纪要附件")


class CityMeetingInput(CityMeetingRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class ExtendRequest(Wire):
    days: int = Field(title="延长天数", ge=1, le=30, description="延长天数")
    head_approval_ref: ShortText = Field(
        title="负责人批准文号", description="本机关负责人批准延期的文件编号（行政许可法第四十二条）"
    )
    reason: Reason = Field(title="延期理由")
    files: list[FileId] = file_ids("负责人批准延期的文件")


class ExtendInput(ExtendRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class PauseRequest(Wire):
    kind: PauseKind = Field(
        title="中止事由",
        description="hearing 听证 / expert_review 专家评审 / appraisal 评估、鉴定（期间不计入审批期限）",
    )
    reason: Reason = Field(title="说明")


class PauseInput(PauseRequest):
    actor: Actor


class Pause(BaseModel):
    kind: PauseKind
    reason: str
    by: str
    by_role: Role | None = None  # whose bureau resumes the clock
    started_at: datetime
    ended_at: datetime | None = None


class NoteRequest(Wire):
    note: LongText = Field(default="", title="说明")


class NoteInput(NoteRequest):
    actor: Actor


# ---- transfer ---------------------------------------------------------------------------------------------------


class TransferPolicy(Wire):
    decision_days: int = Field(ge=1, le=365)
    registration_days: int = Field(ge=1, le=365)
    correction_days: int = Field(ge=1, le=365)
    warning_days: int = Field(ge=0, le=60)
    max_extension_days: int = Field(ge=0, le=60)
    filing_reminder_days: int = Field(ge=1, le=60)
    registration_reminder_days: int = Field(default=10, ge=0, le=60)


class TransferEvidence(Wire):
    """What the applicants declare and evidence for 第六条/第七条 (the registry supplies the rest)."""

    fees_paid: bool = Field(
        title="已缴纳采矿权使用费、价款、矿产资源补偿费和资源税",
        description="已缴纳采矿权使用费、价款、矿产资源补偿费和资源税",
    )
    transferee_qualified: bool = Field(title="受让人符合采矿权申请人条件", description="受让人符合采矿权申请人条件")
    supervisor_consent: bool = Field(
        title="国有矿山企业：主管部门已同意", default=False, description="国有矿山企业：主管部门已同意"
    )
    production_started_on: date | None = Field(
        title="投入采矿生产日期（缺省取登记簿）", default=None, description="投入采矿生产日期（缺省取登记簿）"
    )


class TransferCreate(Wire):
    right_id: int = Field(
        title="转让的采矿权",
        json_schema_extra={"x-picker": "my_right"},
        ge=1,
        le=2**31 - 1,
        description="转让的采矿权（登记簿编号）",
    )
    transferee_enterprise_id: int = Field(
        title="受让人",
        json_schema_extra={"x-picker": "other_enterprise"},
        ge=1,
        le=2**31 - 1,
        description="受让人（企业）",
    )
    reason: Reason = Field(title="转让原因", description="转让原因（企业合并、分立、合资合作、资产出售等）")
    price_wan_yuan: float = Field(title="转让价款（万元）", ge=0, le=10**8, description="转让价款（万元）")
    evidence: TransferEvidence = Field(title="转让条件（国务院令第242号 第六条、第七条）")
    materials: list[TransferMaterialRef] = Field(
        title="申请材料（第八条）",
        json_schema_extra={"x-widget": "materials", "x-rows": "transfer_required"},
        max_length=20,
    )
    files: list[FileId] = file_ids("申请材料附件")


class TransferRightFacts(Wire):
    right_id: int
    licence_no: str
    mine_name: str
    mine_id: int | None
    mineral: str
    scale: Scale
    authority_level: AuthorityLevel
    division_code: str
    division_name: str
    city_code: str
    state_owned: bool
    ownership_dispute: bool
    production_started_on: date | None
    valid_to: date
    authority_code: str = Field(default="", description="发证机关的行政区划代码（县或市）")
    authority_short_name: str = Field(default="", description="发证机关简称，用于批准文号")
    city_name: str = Field(default="", description="所在市（会议名称用）；早期案件缺省为空")


class TransferStart(Wire):
    case_id: str
    right: TransferRightFacts
    transferor_id: int
    transferor_name: str
    transferee_id: int
    transferee_name: str
    reason: str
    price_wan_yuan: float
    evidence: TransferEvidence
    materials: list[TransferMaterialRef]
    applicant: Actor
    policy: TransferPolicy
    # The application's files, named with their hashes on its `submitted` entry (none in cases started before).
    files: list[FileRef] = carried_files()


class ConditionResult(BaseModel):
    condition: TransferCondition
    name: str
    clause: str
    met: bool


class TransferView(CaseViewBase):
    kind: Literal["transfer"] = "transfer"
    right_id: int
    right_licence_no: str
    authority_level: AuthorityLevel
    transferor_enterprise_id: int
    transferor_name: str
    transferee_enterprise_id: int
    transferee_name: str
    reason: str
    price_wan_yuan: float
    evidence: TransferEvidence
    materials: list[TransferMaterialRef] = Field(default_factory=list)
    missing: list[TransferMaterial] = Field(default_factory=list, description="一次性告知的补正材料")
    conditions: list[ConditionResult] = Field(default_factory=list, description="第六条、第七条转让条件审查结果")
    received_at: datetime | None = Field(default=None, description="收到（转让双方共同提交）申请的时间：40日期限起算")
    correction_due_at: datetime | None = None
    committee_meetings: list[CommitteeMeeting] = Field(default_factory=list)
    city_meetings: list[CityMeeting] = Field(default_factory=list)
    extensions: list[Extension] = Field(default_factory=list, description="延长办理期限（有负责人批准，留痕）")
    pauses: list[Pause] = Field(default_factory=list, description="听证、专家评审等期限中止（行政许可法第四十五条）")
    decision: Literal["approved", "refused"] | None = None
    decided_at: datetime | None = None
    refusal_reasons: list[str] = Field(default_factory=list, description="不准转让的理由（第十条）")
    registration_due: date | None = Field(default=None, description="变更登记期限（批准通知之日起）")
    registration_due_at: datetime | None = None
    registered_at: datetime | None = None

    @property
    def counterparty_enterprise_id(self) -> int | None:
        return self.transferee_enterprise_id

    def required_material_kinds(self) -> set[str] | None:
        """主管部门同意 is required of state-owned holders only (国务院令第242号 第八条)."""
        state_owned = any(c.condition == TransferCondition.SUPERVISOR_CONSENT for c in self.conditions)
        return {m.value for m in required_transfer_materials(state_owned)}


class TransfereeConfirmRequest(Wire):
    note: LongText = Field(default="", title="说明")


class TransfereeConfirmInput(TransfereeConfirmRequest):
    actor: Actor


class TransferReviewRequest(Wire):
    decision: Literal["accept", "request_correction"] = Field(
        title="审查决定",
        json_schema_extra={
            "x-choices": {"accept": "材料齐全，受理并提请集体研究", "request_correction": "材料不齐，一次性告知补正"}
        },
        description="accept 审查通过 / request_correction 一次性告知补正",
    )
    missing: list[TransferMaterial] = Field(
        title="需补正材料（告知补正时勾选）",
        json_schema_extra={"x-picker": "case_material"},
        default_factory=list,
        max_length=10,
    )
    note: LongText = Field(default="", title="说明")


class TransferReviewInput(TransferReviewRequest):
    actor: Actor


class TransferCorrectionRequest(Wire):
    materials: list[TransferMaterialRef] = Field(
        title="补正材料",
        json_schema_extra={"x-widget": "materials", "x-rows": "case_missing"},
        default_factory=list,
        max_length=20,
    )
    evidence: TransferEvidence | None = Field(
        title="更新转让条件（如有变化）", default=None, description="更新后的转让条件证明"
    )
    note: LongText = Field(default="", title="说明")
    files: list[FileId] = file_ids("补正材料附件")


class TransferCorrectionInput(TransferCorrectionRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class TransferDecisionRequest(Wire):
    decision: Literal["approve", "refuse"] = Field(
        title="审批决定",
        json_schema_extra={"x-choices": {"approve": "准予转让", "refuse": "不准转让（须说明理由）"}},
        description="approve 准予转让 / refuse 不准转让",
    )
    reasons: list[ShortText] = Field(
        title="不准转让的理由",
        json_schema_extra={"x-widget": "lines"},
        default_factory=list,
        max_length=20,
        description="不准转让的理由（必填）",
    )
    note: LongText = Field(default="", title="说明")


class TransferDecisionInput(TransferDecisionRequest):
    actor: Actor


class ChangeHolderInput(BaseModel):
    case_id: str
    right_id: int
    to_enterprise_id: int
    by_username: str
    reason: str


class RightChangeResult(BaseModel):
    history_id: int
    applied: bool = Field(description="True: this call changed the registry; False: it had already been changed")


# ---- grant ------------------------------------------------------------------------------------------------------


class GrantPolicy(Wire):
    announcement_working_days: int = Field(ge=1, le=120)
    bidding_working_days: int = Field(ge=1, le=120)
    publicity_working_days: int = Field(ge=1, le=120)
    fee_payment_days: int = Field(ge=1, le=365)
    warning_working_days: int = Field(ge=0, le=30)
    fee_reminder_days: int = Field(default=5, ge=0, le=60)


class GrantCreate(Wire):
    block_name: ShortText = Field(title="出让区块名称", description="出让区块名称")
    division_code: str = Field(
        title="所在县（区）",
        json_schema_extra={"x-picker": "county"},
        min_length=6,
        max_length=6,
        pattern=r"^\d{6}$",
        description="所在县（区）",
    )
    mineral: ShortText = Field(title="矿种", max_length=32)
    open_pit: bool = Field(default=True, title="露天开采")
    area: Ring = Field(
        title="出让范围拐点坐标（每行一点：X,Y）",
        json_schema_extra={"x-widget": "coordinates"},
        description="出让范围拐点坐标（CGCS2000，米）",
    )
    production_wt: float = Field(title="拟设生产规模（万吨/年）", gt=0, le=10000, description="拟设生产规模（万吨/年）")
    service_years: float = Field(title="服务年限（年）", gt=0, le=100, description="服务年限（年，不含基建期）")
    deposit_scale: Scale = Field(title="矿床规模", description="矿床规模")
    production_scale: Scale = Field(title="生产规模类型", description="生产规模类型")
    land_use_cleared: bool = Field(title="已与用地审批衔接（净矿）", description="已与用地审批衔接（净矿）")
    forest_grassland_cleared: bool = Field(
        title="已与用林用草审批衔接（净矿）", description="已与用林用草审批衔接（净矿）"
    )
    outside_red_line: bool = Field(
        title="已避让生态保护红线等禁止限制区域", description="已避让生态保护红线等禁止限制区域"
    )
    mode: GrantMode = Field(default=GrantMode.LISTING, title="出让方式")
    valid_years: int = Field(
        title="拟设采矿权有效期（年）", default=10, ge=1, le=30, description="拟设采矿权有效期（年）"
    )
    reason: Reason = Field(title="出让理由", description="出让理由（矿产资源规划、市场需求等）")
    files: list[FileId] = file_ids("出让方案附件（出让前审查意见、勘查报告等）")


class GrantStart(Wire):
    case_id: str
    block: GrantCreate
    authority_level: AuthorityLevel
    division_name: str
    city_code: str
    county_short_name: str
    proposer: Actor
    policy: GrantPolicy
    city_name: str = Field(default="", description="所在市（会议名称用）；早期案件缺省为空")
    # The proposal's files, named with their hashes on its `proposed` entry (none in cases started before).
    files: list[FileRef] = carried_files()


class Objection(BaseModel):
    no: int
    by: str
    at: datetime
    objector: str
    content: str
    resolution: Literal["upheld", "dismissed"] | None = None
    resolved_at: datetime | None = None
    resolution_note: str = ""


class GrantResult(BaseModel):
    winner_enterprise_id: int
    winner_name: str
    price_wan_yuan: float
    recorded_at: datetime


class GrantContract(BaseModel):
    contract_no: str
    signed_on: date
    fee_wan_yuan: float


class GrantView(CaseViewBase):
    kind: Literal["grant"] = "grant"
    block: GrantCreate
    authority_level: AuthorityLevel
    committee_meetings: list[CommitteeMeeting] = Field(default_factory=list)
    city_meetings: list[CityMeeting] = Field(default_factory=list)
    period: str | None = Field(
        default=None, description="当前法定期间：announcement 公告 / bidding 竞价（挂牌） / publicity 公示"
    )
    period_clock: dict[str, "PeriodState"] = Field(default_factory=dict, description="各期间（工作日计）的已用与截止")
    result: GrantResult | None = None
    objections: list[Objection] = Field(default_factory=list, description="公示期间的异议（异议处理期间公示暂停）")
    contract: GrantContract | None = None
    fee_due: date | None = None
    fee_due_at: datetime | None = None
    fee_paid_at: datetime | None = None
    capacity_verdict: str | None = None
    right_id: int | None = None
    right_licence_no: str | None = None
    suspended: bool = Field(default=False, description="交易中止中（公告、挂牌、公示期间停止计算，恢复交易后继续）")
    suspensions: list["TradingSuspension"] = Field(default_factory=list, description="交易中止与恢复的记录")


class TradingSuspension(BaseModel):
    """One suspension of trading (中止) and its resumption."""

    reason: SuspensionReason
    reason_name: str
    note: str
    stage: str  # the stage trading was suspended in (公告、竞价、公示)
    period: str  # the period it stopped
    by: str
    by_role: Role
    started_at: datetime
    used_working_days: int  # of the period, when it stopped
    ended_at: datetime | None = None
    resumed_by: str | None = None
    resume_note: str = ""


class PeriodState(BaseModel):
    limit_working_days: int
    used_working_days: int = 0
    running_since: datetime | None = None
    ends: date | None = None
    ends_at: datetime | None = None
    finished: bool = False
    provisional: bool = False


GrantView.model_rebuild()


class GrantResultRequest(Wire):
    winner_enterprise_id: int = Field(
        title="竞得人", json_schema_extra={"x-picker": "enterprise"}, ge=1, le=2**31 - 1, description="竞得人（企业）"
    )
    price_wan_yuan: float = Field(title="成交价（万元）", gt=0, le=10**8, description="成交价（万元）")
    note: LongText = Field(default="", title="说明")
    files: list[FileId] = file_ids("成交材料附件（成交确认书、竞价记录等）")


class GrantResultInput(Wire):
    actor: Actor
    winner_enterprise_id: int
    winner_name: str
    price_wan_yuan: float
    note: str = ""
    files: list[FileRef] = carried_files()


class ObjectionRequest(Wire):
    objector: ShortText = Field(title="异议人", description="异议人")
    content: Reason = Field(title="异议内容", description="异议内容")
    files: list[FileId] = file_ids("异议材料附件")


class ObjectionInput(ObjectionRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class ObjectionResolutionRequest(Wire):
    resolution: Literal["upheld", "dismissed"] = Field(
        title="处理结论",
        json_schema_extra={"x-choices": {"upheld": "异议成立（出让结果无效）", "dismissed": "异议不成立（恢复公示）"}},
        description="upheld 异议成立（出让结果无效）/ dismissed 异议不成立（恢复公示）",
    )
    note: Reason = Field(title="处理意见")


class ObjectionResolutionInput(ObjectionResolutionRequest):
    actor: Actor


class SuspendTradingRequest(Wire):
    reason: SuspensionReason = Field(
        title="中止事由",
        json_schema_extra={"x-choices": {r.value: name for r, name in SUSPENSION_REASON_NAMES.items()}},
        description="出让的矿业权权属争议尚未解决，或竞买人有矿产资源违法违规行为尚未处理（含处罚尚未执行完毕）",
    )
    note: Reason = Field(title="情况说明", description="争议或违法违规行为的情况、来源及处理机关")


class SuspendTradingInput(SuspendTradingRequest):
    actor: Actor


class ResumeTradingRequest(Wire):
    note: Reason = Field(title="中止原因消除情况", description="权属争议已解决或违法违规行为已处理完毕的情况")


class ResumeTradingInput(ResumeTradingRequest):
    actor: Actor


class GrantContractRequest(Wire):
    contract_no: ShortText = Field(title="出让合同编号", description="出让合同编号")
    signed_on: date = Field(title="签订日期", json_schema_extra={"x-default": "today"})
    fee_wan_yuan: float = Field(title="出让收益（万元）", gt=0, le=10**8, description="出让收益（万元）")
    note: LongText = Field(default="", title="说明")
    files: list[FileId] = file_ids("出让合同附件")


class GrantContractInput(GrantContractRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class FeePaymentRequest(Wire):
    receipt_ref: ShortText = Field(title="缴款凭证号", description="缴款凭证号")
    paid_on: date = Field(title="缴款日期", json_schema_extra={"x-default": "today"})
    note: LongText = Field(default="", title="说明")
    files: list[FileId] = file_ids("缴款凭证附件")


class FeePaymentInput(FeePaymentRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class GrantRegistrationRequest(Wire):
    licence_no: str = Field(
        title="新采矿许可证号", min_length=6, max_length=40, pattern=r"^[A-Za-z0-9-]+$", description="新采矿许可证号"
    )
    note: LongText = Field(default="", title="说明")
    files: list[FileId] = file_ids("登记材料附件")

    @model_validator(mode="after")
    def _upper(self) -> "GrantRegistrationRequest":
        self.licence_no = self.licence_no.upper()
        return self


class GrantRegistrationInput(GrantRegistrationRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class IssueRightInput(BaseModel):
    case_id: str
    licence_no: str
    block: GrantCreate
    holder_enterprise_id: int
    authority_level: AuthorityLevel
    valid_from: date
    by_username: str


class IssuedRight(BaseModel):
    right_id: int
    licence_no: str
    applied: bool


class CapacityCheckInput(BaseModel):
    case_id: str
    division_code: str
    mineral: str
    production_wt: float


class CapacityVerdict(BaseModel):
    ok: bool
    reason: str = ""
    clause: str = ""
