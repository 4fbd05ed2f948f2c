"""ReopeningWorkflow — 开复工, seed 000 §二(三).

申请 → 受理/补正 → 联合验收 (整改 → 复验) → 三重一大 → 批复 → 复工 → 市局备案.

How it runs: update validators refuse at once what the case cannot take now (wrong role, stage, party,
payload). Accepted actions queue up; the procedure below is their single consumer, applying them in arrival
order, firing due alarms (reminders, escalations, time-outs) and writing the projection before it answers the
waiting caller. Every action is checked again when applied, so of two racing actions exactly one wins and the
other is refused whole.
"""

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.calendar import local_date
    from domain.divisions import covers
    from domain.errors import ErrorCode
    from domain.reopening import (
        CLOCK_RUNS_IN,
        JOINT_ACCEPTANCE_CLAUSE,
        MATERIAL_NAMES,
        STAGE_NAMES,
        WITHDRAWABLE,
        Stage,
        Status,
        missing_materials,
    )
    from domain.roles import ROLE_NAMES, Role
    from models.cases import (
        Actor,
        ApprovalInput,
        CaseView,
        CityFilingInput,
        Clock,
        CommitteeDecisionInput,
        CommitteeMaterialInput,
        CommitteeMeeting,
        CorrectionInput,
        DeadlinePlan,
        DocumentNumberRequest,
        IntakeInput,
        MaterialRef,
        PartyTask,
        Pending,
        RectificationDoneInput,
        ReopeningStart,
        ResumptionInput,
        Round,
        SignOffInput,
        SyncCaseInput,
        TaskRow,
        TimelineEntry,
        WithdrawInput,
    )

from workflows.parts import calls, clock, countersign
from workflows.parts.committee import meeting_refusal
from workflows.parts.refusal import refusal

SYSTEM = Actor(username="system", display_name="系统", role=Role.ADMIN)


class _CaseEnded(Exception):
    """Unwinds the procedure when the case closes before the end (withdrawn, rejected, timed out)."""


@dataclass
class _Ticket:
    kind: str
    payload: Any
    done: bool = False
    error: ApplicationError | None = None


@dataclass(frozen=True)
class _Action:
    label: str
    roles: frozenset[Role]
    stages: frozenset[Stage]


def _action(label: str, roles: set[Role], stages: set[Stage]) -> _Action:
    return _Action(label, frozenset(roles), frozenset(stages))


ACTIONS: dict[str, _Action] = {
    "intake": _action("受理或要求补正", {Role.COUNTY_NR}, {Stage.INTAKE}),
    "correction": _action("提交补正材料", {Role.ENTERPRISE}, {Stage.CORRECTION}),
    "sign_off": _action("签署联合验收意见", {Role.DEPARTMENT_OFFICER, Role.EXPERT}, {Stage.JOINT_ACCEPTANCE}),
    "rectification_done": _action("报告整改完成", {Role.ENTERPRISE}, {Stage.RECTIFICATION}),
    "committee_decision": _action("录入三重一大会议决定", {Role.COMMITTEE_SECRETARY}, {Stage.COMMITTEE_REVIEW}),
    "committee_material": _action("补充上会材料", {Role.COUNTY_NR}, {Stage.COMMITTEE_REVIEW}),
    "approval": _action("下发开复工批复", {Role.COUNTY_NR}, {Stage.APPROVAL}),
    "resumption": _action("报告复工", {Role.ENTERPRISE}, {Stage.RESUMPTION}),
    "city_filing": _action("确认备案", {Role.CITY_NR}, {Stage.CITY_FILING}),
    "withdraw": _action("撤回申请", {Role.ENTERPRISE}, set(WITHDRAWABLE)),
}


