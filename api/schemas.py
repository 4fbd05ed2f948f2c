"""Response bodies of the HTTP API (request bodies live in `models.cases` beside the workflow inputs)."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from api.kinds import stage_name, status_name, task_name
from domain.calendar import WorkCalendar, local_date
from models.campaign import CampaignView, ClosureView, RectificationView
from models.cases import CaseViewBase, Pending
from models.projection import CaseRecord, CaseTask
from models.reopening import ReopeningView
from models.rights_cases import GrantView, TransferView


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="有效期（秒）")


class PendingOut(Pending):
    task_name: str
    days_overdue: int = 0
    working_days_left: int | None = None


class CaseOutFields(BaseModel):
    """What a reader needs computed for today, on top of the case as its workflow holds it."""

    stage_name: str
    status_name: str
    pending: list[PendingOut] = Field(default_factory=list)
    working_days_left: int | None = Field(default=None, description="法定期限剩余工作日（期限停止计算时为空）")
    available_actions: list[str] = Field(default_factory=list,
                                         description="当前登录用户此刻可办理的操作（如 sign_off、approval、withdraw）")


class ReopeningOut(CaseOutFields, ReopeningView):
    """A 开复工 case as `GET /cases/{id}` and every action return it."""


class TransferOut(CaseOutFields, TransferView):
    """A 采矿权转让 case as `GET /cases/{id}` and its actions return it."""


class GrantOut(CaseOutFields, GrantView):
    """A 采矿权出让 case as `GET /cases/{id}` and its actions return it."""


class CampaignOut(CaseOutFields, CampaignView):
    """A 治理整顿 campaign as `GET /cases/{id}` and its actions return it."""


class RectificationOut(CaseOutFields, RectificationView):
    """A mine's 整治 case (一矿一策) as `GET /cases/{id}` and its actions return it."""


class ClosureOut(CaseOutFields, ClosureView):
    """A 关闭取缔 case as `GET /cases/{id}` and its actions return it."""


# kind -> its output model; `CaseOut` is what case routes declare (a union once there are several kinds).
OUTS: dict[str, type[CaseOutFields]] = {"reopening": ReopeningOut, "transfer": TransferOut, "grant": GrantOut,
                                        "campaign": CampaignOut, "rectification": RectificationOut,
                                        "closure": ClosureOut}
CaseOut = Annotated[ReopeningOut | TransferOut | GrantOut | CampaignOut | RectificationOut | ClosureOut,
                    Field(discriminator="kind")]


def case_out(view: CaseViewBase, calendar: WorkCalendar, now: datetime, actions: list[str] | None = None) -> Any:
    today = local_date(now)
    pending = [
        PendingOut(**p.model_dump(), task_name=task_name(view.kind, p.task),
                   days_overdue=max((today - p.due).days, 0) if p.due else 0,
                   working_days_left=calendar.working_days_between(today, p.due) if p.due else None)
        for p in view.pending
    ]
    data = view.model_dump()
    data["pending"] = pending
    left = calendar.working_days_between(today, view.deadline) if view.deadline else None
    if view.deadline and view.clock.calendar_days:  # a natural-day limit (e.g. 国务院令第242号 第十条)
        left = max((view.deadline - today).days, 0)
    return OUTS[view.kind](**data, stage_name=stage_name(view.kind, str(view.stage)),
                           status_name=status_name(view.kind, view.status.value), working_days_left=left,
                           available_actions=actions or [])


class CaseSummary(BaseModel):
    case_id: str
    kind: str
    title: str
    mine_id: int | None
    mine_name: str | None
    licence_no: str | None
    enterprise_id: int | None
    enterprise_name: str | None
    division_code: str
    stage: str
    stage_name: str
    status: str
    status_name: str
    overdue: bool
    deadline: date | None
    next_due_at: datetime | None
    round_no: int
    document_no: str | None
    summary: str
    submitted_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, record: CaseRecord) -> "CaseSummary":
        return cls(**record.model_dump(exclude={"version", "city_code"}),
                   stage_name=stage_name(record.kind, record.stage),
                   status_name=status_name(record.kind, record.status))


class CaseList(BaseModel):
    items: list[CaseSummary]
    total: int
    page: int
    page_size: int
    next_cursor: str | None = Field(default=None, description="下一页游标（按提交时间倒序的键集分页）")


class TaskOut(BaseModel):
    case_id: str
    task: str
    task_name: str
    party: str | None
    name: str
    role: str
    due_at: datetime | None
    overdue: bool
    days_overdue: int
    urged_at: datetime | None
    urge_message: str | None
    title: str
    mine_name: str | None
    enterprise_name: str | None
    division_code: str
    stage: str
    stage_name: str

    @classmethod
    def of(cls, task: CaseTask, record: CaseRecord, now: datetime) -> "TaskOut":
        days_overdue = 0
        if task.due_at is not None and task.due_at <= now:
            days_overdue = (local_date(now) - local_date(task.due_at)).days + 1
        return cls(case_id=task.case_id, task=task.task, task_name=task_name(record.kind, task.task),
                   party=task.party, name=task.name, role=task.role, due_at=task.due_at,
                   overdue=task.overdue or days_overdue > 0, days_overdue=days_overdue, urged_at=task.urged_at,
                   urge_message=task.urge_message, title=record.title, mine_name=record.mine_name,
                   enterprise_name=record.enterprise_name, division_code=record.division_code, stage=record.stage,
                   stage_name=stage_name(record.kind, record.stage))


class TaskList(BaseModel):
    items: list[TaskOut]
    total: int


class MaterialRequirement(BaseModel):
    kind: str
    name: str
    clause: str


class RequiredMaterials(BaseModel):
    mine_id: int
    method: str
    items: list[MaterialRequirement]
