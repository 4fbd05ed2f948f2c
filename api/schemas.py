"""Response bodies of the HTTP API (request bodies live in `models.cases` beside the workflow inputs)."""

import functools
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field, create_model

from api.kinds import KINDS, Kind, action_of, stage_name, status_name, task_name
from domain.calendar import WorkCalendar, local_date
from models.cases import CaseViewBase, Pending
from models.projection import CaseRecord, CaseTask


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="有效期（秒）")


class PendingOut(Pending):
    task_name: str
    action: str | None = Field(default=None, description="办理此待办的操作（见 available_actions）")
    days_overdue: int = 0
    working_days_left: int | None = Field(
        default=None, description="剩余天数（案件按自然日计时为自然日，否则为工作日）")
    provisional: bool = Field(
        default=False, description="期限跨越尚未公布放假安排的年度，暂按法定假日推算，公布后可能变动")


class CaseOutFields(BaseModel):
    """What a reader needs computed for today, on top of the case as its workflow holds it."""

    stage_name: str
    status_name: str
    pending: list[PendingOut] = Field(default_factory=list)
    working_days_left: int | None = Field(default=None, description="法定期限剩余工作日（期限停止计算时为空）")


@functools.cache
def out_model(kind: Kind) -> type[CaseOutFields]:
    """A kind's case as `GET /cases/{id}` and every action return it (e.g. `TransferOut`)."""
    name = kind.view.__name__.removesuffix("View") + "Out"
    out: type[CaseOutFields] = create_model(  # type: ignore[call-overload]
        name, __base__=(CaseOutFields, kind.view), __doc__=f"{kind.name}案件（详情，及每项操作办理后的案件）")
    return out


def out_union(kinds: Iterable[Kind]) -> Any:
    """The response model of a route answering cases of several kinds: one of their outputs, by `kind`."""
    outs = tuple(out_model(k) for k in kinds)
    if len(outs) == 1:
        return outs[0]
    return Annotated[Union[outs], Field(discriminator="kind")]  # noqa: UP007  (a union built at run time)


def case_out(view: CaseViewBase, calendar: WorkCalendar, now: datetime) -> Any:
    kind = KINDS[view.kind]
    today = local_date(now)

    def left_until(due: date | None) -> int | None:
        if due is None:
            return None
        if view.clock.calendar_days:  # a natural-day limit (e.g. 国务院令第242号 第十条): days are counted as such
            return max((due - today).days, 0)
        return calendar.working_days_between(today, due)

    def provisional(due: date | None) -> bool:
        """A due date counted across a year whose holiday arrangement is not yet published (官方安排未公布)."""
        return due is not None and any(calendar.is_provisional(date(year, 1, 1))
                                       for year in range(min(today.year, due.year), max(today.year, due.year) + 1))

    pending = [
        PendingOut(**p.model_dump(), task_name=task_name(view.kind, p.task), action=action_of(kind, p.task),
                   days_overdue=max((today - p.due).days, 0) if p.due else 0, working_days_left=left_until(p.due),
                   provisional=provisional(p.due))
        for p in view.pending
    ]
    data = view.model_dump()
    data["pending"] = pending
    left = left_until(view.deadline)
    return out_model(kind)(**data, stage_name=stage_name(view.kind, str(view.stage)),
                           status_name=status_name(view.kind, view.status.value), working_days_left=left)


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
    kind: str
    task: str
    task_name: str
    action: str | None = Field(default=None, description="办理此待办的操作")
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
        kind = KINDS.get(record.kind)
        return cls(case_id=task.case_id, kind=record.kind, task=task.task, task_name=task_name(record.kind, task.task),
                   action=action_of(kind, task.task) if kind else None,
                   party=task.party, name=task.name, role=task.role, due_at=task.due_at,
                   overdue=task.overdue or days_overdue > 0, days_overdue=days_overdue, urged_at=task.urged_at,
                   urge_message=task.urge_message, title=record.title, mine_name=record.mine_name,
                   enterprise_name=record.enterprise_name, division_code=record.division_code, stage=record.stage,
                   stage_name=stage_name(record.kind, record.stage))


class TaskList(BaseModel):
    items: list[TaskOut]
    total: int
