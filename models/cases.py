"""What every procedure's case sends over the wire: who acts, the timeline, countersign rounds, deadlines, the
committee meeting, the case moves (urge, copy, reassign, delegate, add/remove a party), and activity payloads.

Pure pydantic (no SQLAlchemy), so workflow code can import it through the sandbox. One input model per update
handler: a field can be added later without breaking recorded histories. Procedure-specific models live beside
(`models/reopening.py`).
"""

import inspect
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from domain.calendar import CHINA_TZ, day_out_of_range
from domain.cases import Status
from domain.mines import MineMethod
from domain.roles import DepartmentKind, Role
from models.file_refs import FileId, FileRef, carried_files, file_ids, material_files

# Text a user may type: no control characters (a NUL cannot even be stored by PostgreSQL) and no bidirectional
# overrides (which make a displayed text read differently from what was stored). Lone surrogates are refused by
# pydantic itself.
SAFE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]*$"
# Names shown in documents and lists: no markup characters either.
SAFE_NAME = r"^[^<>\"'&\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]+$"

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=SAFE_TEXT)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=SAFE_TEXT)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=SAFE_TEXT)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=SAFE_TEXT)]
Username = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=r"^[a-z][a-z0-9_.-]+$")]
PartyCode = Annotated[str, StringConstraints(min_length=2, max_length=60, pattern=r"^[a-z_]+(:[a-z][a-z0-9_.-]+)?$")]


def _plausible_day(day: date) -> date:
    if problem := day_out_of_range(day, datetime.now(CHINA_TZ).date()):
        raise ValueError(problem)
    return day


# A day of a procedure given by a user: 2000 to a few years ahead (domain/calendar.py), else 422 naming the field.
PlausibleDay = Annotated[date, AfterValidator(_plausible_day)]


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MaterialBase(Wire):
    """One material of an application (or its 补正): a reference (文号、档案号), the uploaded files themselves, or both.
    The files stay with their material in the case, so the case page lists them under it beside its clause; the
    action's `files` carry their hashes into the timeline (api/services/cases.py `carried_files`)."""

    ref: OptionalText = Field(default="", title="文号或档案号",
                              description="材料引用（档案号、文件编号或存储标识）；已上传材料文件的可不填")
    files: list[FileId] = material_files()

    @model_validator(mode="after")
    def _given(self) -> Self:
        if not self.ref and not self.files:
            raise ValueError("每项材料须填写文号或档案号，或上传材料文件")
        return self


class Actor(Wire):
    """Who acts, as the API authenticated them; the workflow checks role, jurisdiction and party against it."""

    username: str
    display_name: str
    role: Role
    division_code: str | None = None
    department_id: int | None = None
    department_kind: DepartmentKind | None = None
    enterprise_id: int | None = None


class UserRef(Wire):
    """Another user an action names (reassign to, copy to), as the registry knows them."""

    username: str
    display_name: str
    role: Role
    department_id: int | None = None
    division_code: str | None = None


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


# ---- the case as a workflow holds it ----------------------------------------------------------------------------


class TimelineEntry(BaseModel):
    seq: int
    at: datetime
    actor: str
    actor_name: str
    role: str
    action: str
    detail: str
    data: dict[str, Any] = Field(default_factory=dict)


class Draft(BaseModel):
    """An opinion prepared by a delegate (委派) for the task's holder to sign."""

    verdict: Literal["pass", "fail"]
    opinion: str = ""
    findings: list[str] = Field(default_factory=list)
    by: str
    at: datetime


class PartyTask(BaseModel):
    party: str
    name: str
    department_id: int | None = None
    assignee: str | None = Field(default=None, description="指定经办人；为空时本部门任一经办人可签")
    delegate: str | None = Field(default=None, description="受委派起草意见的同事")
    draft: Draft | None = None
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
    urged_at: datetime | None = None
    urge_message: str | None = None
    added_at: datetime | None = Field(default=None, description="加签时间（本轮中途加入的会签方）")
    removed_at: datetime | None = Field(default=None, description="减签时间")
    removed_reason: str | None = None


class Round(BaseModel):
    no: int
    opened_at: datetime
    closed_at: datetime | None = None
    outcome: Literal["pass", "fail", "returned", "withdrawn"] | None = None
    parties: list[PartyTask] = Field(default_factory=list)


class Pending(BaseModel):
    """Who the case waits on now: a party of a countersign round, or the role that must act."""

    party: str
    name: str
    role: Role
    task: str
    due: date | None = None
    due_at: datetime | None = None
    overdue: bool = False
    department_id: int | None = None
    assignee: str | None = None
    urged_at: datetime | None = None
    urge_message: str | None = None
    enterprise_id: int | None = Field(default=None, description="等待的企业（缺省为案件的申请企业；如转让的受让人）")


