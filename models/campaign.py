"""治理整顿 campaign, rectification (整改) and closure (关闭取缔) over the wire: start inputs, each action's HTTP body
and workflow input, the case views, and the activity payloads. Pure pydantic, so workflows import it."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from domain.campaign import CampaignStage, ClosureStage, FindingKind, KeyCheck, RectStage, ReferralKind
from domain.roles import DepartmentKind
from models.cases import Actor, CaseViewBase, LongText, MineFacts, PartySpec, PlausibleDay, Reason, ShortText, Wire
from models.file_refs import FileId, FileRef, carried_files, file_ids

Evidence = list[ShortText]


# ---- the campaign --------------------------------------------------------------------------------------------


class GroupMember(Wire):
    name: ShortText = Field(title="姓名", description="姓名（或“市应急管理局干部”）")
    title: ShortText | None = Field(title="职务", default=None, description="职务")
    department: DepartmentKind = Field(
        title="所在部门", description="所在部门类别：natural_resources / emergency_management / ecology_environment …"
    )


class InspectionGroup(Wire):
    county_code: str = Field(
        title="分片包抓的县（区）",
        json_schema_extra={"x-picker": "county"},
        min_length=6,
        max_length=6,
        pattern=r"^\d{6}$",
        description="分片包抓的县（区）",
    )
    name: ShortText = Field(title="督查组名称", description="督查组名称，如“第一督查组”")
    leader: ShortText = Field(title="组长", description="组长")
    members: list[GroupMember] = Field(title="成员", json_schema_extra={"x-rows": 3}, min_length=1, max_length=30)


class CampaignCreate(Wire):
    title: ShortText = Field(title="整顿名称", description="整顿名称，如“中卫市矿产资源开采治理整顿”")
    # PlausibleDay: a day past 9999-12-30 would overflow the workflow's deadline timers and fail it forever
    results_due: PlausibleDay = Field(title="取得实效期限", description="取得实效期限（如5月底）")
    acceptance_due: PlausibleDay = Field(title="自治区级验收销号期限", description="自治区级验收销号期限（如6月底）")
    groups: list[InspectionGroup] = Field(
        title="督查组（每县（区）一个）",
        json_schema_extra={"x-rows": "counties"},
        min_length=1,
        max_length=40,
        description="督查组，每县（区）一个",
    )
    moratorium: bool = Field(
        title="实行“两个暂停”", default=True, description="是否实行“两个暂停”（暂停全市矿山生产、暂停火工产品供应）"
    )
    note: LongText = Field(default="", title="说明")


class CampaignStart(Wire):
    case_id: str
    title: str
    city_code: str
    city_name: str
    results_due: date
    acceptance_due: date
    groups: list[InspectionGroup]
    moratorium: bool
    note: str = ""
    opened_by: Actor


class LiftMoratoriumRequest(Wire):
    reason: Reason = Field(title="解除理由", description="解除“两个暂停”的理由")


class LiftMoratoriumInput(LiftMoratoriumRequest):
    actor: Actor


class ConcludeRequest(Wire):
    summary: Reason = Field(title="整顿工作总结", description="整顿工作总结")


class ConcludeInput(ConcludeRequest):
    actor: Actor
    total_cases: int = 0
    open_cases: int = 0


class Progress(BaseModel):
    """The campaign's cases as the projection counts them."""

    total: int = 0
    closed: int = 0
    open: int = 0
    overdue_items: int = 0
    by_stage: dict[str, int] = Field(default_factory=dict)


class CampaignView(CaseViewBase):
    kind: Literal["campaign"] = "campaign"
    stage: CampaignStage
    results_due: date
    acceptance_due: date
    groups: list[InspectionGroup] = Field(default_factory=list)
    moratorium_active: bool = False
    moratorium_imposed_at: datetime | None = None
    moratorium_lifted_at: datetime | None = None
    moratorium_lift_reason: str | None = None
    milestones: dict[str, Progress] = Field(default_factory=dict, description="各时间节点到期时的进展")
    summary: str | None = None


# ---- rectification (一矿一策、一矿一方案、一矿一责任人) --------------------------------------------------------------


class RectificationPolicy(Wire):
    plan_limit_working_days: int = Field(ge=1)
    referral_after_working_days: int = Field(ge=1)
    acceptance_limit_working_days: int = Field(ge=1)


class RectificationStart(Wire):
    case_id: str
    campaign_id: str | None = None
    mine: MineFacts
    opened_by: Actor
    policy: RectificationPolicy


class PlanItemRequest(Wire):
    check: KeyCheck = Field(title="重点检查事项", description="七项重点检查之一（seed 000 §二(二)）")
    link: RectStage = Field(title="整治环节", description="所属整治环节（停产整治 … 后续管理）")
    description: ShortText = Field(title="整改事项", description="整改事项")
    working_days: int = Field(title="期限（工作日）", ge=1, le=250, description="整改期限（工作日）")
    department: DepartmentKind | None = Field(
        title="负责销号的部门", default=None, description="负责销号的部门；缺省为该重点检查的主管部门"
    )


