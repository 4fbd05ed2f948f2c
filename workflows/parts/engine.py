"""The machinery every procedure shares: queued actions, alarms, the statutory clock, the timeline and the
projection — plus the moves any case takes whatever its procedure: 催办 (urge) and 抄送 (copy).

How a case runs: each action is declared once with `@action` (workflows/parts/actions.py); its update validator
refuses at once what the case cannot take now (wrong role, jurisdiction, stage, party, payload). Accepted actions
queue up; the procedure (a subclass's `run`) is their single consumer. While it waits for the action its stage
expects, `_wait` applies the side actions that may come at any time (sign-offs, withdrawals, urges…), fires due
alarms (reminders, escalations, time-outs) and writes the projection, then answers the callers whose actions it
carries. Every action is checked again when its turn comes, against the state every earlier action left, and a
wait ends as soon as its condition holds — so racing actions take effect in one serial order: of two that
conflict, exactly one wins and the other is refused whole, nothing half-applied.

A subclass provides `CLOCK_RUNS_IN`, `STAGE_NAMES`, `self._case` (a `CaseViewBase`), `_pending()` (who the case
waits on) and `_alarms()` (timed events).
"""

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.cases import Status
    from domain.divisions import covers
    from domain.errors import ErrorCode
    from domain.roles import ROLE_NAMES, Role
    from models.cases import (
        Actor,
        CalendarNotice,
        CaseViewBase,
        CopyInput,
        CopyRecord,
        CopyRequest,
        Pending,
        ProjectionRow,
        SyncCaseInput,
        TaskRow,
        TimelineEntry,
        Urge,
        UrgeInput,
        UrgeRequest,
    )

from workflows.parts import calls, clock
from workflows.parts.actions import Action, ActionHandler, Queued, Refusal, action, actions_of, post
from workflows.parts.documents import DocumentIssuing
from workflows.parts.refusal import refusal

SYSTEM = Actor(username="system", display_name="系统", role=Role.ADMIN)
# The query every case answers. Clients name it: a typed query reference would make the SDK decode the answer as
# the base view, whatever `result_type` they ask for (temporalio 1.x `WorkflowHandle.query`).
CASE_QUERY = "case"
OFFICIALS = frozenset({Role.COUNTY_NR, Role.COMMITTEE_SECRETARY, Role.CITY_NR, Role.SUPERVISOR})
CALENDAR_LOADED = "calendar_loaded"  # the signal the API/CLI sends open cases after loading a year's arrangement
CALENDAR_REPLAN_PATCH = "calendar-replan-18"  # re-planning deadlines on that signal (new commands)


class CaseEnded(Exception):
    """Unwinds the procedure when the case closes before its end (withdrawn, rejected, timed out)."""


class PhaseJump(Exception):
    """Unwinds the procedure to another phase (退回: a case sent back to an earlier stage)."""

    def __init__(self, phase: str) -> None:
        super().__init__(phase)
        self.phase = phase


@dataclass
class Ticket:
    kind: str  # the action's name
    payload: Any
    done: bool = False
    error: ApplicationError | None = None


Alarm = tuple[datetime, Callable[[], Awaitable[None]]]


def holds(actor: Actor, pending: Pending, case: CaseViewBase) -> bool:
    """Whether `pending` waits on `actor`: the same rule as the inbox query (api/routes/tasks.py)."""
    if actor.role is not pending.role:
        return False
    match actor.role:
        case Role.ENTERPRISE:
            return actor.enterprise_id == (pending.enterprise_id or case.enterprise_id)
        case Role.DEPARTMENT_OFFICER:
            return actor.department_id == pending.department_id and pending.assignee in (None, actor.username)
        case Role.EXPERT:
            return pending.assignee == actor.username
        case _:
            return bool(actor.division_code and covers(actor.division_code, case.division_code))