@workflow.defn
class ReopeningWorkflow:
    @workflow.init
    def __init__(self, start: ReopeningStart) -> None:
        now = workflow.now()
        mine, policy = start.mine, start.policy
        self._start = start
        self._policy = policy
        self._queue: list[_Ticket] = []
        self._settling: list[_Ticket] = []
        self._new_entries: list[TimelineEntry] = []
        self._dirty = True
        self._synced_version = 0
        self._intake_due: DeadlinePlan | None = None
        self._intake_escalated = False
        self._correction_due: DeadlinePlan | None = None
        self._committee_since: date | None = None
        self._awaiting_committee_material = False
        self._filing_next: datetime | None = None
        self._filing_escalated = False
        self._mine_status: str | None = None
        self._case = CaseView(
            case_id=start.case_id, mine_id=mine.mine_id, mine_name=mine.mine_name,
            enterprise_id=mine.enterprise_id, enterprise_name=mine.enterprise_name,
            division_code=mine.division_code, division_name=mine.division_name, city_code=mine.city_code,
            licence_no=mine.licence_no, method=mine.method, reason=start.reason,
            stage=Stage.INTAKE, status=Status.ACTIVE, submitted_at=now, updated_at=now,
            clock=Clock(limit_days=policy.decision_limit_working_days), materials=list(start.materials),
        )

    # ---- the procedure ---------------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: ReopeningStart) -> CaseView:
        lacking = missing_materials(start.mine.method, {m.kind for m in start.materials})
        self._record(start.applicant, "submitted", f"提交开复工申请：{start.reason}",
                     materials=[m.kind.value for m in start.materials], lacking=[k.value for k in lacking])
        try:
            await self._intake()
            await self._joint_acceptance()
            await self._committee_review()
            await self._approval()
            await self._resumption()
            await self._city_filing()
        except _CaseEnded:
            pass
        for ticket in self._queue:
            self._fail(ticket, refusal(ErrorCode.CASE_CLOSED))
        self._queue.clear()
        await self._sync()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    async def _intake(self) -> None:
        """受理/补正: accept, or list everything missing at once (行政许可法 第三十二条, 一次性告知)."""
        while True:
            await self._enter(Stage.INTAKE)
            self._intake_due = await calls.plan_deadline(self._now(), self._policy.intake_limit_working_days)
            self._intake_escalated = False
            decision: IntakeInput = await self._next("intake")
            if decision.decision == "accept":
                self._case.experts = decision.experts
                self._record(decision.actor, "intake_accepted",
                             f"受理申请。专家组：{'、'.join(e.name for e in decision.experts)}。{decision.note}",
                             experts=[e.assignee for e in decision.experts])
                return
            self._case.missing = list(dict.fromkeys(decision.missing))
            names = "、".join(MATERIAL_NAMES[k] for k in self._case.missing)
            self._record(decision.actor, "correction_requested", f"一次性告知需补正材料：{names}。{decision.note}",
                         missing=[k.value for k in self._case.missing])
            await self._enter(Stage.CORRECTION)
            self._correction_due = await calls.plan_deadline(self._now(),
                                                             self._policy.correction_limit_working_days)
            self._case.correction_due_at = self._correction_due.due_at
            correction: CorrectionInput = await self._next("correction")
            self._merge_materials(correction.materials)
            self._record(correction.actor, "corrected",
                         f"提交补正材料：{'、'.join(MATERIAL_NAMES[m.kind] for m in correction.materials)}。"
                         f"{correction.note}", materials=[m.kind.value for m in correction.materials])
            self._case.missing, self._case.correction_due_at = [], None

    async def _joint_acceptance(self) -> None:
        """联合验收 led by county NR (seed 000 §二(三)); all parties must pass. A failed round waits for every
        party's answer first, so the enterprise gets all findings at once for its 整改."""
        while True:
            await self._enter(Stage.JOINT_ACCEPTANCE)
            round_ = await self._open_round()
            await self._wait(until=lambda r=round_: countersign.all_answered(r))
            result = countersign.outcome(round_)
            countersign.close(round_, result, self._now())
            failed = [p for p in round_.parties if p.verdict == "fail"]
            if result == "pass":
                self._record(SYSTEM, "acceptance_passed", f"第{round_.no}轮联合验收通过，提请县党委政府集体研究",
                             round=round_.no)
                return
            summary = "；".join(f"{p.name}：{p.opinion or '、'.join(p.findings)}" for p in failed)
            if round_.no >= self._policy.max_acceptance_rounds:
                self._record(SYSTEM, "acceptance_failed", f"第{round_.no}轮联合验收不合格：{summary}",
                             round=round_.no, parties=[p.party for p in failed])
                await self._close(Status.REJECTED, f"联合验收不合格，不予开复工（{JOINT_ACCEPTANCE_CLAUSE}）")
            self._record(SYSTEM, "acceptance_failed", f"第{round_.no}轮联合验收未通过，责令整改后复验：{summary}",
                         round=round_.no, parties=[p.party for p in failed])
            await self._enter(Stage.RECTIFICATION)
            done: RectificationDoneInput = await self._next("rectification_done")
            self._merge_materials(done.materials)
            self._record(done.actor, "rectification_done", f"报告整改完成，申请复验。{done.note}")

    async def _committee_review(self) -> None:
        """三重一大: the county 党委、政府 decide collectively (seed 000 §二(三)); `defer` sends the case back to
        county NR for more material and then back to the meeting."""
        await self._enter(Stage.COMMITTEE_REVIEW)
        self._committee_since = local_date(self._now())
        while True:
            meeting: CommitteeDecisionInput = await self._next("committee_decision")
            self._case.committee_meetings.append(CommitteeMeeting(
                meeting_no=meeting.meeting_no, meeting_date=meeting.meeting_date, attendees=meeting.attendees,
                members_total=meeting.members_total, recused=meeting.recused, decision=meeting.decision,
                minutes_ref=meeting.minutes_ref, recorded_by=meeting.actor.username, recorded_at=self._now(),
            ))
            verdict = {"approve": "研究同意", "reject": "研究不同意", "defer": "暂缓研究，需补充材料"}[meeting.decision]
            self._record(meeting.actor, "committee_decided",
                         f"{meeting.meeting_no}（{meeting.meeting_date}）{verdict}。出席 {len(meeting.attendees)}/"
                         f"{meeting.members_total} 人。{meeting.note}",
                         meeting_no=meeting.meeting_no, decision=meeting.decision, minutes_ref=meeting.minutes_ref)
            if meeting.decision == "approve":
                return
            if meeting.decision == "reject":
                await self._close(Status.REJECTED, f"县党委政府集体研究不同意开复工（{meeting.meeting_no}）")
            self._awaiting_committee_material = True
            material: CommitteeMaterialInput = await self._next("committee_material")
            self._awaiting_committee_material = False
            self._merge_materials(material.materials)
            self._record(material.actor, "committee_material_added", f"补充材料后重新提请集体研究。{material.note}")

    async def _approval(self) -> None:
        """批复 by county NR with a server-issued document number; 同时报市自然资源局备案 (seed 000 §二(三))."""
        await self._enter(Stage.APPROVAL)
        approval: ApprovalInput = await self._next("approval")
        now = self._now()
        mine = self._start.mine
        issued = await calls.issue_document_number(DocumentNumberRequest(
            case_id=self._case.case_id, purpose="reopening_approval", division_code=mine.division_code,
            county_short_name=mine.county_short_name, doc_type=self._policy.approval_doc_type,
            year=local_date(now).year,
        ))
        self._case.document_no, self._case.approved_at = issued.doc_no, now
        self._record(approval.actor, "approved", f"下发开复工批复 {issued.doc_no}。{approval.note}",
                     document_no=issued.doc_no)
        self._record(approval.actor, "filing_sent", "批复同时报市自然资源局备案")

    async def _resumption(self) -> None:
        await self._enter(Stage.RESUMPTION)
        report: ResumptionInput = await self._next("resumption")
        self._case.resumed_on = report.resumed_on
        self._mine_status = "producing"
        self._record(report.actor, "resumed", f"企业报告已于 {report.resumed_on} 复工",
                     resumed_on=str(report.resumed_on))

    async def _city_filing(self) -> None:
        """备案: the city's acknowledgement completes the case; it is reminded while it stays unacknowledged."""
        await self._enter(Stage.CITY_FILING)
        await self._plan_filing_reminder()
        ack: CityFilingInput = await self._next("city_filing")
        self._filing_next = None
        self._record(ack.actor, "filing_acknowledged", f"市自然资源局确认备案。{ack.note}")
        self._case.stage = Stage.COMPLETED
        await self._close(Status.COMPLETED, "开复工办结", end=False)

    # ---- updates: refuse at once what cannot be taken, queue the rest ------------------------------------------

    @workflow.update
    async def intake(self, inp: IntakeInput) -> CaseView:
        return await self._submit("intake", inp)

    @intake.validator
    def _validate_intake(self, inp: IntakeInput) -> None:
        self._validate("intake", inp)

    @workflow.update
    async def correction(self, inp: CorrectionInput) -> CaseView:
        return await self._submit("correction", inp)

    @correction.validator
    def _validate_correction(self, inp: CorrectionInput) -> None:
        self._validate("correction", inp)

    @workflow.update
    async def sign_off(self, inp: SignOffInput) -> CaseView:
        return await self._submit("sign_off", inp)

    @sign_off.validator
    def _validate_sign_off(self, inp: SignOffInput) -> None:
        self._validate("sign_off", inp)

    @workflow.update
    async def rectification_done(self, inp: RectificationDoneInput) -> CaseView:
        return await self._submit("rectification_done", inp)

    @rectification_done.validator
    def _validate_rectification_done(self, inp: RectificationDoneInput) -> None:
        self._validate("rectification_done", inp)

    @workflow.update
    async def committee_decision(self, inp: CommitteeDecisionInput) -> CaseView:
        return await self._submit("committee_decision", inp)

    @committee_decision.validator
    def _validate_committee_decision(self, inp: CommitteeDecisionInput) -> None:
        self._validate("committee_decision", inp)

    @workflow.update
    async def committee_material(self, inp: CommitteeMaterialInput) -> CaseView:
        return await self._submit("committee_material", inp)

    @committee_material.validator
    def _validate_committee_material(self, inp: CommitteeMaterialInput) -> None:
        self._validate("committee_material", inp)

    @workflow.update
    async def approval(self, inp: ApprovalInput) -> CaseView:
        return await self._submit("approval", inp)

    @approval.validator
    def _validate_approval(self, inp: ApprovalInput) -> None:
        self._validate("approval", inp)

    @workflow.update
    async def resumption(self, inp: ResumptionInput) -> CaseView:
        return await self._submit("resumption", inp)

    @resumption.validator
    def _validate_resumption(self, inp: ResumptionInput) -> None:
        self._validate("resumption", inp)

    @workflow.update
    async def city_filing(self, inp: CityFilingInput) -> CaseView:
        return await self._submit("city_filing", inp)

    @city_filing.validator
    def _validate_city_filing(self, inp: CityFilingInput) -> None:
        self._validate("city_filing", inp)

    @workflow.update
    async def withdraw(self, inp: WithdrawInput) -> CaseView:
        return await self._submit("withdraw", inp)

    @withdraw.validator
    def _validate_withdraw(self, inp: WithdrawInput) -> None:
        self._validate("withdraw", inp)

    @workflow.update
    async def registered(self) -> CaseView:
        """Answers once the new case is in the projection (lists, inboxes): the API starts cases with this
        update, so what a user just submitted is already in every list when the submission returns."""
        await workflow.wait_condition(lambda: self._synced_version >= 1)
        return self._view()

    @workflow.query
    def case(self) -> CaseView:
        return self._view()

    # ---- checks --------------------------------------------------------------------------------------------

    def _validate(self, kind: str, payload: Any) -> None:
        if (error := self._refusal(kind, payload, queued=self._queue)) is not None:
            raise error

    def _refusal(self, kind: str, payload: Any, queued: list[_Ticket]) -> ApplicationError | None:
        """Why `payload` cannot be taken now, or None. `queued`: accepted actions not yet applied."""
        action, actor, case = ACTIONS[kind], payload.actor, self._case
        if case.status is not Status.ACTIVE:
            return refusal(ErrorCode.CASE_CLOSED)
        if actor.role not in action.roles:
            allowed = "、".join(ROLE_NAMES[r] for r in sorted(action.roles))
            return refusal(ErrorCode.FORBIDDEN_ROLE, f"只有{allowed}可以{action.label}", allowed=sorted(action.roles))
        if actor.role is Role.ENTERPRISE and actor.enterprise_id != case.enterprise_id:
            return refusal(ErrorCode.NOT_YOUR_CASE)
        if actor.role in (Role.COUNTY_NR, Role.COMMITTEE_SECRETARY, Role.CITY_NR) and not (
            actor.division_code and covers(actor.division_code, case.division_code)
        ):
            return refusal(ErrorCode.OUT_OF_JURISDICTION)
        if case.stage not in action.stages:
            return refusal(ErrorCode.WRONG_STAGE, f"案件当前处于“{STAGE_NAMES[case.stage]}”阶段，不能{action.label}",
                           stage=case.stage.value)
        if kind != "sign_off" and any(t.kind == kind for t in queued):
            return refusal(ErrorCode.WRONG_STAGE, f"{action.label}已提交，正在办理，请勿重复提交")
        check: Callable[[Any, list[_Ticket]], ApplicationError | None] | None = getattr(self, f"_check_{kind}", None)
        return check(payload, queued) if check else None

    def _check_intake(self, inp: IntakeInput, _queued: list[_Ticket]) -> ApplicationError | None:
        if inp.decision == "request_correction":
            return None if inp.missing else refusal(ErrorCode.CORRECTION_LIST_EMPTY)
        lacking = missing_materials(self._case.method, {m.kind for m in self._case.materials})
        if lacking:
            return refusal(ErrorCode.MATERIALS_MISSING,
                           "申请材料不齐全，不能受理，请一次性告知补正："
                           + "、".join(MATERIAL_NAMES[k] for k in lacking),
                           missing=[k.value for k in lacking])
        experts = [e.assignee for e in inp.experts]
        if len(set(experts)) != len(experts) or len(experts) < self._policy.expert_panel_size:
            return refusal(ErrorCode.EXPERT_PANEL_INVALID,
                           f"专家组须由至少 {self._policy.expert_panel_size} 名不同的专家组成",
                           required=self._policy.expert_panel_size, given=len(set(experts)))
        return None

    def _check_correction(self, inp: CorrectionInput, _queued: list[_Ticket]) -> ApplicationError | None:
        uncovered = [k for k in self._case.missing if k not in {m.kind for m in inp.materials}]
        if uncovered:
            return refusal(ErrorCode.MATERIALS_MISSING,
                           f"补正材料不齐全，尚缺：{'、'.join(MATERIAL_NAMES[k] for k in uncovered)}",
                           missing=[k.value for k in uncovered])
        return None

    def _check_sign_off(self, inp: SignOffInput, queued: list[_Ticket]) -> ApplicationError | None:
        round_ = self._current_round()
        task = countersign.party_of(inp.actor, round_) if countersign.is_open(round_) else None
        if round_ is None or task is None:
            return refusal(ErrorCode.NOT_YOUR_PARTY)
        if task.verdict is not None or any(
            t.kind == "sign_off" and countersign.party_of(t.payload.actor, round_) is task for t in queued
        ):
            return refusal(ErrorCode.ALREADY_SIGNED, party=task.party, round=round_.no)
        if not countersign.may_sign(inp.actor, task):
            return refusal(ErrorCode.NOT_YOUR_PARTY, "该会签任务已转交他人办理", assignee=task.assignee)
        if inp.verdict == "fail" and not (inp.opinion or inp.findings):
            return refusal(ErrorCode.VALIDATION_FAILED, "验收不通过时必须写明意见或问题清单", field="opinion")
        return None

    def _check_committee_decision(self, inp: CommitteeDecisionInput, _q: list[_Ticket]) -> ApplicationError | None:
        if self._awaiting_committee_material:
            return refusal(ErrorCode.WRONG_STAGE, "会议已决定暂缓，须待县自然资源局补充材料后再研究")
        return meeting_refusal(
            inp, today=local_date(self._now()), not_before=self._committee_since or local_date(self._now()),
            numerator=self._policy.quorum_numerator, denominator=self._policy.quorum_denominator,
        )

    def _check_committee_material(self, _inp: CommitteeMaterialInput, _q: list[_Ticket]) -> ApplicationError | None:
        if not self._awaiting_committee_material:
            return refusal(ErrorCode.WRONG_STAGE, "集体研究未决定暂缓，无需补充材料")
        return None

    def _check_resumption(self, inp: ResumptionInput, _queued: list[_Ticket]) -> ApplicationError | None:
        approved_on = local_date(self._case.approved_at or self._now())
        if not approved_on <= inp.resumed_on <= local_date(self._now()):
            return refusal(ErrorCode.DATE_INVALID, f"复工日期应在批复日期（{approved_on}）与今天之间",
                           resumed_on=str(inp.resumed_on))
        return None

    # ---- the queue ------------------------------------------------------------------------------------------

    async def _submit(self, kind: str, payload: Any) -> CaseView:
        # Validators of updates in one activation all run before any handler, so check again here.
        self._validate(kind, payload)
        ticket = _Ticket(kind, payload)
        self._queue.append(ticket)
        await workflow.wait_condition(lambda: ticket.done)
        if ticket.error is not None:
            raise ticket.error
        return self._view()

    def _fail(self, ticket: _Ticket, error: ApplicationError) -> None:
        ticket.error, ticket.done = error, True

    async def _next(self, kind: str) -> Any:
        """Wait for the next accepted action of `kind`; answer its caller once its effects are written."""
        ticket = await self._wait(expect=kind)
        assert ticket is not None
        self._settling.append(ticket)
        return ticket.payload

    async def _wait(self, *, expect: str | None = None,
                    until: Callable[[], bool] | None = None) -> _Ticket | None:
        """Apply side actions and fire alarms until an action of kind `expect` arrives or `until()` holds."""
        side: dict[str, Callable[[Any], Awaitable[None]]] = {
            "sign_off": self._apply_sign_off, "withdraw": self._apply_withdraw,
        }
        while True:
            while self._queue:
                ticket = self._queue.pop(0)
                if (error := self._refusal(ticket.kind, ticket.payload, queued=self._queue)) is not None:
                    self._fail(ticket, error)
                elif ticket.kind == expect:
                    return ticket
                elif ticket.kind in side:
                    self._settling.append(ticket)
                    await side[ticket.kind](ticket.payload)
                else:
                    self._fail(ticket, refusal(ErrorCode.WRONG_STAGE))
            await self._fire_alarms()
            if until is not None and until():
                return None
            await self._sync()
            next_alarm = self._next_alarm()
            timeout = None if next_alarm is None else (next_alarm - self._now()).total_seconds()
            if timeout is not None and timeout <= 0:
                continue
            with contextlib.suppress(TimeoutError):  # an alarm is due: the loop fires it
                await workflow.wait_condition(
                    lambda: bool(self._queue) or (until is not None and until()), timeout=timeout,
                )

    async def _apply_sign_off(self, inp: SignOffInput) -> None:
        round_ = self._current_round()
        assert round_ is not None
        task = countersign.party_of(inp.actor, round_)
        assert task is not None
        task.verdict, task.opinion, task.findings = inp.verdict, inp.opinion, inp.findings
        task.signed_by, task.at = inp.actor.username, self._now()
        verdict = "通过" if inp.verdict == "pass" else "不通过"
        self._record(inp.actor, "signed_off", f"{task.name}（第{round_.no}轮）：{verdict}。{inp.opinion}",
                     round=round_.no, party=task.party, verdict=inp.verdict, findings=inp.findings)

    async def _apply_withdraw(self, inp: WithdrawInput) -> None:
        round_ = self._current_round()
        if countersign.is_open(round_):
            assert round_ is not None
            countersign.close(round_, "withdrawn", self._now())
        self._record(inp.actor, "withdrawn", f"企业撤回申请：{inp.reason}")
        await self._close(Status.WITHDRAWN, f"企业撤回申请：{inp.reason}")

    # ---- alarms: reminders, escalations, time-outs ---------------------------------------------------------

    def _alarms(self) -> list[tuple[datetime, Callable[[], Awaitable[None]]]]:
        case, alarms = self._case, []
        if case.status is not Status.ACTIVE:
            return []
        if case.stage is Stage.INTAKE and self._intake_due and not self._intake_escalated:
            alarms.append((self._intake_due.due_at, self._intake_overdue))
        if case.stage is Stage.CORRECTION and case.correction_due_at:
            alarms.append((case.correction_due_at, self._correction_timed_out))
        round_ = self._current_round()
        if case.stage is Stage.JOINT_ACCEPTANCE and round_ is not None and countersign.is_open(round_):
            for task in countersign.pending(round_):
                if task.remind_at and not task.reminded_at:
                    alarms.append((task.remind_at, partial(self._remind_party, task)))
                if task.due_at and not task.escalated_at:
                    alarms.append((task.due_at, partial(self._escalate_party, task)))
        c = case.clock
        if c.running_since is not None:
            if c.warn_at and not c.warned:
                alarms.append((c.warn_at, self._clock_warning))
            if c.deadline_at and not c.exceeded:
                alarms.append((c.deadline_at, self._clock_exceeded))
        if case.stage is Stage.CITY_FILING and self._filing_next is not None:
            alarms.append((self._filing_next, self._filing_reminder))
        return alarms

    def _next_alarm(self) -> datetime | None:
        return min((at for at, _ in self._alarms()), default=None)

    async def _fire_alarms(self) -> None:
        now = self._now()
        for at, fire in sorted(self._alarms(), key=lambda alarm: alarm[0]):
            if at <= now:
                await fire()

    async def _intake_overdue(self) -> None:
        self._intake_escalated = True
        self._record(SYSTEM, "escalated",
                     f"受理期限（{self._policy.intake_limit_working_days}个工作日）已过仍未受理或告知补正；"
                     "依行政许可法第三十二条，逾期不告知的自收到材料之日起即为受理。已提醒县自然资源局并报督查组",
                     task="intake", to=["county_nr", "supervisor"])

    async def _correction_timed_out(self) -> None:
        self._record(SYSTEM, "correction_timed_out",
                     f"企业逾期（{self._policy.correction_limit_working_days}个工作日）未提交补正材料，视为撤回申请")
        await self._close(Status.WITHDRAWN, "逾期未补正，视为撤回申请")

    async def _remind_party(self, task: PartyTask) -> None:
        task.reminded_at = self._now()
        self._record(SYSTEM, "reminded", f"提醒{task.name}：联合验收意见将于 {task.due} 到期",
                     party=task.party, due=str(task.due))

    async def _escalate_party(self, task: PartyTask) -> None:
        task.escalated_at = self._now()
        self._record(SYSTEM, "escalated",
                     f"{task.name}逾期未签署联合验收意见（期限 {task.due}），已报县自然资源局及督查组",
                     party=task.party, due=str(task.due), to=["county_nr", "supervisor"])

    async def _clock_warning(self) -> None:
        self._case.clock.warned = True
        self._record(SYSTEM, "deadline_warning", f"法定办理期限将于 {self._case.clock.deadline} 届满",
                     deadline=str(self._case.clock.deadline))

    async def _clock_exceeded(self) -> None:
        self._case.clock.exceeded = True
        self._record(SYSTEM, "escalated", f"法定办理期限（{self._case.clock.limit_days}个工作日）已届满，已报督查组",
                     deadline=str(self._case.clock.deadline), to=["supervisor"])

    async def _filing_reminder(self) -> None:
        self._case.filing_reminders += 1
        self._record(SYSTEM, "filing_reminded", f"第{self._case.filing_reminders}次提醒市自然资源局确认备案")
        if self._case.filing_reminders >= self._policy.filing_max_reminders:
            self._filing_next, self._filing_escalated = None, True
            self._record(SYSTEM, "escalated", "备案多次提醒仍未确认，已报督查组", task="city_filing", to=["supervisor"])
        else:
            await self._plan_filing_reminder()

    async def _plan_filing_reminder(self) -> None:
        plan = await calls.plan_deadline(self._now(), self._policy.filing_reminder_every_working_days)
        self._filing_next = plan.due_morning

    # ---- state helpers --------------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return workflow.now()

    def _current_round(self) -> Round | None:
        return self._case.rounds[-1] if self._case.rounds else None

    async def _open_round(self) -> Round:
        plan = await calls.plan_deadline(self._now(), self._policy.sign_off_limit_working_days,
                                         self._policy.reminder_before_working_days)
        round_ = countersign.open_round(len(self._case.rounds) + 1, self._start.departments + self._case.experts,
                                        plan, self._now())
        self._case.rounds.append(round_)
        self._record(SYSTEM, "round_opened",
                     f"第{round_.no}轮联合验收开始，{len(round_.parties)}方会签，期限 {plan.due}",
                     round=round_.no, parties=[p.party for p in round_.parties], due=str(plan.due))
        return round_

    async def _enter(self, stage: Stage) -> None:
        now = self._now()
        self._case.stage = stage
        if stage in CLOCK_RUNS_IN:
            await clock.start(self._case.clock, now, self._policy.decision_warning_working_days)
        else:
            await clock.stop(self._case.clock, now)
        self._case.deadline = self._case.clock.deadline
        self._dirty = True

    async def _close(self, status: Status, reason: str, *, end: bool = True) -> None:
        """Close the case; `end` unwinds the procedure (all closings but the normal completion)."""
        await clock.stop(self._case.clock, self._now())
        self._case.deadline = None
        self._case.status, self._case.outcome_reason, self._case.closed_at = status, reason, self._now()
        if status is not Status.COMPLETED:
            self._record(SYSTEM, status.value, reason)
        self._dirty = True
        if end:
            raise _CaseEnded

    def _merge_materials(self, materials: list[MaterialRef]) -> None:
        by_kind = {m.kind: m for m in self._case.materials}
        by_kind.update({m.kind: m for m in materials})
        self._case.materials = list(by_kind.values())

    def _record(self, actor: Actor, action: str, detail: str, **data: Any) -> None:
        entry = TimelineEntry(seq=len(self._case.timeline) + 1, at=self._now(), actor=actor.username,
                              actor_name=actor.display_name,
                              role="system" if actor is SYSTEM else actor.role.value,
                              action=action, detail=detail.strip("。 ") + "。" if detail else "", data=data)
        self._case.timeline.append(entry)
        self._new_entries.append(entry)
        self._dirty = True

    def _pending(self) -> list[Pending]:
        case = self._case
        if case.status is not Status.ACTIVE:
            return []
        county = f"{case.division_name}自然资源局"
        clock_due = {"due": case.clock.deadline, "due_at": case.clock.deadline_at, "overdue": case.clock.exceeded}
        match case.stage:
            case Stage.INTAKE:
                due = self._intake_due
                return [Pending(party="county_nr", name=county, role=Role.COUNTY_NR, task="intake",
                                due=due.due if due else None, due_at=due.due_at if due else None,
                                overdue=self._intake_escalated)]
            case Stage.CORRECTION:
                due = self._correction_due
                return [Pending(party="enterprise", name=case.enterprise_name, role=Role.ENTERPRISE,
                                task="correction", due=due.due if due else None, due_at=due.due_at if due else None)]
            case Stage.JOINT_ACCEPTANCE:
                round_ = self._current_round()
                if round_ is None or not countersign.is_open(round_):
                    return []
                return [Pending(party=t.party, name=t.name, task="sign_off",
                                role=Role.EXPERT if t.party.startswith(countersign.EXPERT_PREFIX)
                                else Role.DEPARTMENT_OFFICER,
                                due=t.due, due_at=t.due_at, overdue=t.escalated_at is not None,
                                department_id=t.department_id, assignee=t.assignee)
                        for t in countersign.pending(round_)]
            case Stage.RECTIFICATION:
                return [Pending(party="enterprise", name=case.enterprise_name, role=Role.ENTERPRISE,
                                task="rectification")]
            case Stage.COMMITTEE_REVIEW if self._awaiting_committee_material:
                return [Pending(party="county_nr", name=county, role=Role.COUNTY_NR, task="committee_material",
                                **clock_due)]
            case Stage.COMMITTEE_REVIEW:
                return [Pending(party="committee", name=f"{case.division_name}党委政府（三重一大）",
                                role=Role.COMMITTEE_SECRETARY, task="committee_decision", **clock_due)]
            case Stage.APPROVAL:
                return [Pending(party="county_nr", name=county, role=Role.COUNTY_NR, task="approval", **clock_due)]
            case Stage.RESUMPTION:
                return [Pending(party="enterprise", name=case.enterprise_name, role=Role.ENTERPRISE,
                                task="resumption")]
            case Stage.CITY_FILING:
                return [Pending(party="city_nr", name="市自然资源局", role=Role.CITY_NR, task="city_filing",
                                overdue=self._filing_escalated)]
        return []

    def _view(self) -> CaseView:
        return self._case.model_copy(update={"pending": self._pending()})

    async def _sync(self) -> None:
        """Write the projection and the new timeline entries, then answer the callers whose actions they carry."""
        if self._dirty or self._new_entries:
            self._case.version += 1
            self._case.updated_at = self._now()
            view = self._view()
            tasks = [TaskRow(task=p.task, party=p.party, name=p.name, role=p.role,
                             division_code=view.division_code, department_id=p.department_id,
                             enterprise_id=view.enterprise_id if p.role is Role.ENTERPRISE else None,
                             assignee=p.assignee, due_at=p.due_at, overdue=p.overdue)
                     for p in view.pending]
            await calls.sync_case(SyncCaseInput(case=view, tasks=tasks, new_entries=self._new_entries,
                                                mine_status=self._mine_status))
            self._new_entries, self._dirty = [], False
            self._synced_version = self._case.version
        for ticket in self._settling:
            ticket.done = True
        self._settling.clear()