class PlanRequest(Wire):
    responsible_person: ShortText = Field(title="责任人", description="一矿一责任人（姓名）")
    responsible_title: ShortText | None = Field(title="责任人职务", default=None, description="责任人职务")
    measures: LongText = Field(title="整治措施", default="", description="一矿一策：整治措施")
    items: list[PlanItemRequest] = Field(
        title="整改事项",
        json_schema_extra={"x-rows": 5},
        min_length=1,
        max_length=50,
        description="一矿一方案：整改事项清单",
    )


class PlanItemSpec(Wire):
    check: KeyCheck
    link: RectStage
    description: str
    working_days: int
    department: DepartmentKind
    department_id: int
    department_name: str


class PlanInput(Wire):
    actor: Actor
    responsible_person: str
    responsible_title: str | None = None
    measures: str = ""
    items: list[PlanItemSpec]


class ThirdParty(BaseModel):
    contractor: str
    contract_ref: str
    cost_yuan: float
    commissioned_at: datetime
    commissioned_by: str


class RectItem(BaseModel):
    no: int
    check: KeyCheck
    link: RectStage
    description: str
    working_days: int
    department: DepartmentKind
    department_id: int
    department_name: str
    status: Literal["open", "closed"] = "open"
    opened_at: datetime
    due: date | None = None
    due_at: datetime | None = None
    refer_at: datetime | None = Field(default=None, description="逾期仍未销号时移交纪检监察的时间")
    escalated_at: datetime | None = None
    referred_at: datetime | None = None
    evidence: list[str] = Field(default_factory=list)
    closed_by: str | None = None
    closed_at: datetime | None = None
    note: str = ""
    reopened: int = 0
    third_party: ThirdParty | None = None


ItemNo = Annotated[int, Field(ge=1, le=1000, description="整改事项编号")]


class ItemCloseRequest(Wire):
    evidence: Evidence = Field(
        title="销号佐证材料",
        json_schema_extra={"x-widget": "lines"},
        min_length=1,
        max_length=30,
        description="销号佐证材料（档案号、照片编号等）",
    )
    note: LongText = Field(default="", title="说明")
    files: list[FileId] = file_ids("销号佐证附件")


class ItemCloseInput(ItemCloseRequest):
    actor: Actor
    item_no: int
    files: list[FileRef] = carried_files()


class FindingRequest(Wire):
    kind: FindingKind = Field(
        title="发现类型", description="concealment 隐瞒不报不查 / lax 推进不力、把关不严 / illegal 涉及违法"
    )
    description: Reason = Field(title="情况说明")
    item_no: int | None = Field(
        title="相关整改事项",
        json_schema_extra={"x-picker": "item"},
        default=None,
        ge=1,
        description="相关整改事项编号（可选）",
    )


class FindingInput(FindingRequest):
    actor: Actor


class ThirdPartyRequest(Wire):
    item_no: int = Field(
        title="修复事项",
        json_schema_extra={"x-picker": "lapsed_restoration_item"},
        ge=1,
        description="企业拒不履行的生态修复事项编号",
    )
    contractor: ShortText = Field(title="受托第三方", description="受托第三方")
    contract_ref: ShortText = Field(title="委托合同编号", description="委托合同编号")
    cost_yuan: float = Field(title="修复费用（元）", gt=0, le=1e10, description="修复费用（元），记为向企业追偿的债权")
    note: LongText = Field(default="", title="说明")


class ThirdPartyInput(ThirdPartyRequest):
    actor: Actor


class AcceptanceRequest(Wire):
    verdict: Literal["pass", "fail"] = Field(
        title="验收结论", json_schema_extra={"x-choices": {"pass": "通过", "fail": "不通过（列明重新整改的事项）"}}
    )
    opinion: LongText = Field(default="", title="验收意见")
    acceptance_ref: ShortText | None = Field(title="验收文件编号", default=None, description="验收文件编号")
    reopen: list[int] = Field(
        title="重新整改的事项（不通过时勾选）",
        json_schema_extra={"x-picker": "closed_item"},
        default_factory=list,
        max_length=50,
        description="不通过时重新整改的事项编号",
    )
    files: list[FileId] = file_ids("验收材料附件")