class CaseEngine(DocumentIssuing):
    CLOCK_RUNS_IN: ClassVar[frozenset[str]] = frozenset()
    STAGE_NAMES: ClassVar[Mapping[Any, str]] = {}

    _case: CaseViewBase

    def _init_engine(self) -> None:
        self._queue: list[Ticket] = []
        self._settling: list[Ticket] = []
        self._new_entries: list[TimelineEntry] = []
        self._dirty = True
        self._synced_version = 0
        self._mine_status: str | None = None
        self._calendar_notices: list[CalendarNotice] = []
        self._carried: tuple[str, list[Any]] | None = None  # files the action being applied carries (`_record`)
        self._init_documents()

    # ---- what subclasses provide --------------------------------------------------------------------------

    def _pending(self) -> list[Pending]:
        raise NotImplementedError

    def _alarms(self) -> list[Alarm]:
        return []

    def _round_no(self) -> int:
        return 0

    def _applicant_enterprises(self) -> set[int]:
        case = self._case
        return {e for e in (case.enterprise_id, case.counterparty_enterprise_id) if e is not None}

    # ---- the update and the query every procedure has ---------------------------------------------------------

    @workflow.update
    async def registered(self, actor: Actor | None = None) -> CaseViewBase:
        """Answers once the new case is in the projection (lists, inboxes): the API starts cases with this
        update, so what a user just submitted is already in every list when the submission returns. With the
        applicant as `actor`, the answer says what they may do next."""
        await workflow.wait_condition(lambda: self._synced_version >= 1)
        return self._view(timeline=False, actor=actor)

    @workflow.query(name=CASE_QUERY)
    def case(self, actor: Actor | None = None) -> CaseViewBase:
        """The case now; with `actor`, also what that person may do to it now (`available_actions`)."""
        return self._view(actor=actor)

    @workflow.signal(name=CALENDAR_LOADED)
    def calendar_loaded(self, notice: CalendarNotice) -> None:
        """A year's official arrangement was loaded: the procedure's loop re-plans the pending deadlines (`_wait`),
        so the re-plan's activities never interleave with a step in progress."""
        self._calendar_notices.append(notice)

    # ---- the moves any case takes ---------------------------------------------------------------------------

    def _something_pending(self, _actor: Actor) -> Refusal:
        return None if self._pending() else refusal(ErrorCode.PARTY_NOT_PENDING, "案件当前没有待办事项，无需催办")

    @action("催办", roles={Role.COUNTY_NR, Role.SUPERVISOR}, guard=_something_pending, request=UrgeRequest,
            route=post("/cases/{case_id}/reminders", "催办：提醒指定的待办方（记入时间线，显示在其待办中）"))
    def urge(self, inp: UrgeInput, _queued: Queued) -> Refusal:
        """Only who the case waits on now can be urged."""
        waiting = {p.party for p in self._pending()}
        if stray := [p for p in inp.parties if p not in waiting]:
            return refusal(ErrorCode.PARTY_NOT_PENDING, f"以下各方当前没有待办事项，无需催办：{'、'.join(stray)}",
                           parties=stray, pending=sorted(waiting))
        return None

    @urge.applies
    async def _urged(self, inp: UrgeInput) -> None:
        urge = Urge(at=self._now(), by=inp.actor.username, message=inp.message)
        names = []
        for pending in self._pending():
            if pending.party in inp.parties:
                self._urge(pending.party, urge)
                names.append(pending.name)
        self._record(inp.actor, "urged", f"催办{'、'.join(names)}：{inp.message}", parties=inp.parties,
                     message=inp.message)

    def _urge(self, party: str, urge: Urge) -> None:
        """Attach an urge to who is pending; countersign procedures keep it on the party's task instead."""
        self._case.urges[party] = urge

    @action("抄送", roles={Role.COUNTY_NR}, request=CopyRequest,
            route=post("/cases/{case_id}/copies", "抄送：指定官员可查阅本案（不能办理）"))
    def copy(self, inp: CopyInput, queued: Queued) -> Refusal:
        """A copy goes to an official (who may then read the case), once."""
        if inp.to.role in (Role.ENTERPRISE, Role.ADMIN):
            return refusal(ErrorCode.VALIDATION_FAILED, "只能抄送给机关工作人员", field="to")
        if any(c.username == inp.to.username for c in self._case.copies) or any(
                t.kind == "copy" and t.payload.to.username == inp.to.username for t in queued):
            return refusal(ErrorCode.ALREADY_EXISTS, f"已抄送给 {inp.to.display_name}", to=inp.to.username)
        return None

    @copy.applies
    async def _copied(self, inp: CopyInput) -> None:
        self._case.copies.append(CopyRecord(username=inp.to.username, display_name=inp.to.display_name,
                                            by=inp.actor.username, at=self._now(), note=inp.note))
        self._record(inp.actor, "copied", f"抄送{inp.to.display_name}。{inp.note}", to=inp.to.username)

    # ---- checks ---------------------------------------------------------------------------------------------

    @classmethod
    def actions(cls) -> Mapping[str, Action]:
        """The procedure's action table (workflows/parts/actions.py)."""
        return actions_of(cls)

    def _validate(self, kind: str, payload: Any) -> None:
        if (error := self._refusal(kind, payload, self._queue)) is not None:
            raise error

    def _refusal(self, kind: str, payload: Any, queued: Queued) -> Refusal:
        """Why `payload` cannot be taken now, or None. `queued`: accepted actions not yet applied."""
        spec = self.actions()[kind]
        return self._refuse_actor(spec, payload.actor, queued) or spec.check(self, payload, queued)

    def _refuse_actor(self, spec: Action, actor: Actor, queued: Queued) -> Refusal:
        """Why `actor` may not take `spec` now, whatever they send: case closed, role, applicant or jurisdiction,
        stage, a step already submitted, and the action's own guard."""
        case = self._case
        if case.status is not Status.ACTIVE:
            return refusal(ErrorCode.CASE_CLOSED)
        if actor.role not in spec.roles:
            allowed = "、".join(ROLE_NAMES[r] for r in sorted(spec.roles))
            return refusal(ErrorCode.FORBIDDEN_ROLE, f"只有{allowed}可以{spec.label}",
                           allowed=sorted(r.value for r in spec.roles))
        if actor.role is Role.ENTERPRISE and actor.enterprise_id not in self._applicant_enterprises():
            return refusal(ErrorCode.NOT_YOUR_CASE)
        if actor.role in OFFICIALS and not (actor.division_code and covers(actor.division_code, case.division_code)):
            return refusal(ErrorCode.OUT_OF_JURISDICTION)
        if spec.stages is not None and case.stage not in spec.stages:
            return refusal(ErrorCode.WRONG_STAGE,
                           f"案件当前处于“{self.STAGE_NAMES.get(case.stage, case.stage)}”阶段，不能{spec.label}",
                           stage=str(case.stage))
        if spec.single and any(t.kind == spec.name for t in queued):
            return refusal(ErrorCode.WRONG_STAGE, f"{spec.label}已提交，正在办理，请勿重复提交")
        return spec.guard(self, actor) if spec.guard is not None else None

    def offered_actions(self, actor: Actor) -> list[str]:
        """What `actor` may do to the case now: every action whose common checks and guard pass, and — for one
        that answers a task — only while that task waits on them. Those answering their tasks come first, the
        ones that undo or end something (退回, 减签, 撤回) last. A presentation aid (the console's forms, the API's
        `available_actions`); validators stay the authority."""
        if self._case.status is not Status.ACTIVE:
            return []
        mine = {p.task for p in self._pending_now() if holds(actor, p, self._case)}
        offered = [spec for spec in self.actions().values() if (not spec.answers or spec.answers & mine)
                   and self._refuse_actor(spec, actor, self._queue) is None]
        return [spec.name for spec in sorted(offered, key=lambda spec: (not spec.answers, spec.danger))]

    # ---- the queue ------------------------------------------------------------------------------------------

    async def _submit(self, kind: str, payload: Any) -> CaseViewBase:
        # Validators of updates in one activation all run before any handler, so check again here.
        self._validate(kind, payload)
        ticket = Ticket(kind, payload)
        self._queue.append(ticket)
        await workflow.wait_condition(lambda: ticket.done)
        if ticket.error is not None:
            raise ticket.error
        return self._view(timeline=False, actor=payload.actor)

    @staticmethod
    def _fail(ticket: Ticket, error: ApplicationError) -> None:
        ticket.error, ticket.done = error, True

    async def _next(self, step: ActionHandler) -> Any:
        """Wait for the next accepted `step` (e.g. `self.intake`); its caller is answered once its effects are
        written."""
        ticket = await self._wait(expect=step)
        assert ticket is not None
        self._settling.append(ticket)
        self._carry(ticket.payload)
        return ticket.payload

    def _carry(self, payload: Any, actor: Actor | None = None) -> None:
        """The files an action carries go into the first timeline entry its actor makes (the act's own); for an
        application's start input, `actor` is the applicant and the entry its `submitted`."""
        files = list(getattr(payload, "files", None) or [])
        self._carried = ((actor or payload.actor).username, files) if files else None

    async def _wait(self, *, expect: ActionHandler | None = None,
                    until: Callable[[], bool] | None = None) -> Ticket | None:
        """Apply side actions and fire alarms until an `expect` action arrives or `until()` holds.

        Linearizable: each queued action is checked against the state the actions before it left, and the wait
        ends the moment `until()` holds — what is still queued then is checked in the next phase, where a move
        that no longer fits (a return after the round's last sign-off) is refused."""
        expected = expect.action.name if expect is not None else None
        table = self.actions()
        while True:
            while self._queue:
                if until is not None and until():
                    return None
                ticket = self._queue.pop(0)
                spec = table[ticket.kind]
                if (error := self._refusal(ticket.kind, ticket.payload, self._queue)) is not None:
                    self._fail(ticket, error)
                elif ticket.kind == expected:
                    return ticket
                elif spec.apply is not None:
                    self._settling.append(ticket)
                    self._carry(ticket.payload)
                    await spec.apply(self, ticket.payload)
                    self._carried = None
                else:
                    self._fail(ticket, refusal(ErrorCode.WRONG_STAGE))
            await self._apply_calendar_notices()
            await self._fire_alarms()
            if until is not None and until():
                return None
            await self._sync()
            next_alarm = min((at for at, _ in self._alarms()), default=None)
            timeout = None if next_alarm is None else (next_alarm - self._now()).total_seconds()
            if timeout is not None and timeout <= 0:
                continue
            with contextlib.suppress(TimeoutError):  # an alarm is due: the loop fires it
                # (new entries: a document issued in the background, to be written)
                await workflow.wait_condition(lambda: bool(self._queue or self._calendar_notices or self._new_entries)
                                              or (until is not None and until()), timeout=timeout)

    async def _apply_calendar_notices(self) -> None:
        """Re-plan the statutory clock (and a procedure's own deadlines, `_replan_deadlines`) after a year's
        official arrangement was loaded, and say so on the timeline when a date moved. Histories recorded before
        this existed never carry the signal; the patch marks the new commands all the same."""
        if not self._calendar_notices:
            return
        notices, self._calendar_notices = self._calendar_notices, []
        if self._case.status is not Status.ACTIVE or not workflow.patched(CALENDAR_REPLAN_PATCH):
            return
        c = self._case.clock
        if c.running_since is None or c.exceeded:  # a stopped clock is planned when it restarts; a lapsed one stays
            before, provisional = None, False
        else:
            before, provisional = c.deadline, c.provisional
            await clock.replan(c, self._now(), self._clock_warning_days())
            self._case.deadline = c.deadline
        await self._replan_deadlines()
        years = "、".join(str(n.year) for n in notices)
        if before is not None and (before != c.deadline or provisional != c.provisional):
            self._record(SYSTEM, "deadline_replanned",
                         f"已按国务院办公厅公布的{years}年节假日安排重新推算法定办理期限：{before} → {c.deadline}",
                         years=[n.year for n in notices], source=notices[-1].source, before=str(before),
                         deadline=str(c.deadline), provisional=c.provisional)
        self._dirty = True

    async def _replan_deadlines(self) -> None:
        """A procedure's own deadlines to plan again after a calendar change (besides the statutory clock)."""

    async def _fire_alarms(self) -> None:
        if self._case.status is not Status.ACTIVE:
            return
        now = self._now()
        for at, fire in sorted(self._alarms(), key=lambda alarm: alarm[0]):
            if at <= now:
                await fire()

    async def _finish(self) -> None:
        """After the procedure: refuse what still waits, write the final state, let every handler answer."""
        for ticket in self._queue:
            self._fail(ticket, refusal(ErrorCode.CASE_CLOSED))
        self._queue.clear()
        await self._sync()
        await self._documents_settled()
        await self._sync()  # what the documents recorded meanwhile (a no-op when nothing is new)
        await workflow.wait_condition(workflow.all_handlers_finished)

    # ---- state --------------------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return workflow.now()

    async def _enter(self, stage: Any) -> None:
        """Move to `stage`: run or stop the statutory clock; urges addressed to the previous holder lapse."""
        now = self._now()
        if stage != self._case.stage:
            self._case.urges = {}
        self._case.stage = stage
        if stage in self.CLOCK_RUNS_IN:
            await clock.start(self._case.clock, now, self._clock_warning_days())
        else:
            await clock.stop(self._case.clock, now)
        self._case.deadline = self._case.clock.deadline
        self._dirty = True

    def _clock_warning_days(self) -> int:
        return 3

    async def _close(self, status: Status, reason: str, *, end: bool = True) -> None:
        """Close the case; `end` unwinds the procedure (every closing but the normal completion)."""
        await clock.stop(self._case.clock, self._now())
        self._case.deadline = None
        self._case.status, self._case.outcome_reason, self._case.closed_at = status, reason, self._now()
        if status is not Status.COMPLETED:
            self._record(SYSTEM, status.value, reason)
        self._dirty = True
        if end:
            raise CaseEnded

    def _record(self, actor: Actor, action_: str, detail: str, **data: Any) -> None:
        if self._carried is not None and self._carried[0] == actor.username and actor is not SYSTEM:
            files, self._carried = self._carried[1], None
            detail = f"{detail.strip('。 ')}。附件：{'、'.join(f'《{f.name}》' for f in files)}"
            data["files"] = [{"id": f.id, "name": f.name, "sha256": f.sha256, "size": f.size} for f in files]
        entry = TimelineEntry(seq=len(self._case.timeline) + 1, at=self._now(), actor=actor.username,
                              actor_name=actor.display_name,
                              role="system" if actor is SYSTEM else actor.role.value,
                              action=action_, detail=detail.strip("。 ") + "。" if detail else "", data=data)
        self._case.timeline.append(entry)
        self._new_entries.append(entry)
        self._dirty = True

    def _record_issued_document(self, ref: Any) -> None:
        self._record(SYSTEM, "document_issued", f"出具{ref.kind_name}《{ref.title}》（{ref.doc_no}）",
                     kind=ref.kind.value, occurrence=ref.occurrence, doc_no=ref.doc_no, file_id=ref.file.id,
                     sha256=ref.file.sha256, verification_code=ref.verification_code)

    def _record_refused_document(self, request: Any, detail: str, code: str | None) -> None:
        self._record(SYSTEM, "document_failed", detail, kind=request.kind.value, occurrence=request.occurrence,
                     code=code)

    def _pending_now(self) -> list[Pending]:
        pending = self._pending() if self._case.status is Status.ACTIVE else []
        for item in pending:
            if item.urged_at is None and (urge := self._case.urges.get(item.party)) is not None:
                item.urged_at, item.urge_message = urge.at, urge.message
        return pending

    def _view(self, *, timeline: bool = True, actor: Actor | None = None) -> Any:
        """The case as callers see it (with what `actor` may do now). Update results leave the timeline out:
        Temporal keeps every update's result in the history, and a full timeline in each would grow it with the
        square of the case's length. The API reads the timeline from the audit chain, which `_sync` has written
        before any update answers."""
        update: dict[str, Any] = {"pending": self._pending_now(),
                                  "available_actions": self.offered_actions(actor) if actor is not None else []}
        if not timeline:
            update["timeline"] = []
        return self._case.model_copy(update=update)

    async def _clock_warning(self) -> None:
        self._case.clock.warned = True
        self._record(SYSTEM, "deadline_warning", f"法定办理期限将于 {self._case.clock.deadline} 届满",
                     deadline=str(self._case.clock.deadline))

    async def _clock_exceeded(self) -> None:
        self._case.clock.exceeded = True
        self._record(SYSTEM, "escalated", f"法定办理期限（{self._case.clock.limit_days}个工作日）已届满，已报督查组",
                     deadline=str(self._case.clock.deadline), to=["supervisor"])

    def _clock_alarms(self) -> list[Alarm]:
        c, alarms = self._case.clock, []
        if c.running_since is not None:
            if c.warn_at and not c.warned:
                alarms.append((c.warn_at, self._clock_warning))
            if c.deadline_at and not c.exceeded:
                alarms.append((c.deadline_at, self._clock_exceeded))
        return alarms

    async def _sync(self) -> None:
        """Write the projection and the new timeline entries, then answer the callers whose actions they carry."""
        if self._dirty or self._new_entries:
            case = self._case
            case.version += 1
            case.updated_at = self._now()
            pending = self._pending_now()
            tasks = [TaskRow(task=p.task, party=p.party, name=p.name, role=p.role, division_code=case.division_code,
                             department_id=p.department_id,
                             enterprise_id=(p.enterprise_id or case.enterprise_id)
                             if p.role is Role.ENTERPRISE else None,
                             assignee=p.assignee, due_at=p.due_at, overdue=p.overdue, urged_at=p.urged_at,
                             urge_message=p.urge_message)
                     for p in pending]
            due = [p.due_at for p in pending if p.due_at is not None]
            record = ProjectionRow(
                case_id=case.case_id, kind=case.kind, title=case.title, mine_id=case.mine_id,
                mine_name=case.mine_name, licence_no=case.licence_no, enterprise_id=case.enterprise_id,
                enterprise_name=case.enterprise_name, division_code=case.division_code, city_code=case.city_code,
                counterparty_enterprise_id=case.counterparty_enterprise_id,
                stage=str(case.stage), status=case.status,
                overdue=any(p.overdue for p in pending) or case.clock.exceeded, deadline=case.deadline,
                next_due_at=min(due, default=None), round_no=self._round_no(), document_no=case.document_no,
                summary=(case.timeline[-1].detail if case.timeline else "")[:200], version=case.version,
                submitted_at=case.submitted_at, updated_at=case.updated_at, closed_at=case.closed_at,
            )
            # Taken before the write: a document issued in the background may record its entry while it runs, and
            # that entry (and the change) is the next write's.
            entries, self._new_entries, self._dirty = self._new_entries, [], False
            version = case.version
            await calls.sync_case(SyncCaseInput(record=record, tasks=tasks, copies=[c.username for c in case.copies],
                                                new_entries=entries, mine_status=self._mine_status))
            self._synced_version = version
        self._start_documents()  # what the acts just written issue
        for ticket in self._settling:
            ticket.done = True
        self._settling.clear()
