"""What crosses the wire between the API, the workflows and the activities for a case.

Pure pydantic (no SQLAlchemy), so workflow code can import it through the sandbox. One input model per update
handler: a field can be added later without breaking recorded histories.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.reopening import MaterialKind, MineMethod, Stage, Status
from domain.roles import DepartmentKind, Role

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Username = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=r"^[a-z][a-z0-9_.-]+$")]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Actor(Wire):
    """Who acts, as the API authenticated them; the workflow checks role, jurisdiction and party against it."""

    username: str
    display_name: str
    role: Role
    division_code: str | None = None
    department_id: int | None = None
    department_kind: DepartmentKind | None = None
    enterprise_id: int | None = None


class MaterialRef(Wire):
    kind: MaterialKind = Field(description="材料类型")
    ref: ShortText = Field(description="材料引用（档案号、文件编号或存储标识）")


class MineFacts(Wire):
    """The registry facts a case needs, copied at submission so the case reads the same forever."""

    mine_id: int
    mine_name: str
    enterprise_id: int
    enterprise_name: str
    division_code: str
    division_name: str
    county_short_name: str
    city_code: str
    township_id: int
    township_name: str
    mineral: str
    method: MineMethod
    scale_wt: float
    licence_no: str
    licence_valid_to: date


class PartySpec(Wire):
    """A countersign party: a department (any of its officers may sign unless assigned) or one expert."""

    party: str = Field(description="会签方代码：部门类别（如 emergency_management、township）或 expert:用户名")
    name: str
    department_id: int | None = None
    assignee: str | None = None


class ReopeningPolicy(Wire):
    expert_panel_size: int = Field(ge=1, le=15)
    max_acceptance_rounds: int = Field(ge=1, le=10)
    intake_limit_working_days: int = Field(ge=1)
    correction_limit_working_days: int = Field(ge=1)
    sign_off_limit_working_days: int = Field(ge=1)
    reminder_before_working_days: int = Field(ge=0)
    decision_limit_working_days: int = Field(ge=1)
    decision_warning_working_days: int = Field(ge=0)
    quorum_numerator: int = Field(ge=1)
    quorum_denominator: int = Field(ge=1)
    filing_reminder_every_working_days: int = Field(ge=1)
    filing_max_reminders: int = Field(ge=0)
    approval_doc_type: str


class ReopeningStart(Wire):
    case_id: str
    mine: MineFacts
    reason: LongText
    materials: list[MaterialRef]
    departments: list[PartySpec] = Field(description="联合验收的部门方（含矿山所在乡镇）")
    applicant: Actor
    policy: ReopeningPolicy


# ---- actions: the HTTP body (…Request) and the workflow input (…Input = body + who acts) --------------------

class ReopeningCreate(Wire):
    mine_id: int = Field(ge=1, le=2**31 - 1, description="矿山 id")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="申请开复工的理由")
    materials: list[MaterialRef] = Field(default_factory=list, max_length=30, description="申请材料")


class IntakeRequest(Wire):
    decision: Literal["accept", "request_correction"] = Field(description="accept 受理 / request_correction 要求补正")
    missing: list[MaterialKind] = Field(default_factory=list, max_length=20, description="一次性告知需补正的材料")
    experts: list[Username] = Field(default_factory=list, max_length=15, description="受理时指定的专家组（专家用户名）")
    note: LongText = ""


class IntakeInput(Wire):
    actor: Actor
    decision: Literal["accept", "request_correction"]
    missing: list[MaterialKind] = Field(default_factory=list)
    experts: list[PartySpec] = Field(default_factory=list)
    note: str = ""


class CorrectionRequest(Wire):
    materials: list[MaterialRef] = Field(min_length=1, max_length=30)
    note: LongText = ""


class CorrectionInput(CorrectionRequest):
    actor: Actor


class SignOffRequest(Wire):
    verdict: Literal["pass", "fail"] = Field(description="pass 通过 / fail 不通过")
    opinion: LongText = Field(default="", description="验收意见；不通过时必填（或填写问题清单）")
    findings: list[ShortText] = Field(default_factory=list, max_length=50, description="发现的问题清单")


class SignOffInput(SignOffRequest):
    actor: Actor


class RectificationDoneRequest(Wire):
    note: LongText = ""
    materials: list[MaterialRef] = Field(default_factory=list, max_length=30)


class RectificationDoneInput(RectificationDoneRequest):
    actor: Actor


class CommitteeDecisionRequest(Wire):
    meeting_no: ShortText = Field(description="会议编号，如“县政府常务会议〔2026〕12次”")
    meeting_date: date
    attendees: list[ShortText] = Field(min_length=1, max_length=200, description="出席成员")
    members_total: int = Field(ge=1, le=200, description="应到会成员总数")
    decision: Literal["approve", "reject", "defer"] = Field(description="approve 同意 / reject 不同意 / defer 暂缓")
    minutes_ref: ShortText = Field(description="会议纪要文号或档案号")
    recused: list[ShortText] = Field(default_factory=list, max_length=200, description="回避成员")
    note: LongText = ""


class CommitteeDecisionInput(CommitteeDecisionRequest):
    actor: Actor


class CommitteeMaterialRequest(Wire):
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    materials: list[MaterialRef] = Field(default_factory=list, max_length=30)


class CommitteeMaterialInput(CommitteeMaterialRequest):
    actor: Actor


class ApprovalRequest(Wire):
    note: LongText = ""


class ApprovalInput(ApprovalRequest):
    actor: Actor


class ResumptionRequest(Wire):
    resumed_on: date = Field(description="实际复工日期")


class ResumptionInput(ResumptionRequest):
    actor: Actor


class CityFilingRequest(Wire):
    note: LongText = ""


class CityFilingInput(CityFilingRequest):
    actor: Actor


class WithdrawRequest(Wire):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class WithdrawInput(WithdrawRequest):
    actor: Actor


# ---- the case as the workflow holds it (query result and update result) --------------------------------------

class TimelineEntry(BaseModel):
    seq: int
    at: datetime
    actor: str
    actor_name: str
    role: str
    action: str
    detail: str
    data: dict[str, Any] = Field(default_factory=dict)


class PartyTask(BaseModel):
    party: str
    name: str
    department_id: int | None = None
    assignee: str | None = None
    verdict: Literal["pass", "fail"] | None = None
    opinion: str | None = None
    findings: list[str] = Field(default_factory=list)
    signed_by: str | None = None
    at: datetime | None = None
    due: date | None = None
    due_at: datetime | None = None
    remind_at: datetime | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None


class Round(BaseModel):
    no: int
    opened_at: datetime
    closed_at: datetime | None = None
    outcome: Literal["pass", "fail", "returned", "withdrawn"] | None = None
    parties: list[PartyTask] = Field(default_factory=list)


class Pending(BaseModel):
    """Who the case waits on now: a party of the joint acceptance, or the role that must act."""

    party: str
    name: str
    role: Role
    task: str
    due: date | None = None
    due_at: datetime | None = None
    overdue: bool = False
    department_id: int | None = None
    assignee: str | None = None


class Clock(BaseModel):
    """The statutory decision clock (行政许可法 第四十二条), stopped while the case waits on the applicant."""

    limit_days: int
    used_days: int = 0
    running_since: datetime | None = None
    deadline: date | None = None
    deadline_at: datetime | None = None
    warn_at: datetime | None = None
    warned: bool = False
    exceeded: bool = False
    provisional: bool = False


class CommitteeMeeting(BaseModel):
    meeting_no: str
    meeting_date: date
    attendees: list[str]
    members_total: int
    recused: list[str]
    decision: Literal["approve", "reject", "defer"]
    minutes_ref: str
    recorded_by: str
    recorded_at: datetime


class CaseView(BaseModel):
    case_id: str
    kind: Literal["reopening"] = "reopening"
    mine_id: int
    mine_name: str
    enterprise_id: int
    enterprise_name: str
    division_code: str
    division_name: str
    city_code: str
    licence_no: str
    method: MineMethod
    reason: str
    stage: Stage
    status: Status
    submitted_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    deadline: date | None = Field(default=None, description="法定办理期限（工作日计，补正、验收、整改期间停止计算）")
    clock: Clock
    pending: list[Pending] = Field(default_factory=list)
    materials: list[MaterialRef] = Field(default_factory=list)
    missing: list[MaterialKind] = Field(default_factory=list, description="一次性告知的需补正材料")
    correction_due_at: datetime | None = None
    experts: list[PartySpec] = Field(default_factory=list)
    rounds: list[Round] = Field(default_factory=list)
    committee_meetings: list[CommitteeMeeting] = Field(default_factory=list)
    document_no: str | None = None
    approved_at: datetime | None = None
    resumed_on: date | None = None
    filing_reminders: int = 0
    outcome_reason: str | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    version: int = 0


# ---- activity payloads ---------------------------------------------------------------------------------------

class DeadlineRequest(BaseModel):
    start: datetime
    working_days: int
    remind_before_working_days: int = 0


class DeadlinePlan(BaseModel):
    due: date
    due_at: datetime = Field(description="the moment the deadline has passed: 00:00 China time after `due`")
    due_morning: datetime = Field(description="the start of the office day on `due` (09:00 China time)")
    remind_at: datetime | None = None
    provisional: bool = False


class WorkingDaysRequest(BaseModel):
    start: datetime
    end: datetime


class DocumentNumberRequest(BaseModel):
    case_id: str
    purpose: str
    division_code: str
    county_short_name: str
    doc_type: str
    year: int


class IssuedDocumentNumber(BaseModel):
    doc_no: str
    year: int
    seq: int


class TaskRow(BaseModel):
    task: str
    party: str | None
    name: str
    role: Role
    division_code: str
    department_id: int | None = None
    enterprise_id: int | None = None
    assignee: str | None = None
    due_at: datetime | None = None
    overdue: bool = False


class SyncCaseInput(BaseModel):
    """One atomic write of the projection: the case row, its open tasks and its new timeline entries."""

    case: CaseView
    tasks: list[TaskRow]
    new_entries: list[TimelineEntry]
    mine_status: str | None = None