class AcceptanceInput(AcceptanceRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class Referral(BaseModel):
    kind: ReferralKind
    reason: str
    at: datetime
    by: str
    item_no: int | None = None


class Claim(BaseModel):
    item_no: int
    contractor: str
    contract_ref: str
    cost_yuan: float
    at: datetime


class AcceptanceRecord(BaseModel):
    level: Literal["county", "region"]
    verdict: Literal["pass", "fail"]
    opinion: str
    acceptance_ref: str | None
    by: str
    at: datetime


class RectificationView(CaseViewBase):
    kind: Literal["rectification"] = "rectification"
    stage: RectStage
    campaign_id: str | None = None
    responsible_person: str | None = None
    responsible_title: str | None = None
    measures: str = ""
    plan_due: date | None = None
    items: list[RectItem] = Field(default_factory=list)
    referrals: list[Referral] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    acceptances: list[AcceptanceRecord] = Field(default_factory=list)


# ---- closure (关闭取缔) -------------------------------------------------------------------------------------------


class ClosurePolicy(Wire):
    publicity_working_days: int = Field(ge=1)
    step_working_days: dict[str, int] = Field(default_factory=dict)


class ClosureStart(Wire):
    case_id: str
    campaign_id: str | None = None
    mine: MineFacts
    plan_ref: str = Field(description="关闭方案批复文号")
    departments: dict[str, PartySpec] = Field(description="step (stage) -> the department that does it")
    opened_by: Actor
    policy: ClosurePolicy


class StepRecord(BaseModel):
    stage: ClosureStage
    name: str
    party: str
    department_id: int | None = None
    department_name: str
    clause: str
    started_at: datetime | None = None
    due: date | None = None
    due_at: datetime | None = None
    escalated_at: datetime | None = None
    done_at: datetime | None = None
    done_by: str | None = None
    evidence: list[str] = Field(default_factory=list)
    note: str = ""


class StepDoneRequest(Wire):
    evidence: Evidence = Field(
        title="完成佐证",
        json_schema_extra={"x-widget": "lines"},
        min_length=1,
        max_length=30,
        description="完成佐证（停电通知单、收缴清单、注销文书等）",
    )
    note: LongText = Field(default="", title="说明")
    files: list[FileId] = file_ids("完成佐证附件")


class StepDoneInput(StepDoneRequest):
    actor: Actor
    stage: ClosureStage
    files: list[FileRef] = carried_files()


class ClosureView(CaseViewBase):
    kind: Literal["closure"] = "closure"
    stage: ClosureStage
    campaign_id: str | None = None
    plan_ref: str
    steps: list[StepRecord] = Field(default_factory=list)
    publicity_until: date | None = None


# ---- batch start ----------------------------------------------------------------------------------------------

BATCH_LIMIT = 500  # mines per batch start: one request's work stays bounded


class BatchRequest(Wire):
    mine_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        title="矿山",
        json_schema_extra={"x-picker": "jurisdiction_mine"},
        min_length=1,
        max_length=BATCH_LIMIT,
        description="要启动的矿山（可多选）",
    )
    campaign_id: str | None = Field(
        title="所属治理整顿",
        json_schema_extra={"x-picker": "campaign"},
        default=None,
        max_length=40,
        description="所属治理整顿案件编号（可选）",
    )


class ClosureBatchRequest(BatchRequest):
    plan_ref: ShortText = Field(
        title="关闭方案批复文号", description="关闭方案批复文号（方案批复后方可组织实施关闭，seed 002 §05）"
    )


class BatchStarted(BaseModel):
    mine_id: int
    case_id: str


class BatchRefused(BaseModel):
    mine_id: int
    code: str
    message: str


class BatchResult(BaseModel):
    started: list[BatchStarted] = Field(default_factory=list, description="新启动的案件")
    existing: list[BatchStarted] = Field(default_factory=list, description="已有正在办理的同类案件（未重复启动）")
    refused: list[BatchRefused] = Field(default_factory=list)


# ---- activity payloads --------------------------------------------------------------------------------------------


class CampaignRecordInput(BaseModel):
    campaign_id: str
    city_code: str
    title: str
    results_due: date
    acceptance_due: date
    groups: list[InspectionGroup]
    stage: str
    moratorium_active: bool
    at: datetime
    by: str
    reason: str = ""


class CaseLinkInput(BaseModel):
    case_id: str
    campaign_id: str | None
    kind: str
    mine_id: int
    division_code: str


class ItemRow(BaseModel):
    item_no: int
    check: str
    link: str
    department: str
    department_id: int
    department_name: str
    description: str
    due: date | None
    status: str
    overdue: bool
    escalated: bool
    third_party: bool


class ItemsSyncInput(BaseModel):
    case_id: str
    campaign_id: str | None
    mine_id: int
    mine_name: str
    division_code: str
    version: int
    items: list[ItemRow]


class ReferralInput(BaseModel):
    key: str
    campaign_id: str | None
    case_id: str
    mine_id: int | None
    mine_name: str | None
    division_code: str
    kind: ReferralKind
    reason: str
    by: str
    at: datetime


class ClaimInput(BaseModel):
    key: str
    campaign_id: str | None
    case_id: str
    item_no: int
    mine_id: int
    enterprise_id: int | None
    enterprise_name: str | None
    division_code: str
    contractor: str
    contract_ref: str
    cost_yuan: float
    at: datetime


class CapacityInput(BaseModel):
    """A closure's entry in the 双挂钩一达标 capacity ledger (models/ledger.py): `closed` when the licence is
    cancelled, `restored` when the restoration is accepted."""

    kind: Literal["closed", "restored"]
    mine_id: int
    case_id: str
    actor: str
    role: str


class CapacityResult(BaseModel):
    recorded: bool
    amount_wt: float | None = None
    code: str | None = None
    message: str = ""


class ProgressRequest(BaseModel):
    campaign_id: str