class Clock(BaseModel):
    """The statutory decision clock, stopped while the case waits on the applicant or on expert review."""

    limit_days: int
    used_days: int = 0
    running_since: datetime | None = None
    deadline: date | None = None
    deadline_at: datetime | None = None
    warn_at: datetime | None = None
    warned: bool = False
    exceeded: bool = False
    provisional: bool = False
    calendar_days: bool = Field(
        default=False, description="按自然日计算（如国务院令第242号第十条的40日）；否则按工作日"
    )
    extended_days: int = Field(default=0, description="经批准延长的天数（已计入 limit_days）")


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


class CopyRecord(BaseModel):
    username: str
    display_name: str
    by: str
    at: datetime
    note: str = ""


class Urge(BaseModel):
    at: datetime
    by: str
    message: str


class CaseViewBase(BaseModel):
    """The fields every procedure's case has; each procedure's view extends it."""

    case_id: str
    kind: str
    title: str
    division_code: str
    division_name: str
    city_code: str
    mine_id: int | None = None
    mine_name: str | None = None
    licence_no: str | None = None
    enterprise_id: int | None = None
    enterprise_name: str | None = None
    stage: str
    status: Status
    submitted_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    deadline: date | None = Field(default=None, description="法定办理期限（工作日计，补正、验收、整改期间停止计算）")
    clock: Clock
    pending: list[Pending] = Field(default_factory=list)
    document_no: str | None = None
    outcome_reason: str | None = None
    copies: list[CopyRecord] = Field(default_factory=list, description="抄送")
    urges: dict[str, Urge] = Field(default_factory=dict, description="对非会签待办方的催办（键为 party）")
    timeline: list[TimelineEntry] = Field(default_factory=list)
    version: int = 0
    available_actions: list[str] = Field(
        default_factory=list, description="当前登录用户此刻可办理的操作（如 sign_off、approval、withdraw）"
    )

    @property
    def counterparty_enterprise_id(self) -> int | None:
        """A second enterprise party who may read and act on the case (a transfer's transferee); none by default."""
        return None

    def required_material_kinds(self) -> set[str] | None:
        """The material kinds this case requires (a 补正 form marks those not yet submitted); None: every kind."""
        return None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        kind = cls.model_fields["kind"].default
        # the class that declares a procedure's `kind: Literal["transfer"] = "transfer"` (not the API's Out models
        # extending it)
        if isinstance(kind, str) and "kind" in inspect.get_annotations(cls):
            VIEWS.setdefault(kind, cls)


# Every procedure's view by its `kind`, filled as each view class is defined: a case view read back from a payload
# (a document's input) becomes its own procedure's view without a list here naming them.
VIEWS: dict[str, type[CaseViewBase]] = {}


def as_case_view(value: Any) -> Any:
    """A case view as its own procedure's class (from a payload's dict; an instance is kept as it is)."""
    if isinstance(value, dict) and isinstance(kind := value.get("kind"), str):
        if kind not in VIEWS:
            raise ValueError(f"unknown case kind {kind!r}")
        return VIEWS[kind].model_validate(value)
    return value


# ---- the committee (三重一大), shared by every procedure that goes through it ---------------------------------


class CommitteeDecisionRequest(Wire):
    meeting_no: ShortText = Field(title="会议编号", description="会议编号，如“县政府常务会议〔2026〕12次”")
    meeting_date: date = Field(title="会议日期", json_schema_extra={"x-default": "today"})
    attendees: list[ShortText] = Field(
        title="出席成员", json_schema_extra={"x-widget": "lines"}, min_length=1, max_length=200, description="出席成员"
    )
    members_total: int = Field(title="应到会人数", ge=1, le=200, description="应到会成员总数")
    decision: Literal["approve", "reject", "defer"] = Field(
        title="会议决定",
        json_schema_extra={
            "x-choices": {"approve": "研究同意", "reject": "研究不同意", "defer": "暂缓研究（需补充材料）"}
        },
        description="approve 同意 / reject 不同意 / defer 暂缓",
    )
    minutes_ref: ShortText = Field(title="会议纪要文号", description="会议纪要文号或档案号")
    recused: list[ShortText] = Field(
        title="回避成员",
        json_schema_extra={"x-widget": "lines"},
        default_factory=list,
        max_length=200,
        description="回避成员",
    )
    note: LongText = Field(default="", title="说明")
    files: list[FileId] = file_ids("会议纪要附件")


