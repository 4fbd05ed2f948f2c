"""开复工 (reopening) over the wire: the start input, each action's HTTP body and workflow input, the case view."""

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from domain.mines import MineMethod
from domain.reopening import MaterialKind, Stage
from models.cases import (
    Actor,
    CaseViewBase,
    CommitteeMeeting,
    LongText,
    MaterialBase,
    MineFacts,
    PartySpec,
    Reason,
    Round,
    Username,
    Wire,
)
from models.file_refs import FileId, FileRef, carried_files, file_ids


class MaterialRef(MaterialBase):
    kind: MaterialKind = Field(title="材料类型", description="材料类型")


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
    # Added after the first cases ran: histories started without it read the default.
    resumption_reminder_working_days: int = Field(default=20, ge=1)


class ReopeningStart(Wire):
    case_id: str
    mine: MineFacts
    reason: LongText
    materials: list[MaterialRef]
    departments: list[PartySpec] = Field(description="联合验收的部门方（含矿山所在乡镇）")
    applicant: Actor
    policy: ReopeningPolicy
    # The application's files, named with their hashes on its `submitted` entry (none in cases started before).
    files: list[FileRef] = carried_files()


# ---- actions: the HTTP body (…Request) and the workflow input (…Input = body + who acts) --------------------


class ReopeningCreate(Wire):
    mine_id: int = Field(
        title="矿山", json_schema_extra={"x-picker": "my_mine"}, ge=1, le=2**31 - 1, description="矿山 id"
    )
    reason: Reason = Field(title="申请理由", description="申请开复工的理由")
    materials: list[MaterialRef] = Field(
        title="申请材料",
        json_schema_extra={"x-widget": "materials", "x-rows": "mine_required", "x-depends": "mine_id"},
        default_factory=list,
        max_length=30,
        description="申请材料",
    )
    files: list[FileId] = file_ids("申请材料附件")


class IntakeRequest(Wire):
    decision: Literal["accept", "request_correction"] = Field(
        title="办理决定",
        json_schema_extra={
            "x-choices": {"accept": "受理，组织联合验收", "request_correction": "材料不齐，一次性告知补正"}
        },
        description="accept 受理 / request_correction 要求补正",
    )
    missing: list[MaterialKind] = Field(
        title="需补正材料（告知补正时勾选）",
        json_schema_extra={"x-picker": "case_material"},
        default_factory=list,
        max_length=20,
        description="一次性告知需补正的材料",
    )
    experts: list[Username] = Field(
        title="专家组（受理时指定）",
        json_schema_extra={"x-picker": "expert"},
        default_factory=list,
        max_length=15,
        description="受理时指定的专家组（专家用户名）；退回后重新受理可省略以沿用原专家组",
    )
    note: LongText = Field(default="", title="说明")


class IntakeInput(Wire):
    actor: Actor
    decision: Literal["accept", "request_correction"]
    missing: list[MaterialKind] = Field(default_factory=list)
    experts: list[PartySpec] = Field(default_factory=list)
    note: str = ""


class CorrectionRequest(Wire):
    materials: list[MaterialRef] = Field(
        title="补正材料",
        json_schema_extra={"x-widget": "materials", "x-rows": "case_missing"},
        min_length=1,
        max_length=30,
    )
    note: LongText = Field(default="", title="说明")
    files: list[FileId] = file_ids("补正材料附件")


class CorrectionInput(CorrectionRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class RectificationDoneRequest(Wire):
    note: LongText = Field(default="", title="整改情况")
    materials: list[MaterialRef] = Field(
        title="整改材料（可选）",
        json_schema_extra={"x-widget": "materials", "x-rows": "case_required"},
        default_factory=list,
        max_length=30,
    )
    files: list[FileId] = file_ids("整改材料附件")


class RectificationDoneInput(RectificationDoneRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class CommitteeMaterialRequest(Wire):
    note: Reason = Field(title="补充材料说明")
    materials: list[MaterialRef] = Field(
        title="补充材料（可选）",
        json_schema_extra={"x-widget": "materials", "x-rows": "case_required"},
        default_factory=list,
        max_length=30,
    )
    files: list[FileId] = file_ids("补充材料附件")


class CommitteeMaterialInput(CommitteeMaterialRequest):
    actor: Actor
    files: list[FileRef] = carried_files()


class ApprovalRequest(Wire):
    note: LongText = Field(default="", title="批复说明")


class ApprovalInput(ApprovalRequest):
    actor: Actor


class ResumptionRequest(Wire):
    resumed_on: date = Field(title="复工日期", json_schema_extra={"x-default": "today"}, description="实际复工日期")


class ResumptionInput(ResumptionRequest):
    actor: Actor


class CityFilingRequest(Wire):
    note: LongText = Field(default="", title="备案意见")


class CityFilingInput(CityFilingRequest):
    actor: Actor


class WithdrawRequest(Wire):
    reason: Reason = Field(title="撤回理由")


class WithdrawInput(WithdrawRequest):
    actor: Actor


class ReturnRequest(Wire):
    to_stage: Literal["intake", "correction", "joint_acceptance"] = Field(
        title="退回到",
        json_schema_extra={
            "x-choices": {
                "intake": "受理（重新受理后开启新一轮会签）",
                "correction": "补正（一次性告知需补正的材料）",
                "joint_acceptance": "联合验收（开启新一轮会签）",
            }
        },
        description="退回到：intake 受理（县自然资源局自联合验收退回）、correction 补正（同上，须列明补正材料）、"
        "joint_acceptance 联合验收（会议秘书自集体研究退回）",
    )
    reason: Reason = Field(title="退回理由")
    missing: list[MaterialKind] = Field(
        title="退回补正时需补正的材料",
        json_schema_extra={"x-picker": "case_material"},
        default_factory=list,
        max_length=20,
        description="退回补正时一次性告知的材料",
    )


class ReturnInput(ReturnRequest):
    actor: Actor


class MaterialRequirement(Wire):
    kind: str
    name: str
    clause: str


class RequiredMaterials(Wire):
    """What a mine's reopening must carry (GET /reopenings/required-materials)."""

    mine_id: int
    method: str
    items: list[MaterialRequirement]


# ---- the case ----------------------------------------------------------------------------------------------


class ReopeningView(CaseViewBase):
    kind: Literal["reopening"] = "reopening"
    stage: Stage
    method: MineMethod
    reason: str
    materials: list[MaterialRef] = Field(default_factory=list)
    missing: list[MaterialKind] = Field(default_factory=list, description="一次性告知的需补正材料")
    correction_due_at: datetime | None = None
    experts: list[PartySpec] = Field(default_factory=list)
    parties: list[PartySpec] = Field(default_factory=list, description="联合验收会签方（含加签、减签后的当前名单）")
    rounds: list[Round] = Field(default_factory=list)
    committee_meetings: list[CommitteeMeeting] = Field(default_factory=list)
    approved_at: datetime | None = None
    resumed_on: date | None = None
    filing_reminders: int = 0