class CommitteeDecisionInput(CommitteeDecisionRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


# ---- countersign: signing and the moves of a round ------------------------------------------------------------


class SignOffRequest(Wire):
    verdict: Literal["pass", "fail"] = Field(
        title="验收结论",
        json_schema_extra={"x-choices": {"pass": "通过", "fail": "不通过（须写明意见或问题）"}},
        description="pass 通过 / fail 不通过",
    )
    opinion: LongText = Field(title="验收意见", default="", description="验收意见；不通过时必填（或填写问题清单）")
    findings: list[ShortText] = Field(
        title="问题清单",
        json_schema_extra={"x-widget": "lines"},
        default_factory=list,
        max_length=50,
        description="发现的问题清单",
    )
    files: list[FileId] = file_ids("验收佐证附件（现场照片、检测报告等）")


class SignOffInput(SignOffRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class ReassignRequest(Wire):
    to: Username = Field(
        title="转给", json_schema_extra={"x-picker": "colleague"}, description="接办人（同一部门的经办人）用户名"
    )
    reason: Reason = Field(title="转办理由")


class ReassignInput(Wire):
    actor: Actor
    party: str
    to: UserRef
    reason: str


class DelegateRequest(Wire):
    to: Username = Field(
        title="委派给",
        json_schema_extra={"x-picker": "colleague"},
        description="受委派起草意见的同事（同一部门）用户名",
    )
    reason: Reason = Field(title="委派说明")


class DelegateInput(Wire):
    actor: Actor
    party: str
    to: UserRef
    reason: str


class DraftRequest(Wire):
    verdict: Literal["pass", "fail"] = Field(
        title="建议结论", json_schema_extra={"x-choices": {"pass": "通过", "fail": "不通过"}}
    )
    opinion: LongText = Field(default="", title="起草的意见")
    findings: list[ShortText] = Field(
        title="问题清单", json_schema_extra={"x-widget": "lines"}, default_factory=list, max_length=50
    )


class DraftInput(DraftRequest):
    actor: Actor
    party: str


class AddPartyRequest(Wire):
    party: PartyCode = Field(
        title="加签方",
        json_schema_extra={"x-picker": "addable_party"},
        description="加签方：部门类别（如 forestry_grassland、power_supply）或 expert:用户名",
    )
    reason: Reason = Field(title="加签理由")


class AddPartyInput(Wire):
    actor: Actor
    spec: PartySpec
    reason: str


class RemovePartyRequest(Wire):
    reason: Reason = Field(title="减签理由")


class RemovePartyInput(RemovePartyRequest):
    actor: Actor
    party: str


class UrgeRequest(Wire):
    parties: list[PartyCode] = Field(
        title="催办对象",
        json_schema_extra={"x-picker": "pending_party"},
        min_length=1,
        max_length=20,
        description="被催办的待办方（案件当前等待办理的单位或个人）",
    )
    message: Reason = Field(title="催办内容")


class UrgeInput(UrgeRequest):
    actor: Actor


class CopyRequest(Wire):
    to: Username = Field(
        title="抄送给", json_schema_extra={"x-picker": "official"}, description="抄送对象（官员）用户名"
    )
    note: LongText = Field(default="", title="附言")


class CopyInput(Wire):
    actor: Actor
    to: UserRef
    note: str = ""


# ---- activity payloads ---------------------------------------------------------------------------------------


class CalendarNotice(BaseModel):
    """A year's official holiday arrangement has been loaded (the `calendar_loaded` signal): running cases re-plan
    their pending deadlines. The table travels here so each case's history records what it was told; the dates a
    re-plan uses come from the calendar activities, recorded in history too."""

    year: int
    holidays: list[date]
    workdays: list[date]
    source: str
    loaded_by: str


class DeadlineRequest(BaseModel):
    start: datetime
    working_days: int
    remind_before_working_days: int = 0
    calendar_days: bool = False  # count natural days (both figures above are then natural days)


class DeadlinePlan(BaseModel):
    due: date
    due_at: datetime = Field(description="the moment the deadline has passed: 00:00 China time after `due`")
    due_morning: datetime = Field(description="the start of the office day on `due` (09:00 China time)")
    remind_at: datetime | None = None
    provisional: bool = False


class WorkingDaysRequest(BaseModel):
    start: datetime
    end: datetime
    calendar_days: bool = False  # count natural days


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
    urged_at: datetime | None = None
    urge_message: str | None = None


class ProjectionRow(BaseModel):
    """The list/inbox row of a case (models.projection.CaseRecord), whatever its procedure."""

    case_id: str
    kind: str
    title: str
    mine_id: int | None
    mine_name: str | None
    licence_no: str | None
    enterprise_id: int | None
    enterprise_name: str | None
    division_code: str
    city_code: str
    counterparty_enterprise_id: int | None = None
    stage: str
    status: Status
    overdue: bool
    deadline: date | None
    next_due_at: datetime | None
    round_no: int
    document_no: str | None
    summary: str
    version: int
    submitted_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class SyncCaseInput(BaseModel):
    """One atomic write of the projection: the case row, its open tasks, who it is copied to, and its new
    timeline entries."""

    record: ProjectionRow
    tasks: list[TaskRow]
    copies: list[str] = Field(default_factory=list)
    new_entries: list[TimelineEntry]
    mine_status: str | None = None
