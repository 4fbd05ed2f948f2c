"""ReopeningWorkflow — 开复工, seed 000 §二(三).

申请 → 受理/补正 → 联合验收 (整改 → 复验) → 三重一大 → 批复 → 复工 → 市局备案.

The procedure is a sequence of phases; each returns the next. 退回 (a case sent back) jumps to an earlier phase:
county NR from joint acceptance to intake or correction, the committee secretary from committee review to joint
acceptance. The machinery (queue, alarms, clock, projection) is `workflows/parts/engine.py`; rounds and their
moves are `workflows/parts/countersign.py`.
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from documents.kinds import DocumentKind
    from domain.calendar import local_date
    from domain.cases import Status
    from domain.errors import ErrorCode
    from domain.reopening import (
        CLOCK_RUNS_IN,
        JOINT_ACCEPTANCE_CLAUSE,
        MATERIAL_NAMES,
        STAGE_NAMES,
        WITHDRAWABLE,
        MaterialKind,
        Stage,
        missing_materials,
    )
    from domain.roles import Role
    from models.cases import (
        Actor,
        Clock,
        CommitteeDecisionInput,
        CommitteeDecisionRequest,
        DeadlinePlan,
        DocumentNumberRequest,
        PartySpec,
        Pending,
    )
    from models.reopening import (
        ApprovalInput,
        ApprovalRequest,
        CityFilingInput,
        CityFilingRequest,
        CommitteeMaterialInput,
        CommitteeMaterialRequest,
        CorrectionInput,
        CorrectionRequest,
        IntakeInput,
        IntakeRequest,
        MaterialRef,
        RectificationDoneInput,
        RectificationDoneRequest,
        ReopeningStart,
        ReopeningView,
        ResumptionInput,
        ResumptionRequest,
        ReturnInput,
        ReturnRequest,
        WithdrawInput,
        WithdrawRequest,
    )

from workflows.parts import calls
from workflows.parts import countersign as cs
from workflows.parts.actions import Queued, Refusal, action, post
from workflows.parts.committee import meeting_refusal, minutes
from workflows.parts.engine import SYSTEM, Alarm, CaseEnded, PhaseJump
from workflows.parts.refusal import refusal

ACCEPTANCE = Stage.JOINT_ACCEPTANCE


@workflow.defn
class ReopeningWorkflow(cs.CountersignMoves):
    COUNTERSIGN_STAGE: ClassVar = ACCEPTANCE
    CLOCK_RUNS_IN: ClassVar = CLOCK_RUNS_IN
    STAGE_NAMES: ClassVar = STAGE_NAMES

    @workflow.init
    def __init__(self, start: ReopeningStart) -> None:
        self._init_engine()
        now = workflow.now()
        mine, policy = start.mine, start.policy
        self._start, self._policy = start, policy
        self._intake_due: DeadlinePlan | None = None
        self._intake_from: datetime | None = None  # when the intake limit started (re-planned from there)
        self._correction_from: datetime | None = None
        self._intake_escalated = False
        self._correction_due: DeadlinePlan | None = None
        self._committee_since: date | None = None
        self._awaiting_committee_material = False
        self._filing_next = None
        self._filing_escalated = False
        self._resumption_remind_at = None
        self._case = ReopeningView(
            case_id=start.case_id, title=f"{mine.mine_name} 开复工", mine_id=mine.mine_id, mine_name=mine.mine_name,
            enterprise_id=mine.enterprise_id, enterprise_name=mine.enterprise_name,
            division_code=mine.division_code, division_name=mine.division_name, city_code=mine.city_code,
            licence_no=mine.licence_no, method=mine.method, reason=start.reason,
            stage=Stage.INTAKE, status=Status.ACTIVE, submitted_at=now, updated_at=now,
            clock=Clock(limit_days=policy.decision_limit_working_days), materials=list(start.materials),
        )

    # ---- the procedure ---------------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: ReopeningStart) -> ReopeningView:
        lacking = missing_materials(start.mine.method, {m.kind for m in start.materials})
        self._carry(start, start.applicant)
        self._record(start.applicant, "submitted", f"提交开复工申请：{start.reason}",
                     materials=[m.kind.value for m in start.materials], lacking=[k.value for k in lacking])
        phases: dict[str, Callable[[], Awaitable[str | None]]] = {
            "intake": self._intake,
            "joint_acceptance": self._joint_acceptance,
            "committee_review": self._committee_review,
            "approval": self._approval,
            "resumption": self._resumption,
            "city_filing": self._city_filing,
        }
        phase: str | None = "intake"
        while phase is not None:
            try:
                phase = await phases[phase]()
            except PhaseJump as jump:
                phase = jump.phase
            except CaseEnded:
                break
        await self._finish()
        return self._view()

    async def _intake(self) -> str:
        """受理/补正: accept, or list everything missing at once (行政许可法 第三十二条, 一次性告知)."""
        while True:
            if self._case.missing:  # a correction is outstanding (asked for at intake, or on a return)
                await self._correction()
            await self._enter(Stage.INTAKE)
            self._intake_from = self._now()
            self._intake_due = await calls.plan_deadline(self._intake_from, self._policy.intake_limit_working_days)
            self._intake_escalated = False
            decision: IntakeInput = await self._next(self.intake)
            if decision.decision == "accept":
                self._set_experts(decision.experts or self._case.experts)
                self._record(decision.actor, "intake_accepted",
                             f"受理申请。专家组：{'、'.join(e.name for e in self._case.experts)}。{decision.note}",
                             experts=[e.assignee for e in self._case.experts])
                self._issue(DocumentKind.ACCEPTANCE_NOTICE)
                return "joint_acceptance"
            self._case.missing = list(dict.fromkeys(decision.missing))
            self._record(decision.actor, "correction_requested",
                         f"一次性告知需补正材料：{self._material_names(self._case.missing)}。{decision.note}",
                         missing=[k.value for k in self._case.missing])
            self._issue(DocumentKind.CORRECTION_NOTICE)

    async def _correction(self) -> None:
        await self._enter(Stage.CORRECTION)
        self._correction_from = self._now()
        self._correction_due = await calls.plan_deadline(self._correction_from,
                                                         self._policy.correction_limit_working_days)
        self._case.correction_due_at = self._correction_due.due_at
        correction: CorrectionInput = await self._next(self.correction)
        self._merge_materials(correction.materials)
        self._record(correction.actor, "corrected",
                     f"提交补正材料：{self._material_names([m.kind for m in correction.materials])}。{correction.note}",
                     materials=[m.kind.value for m in correction.materials])
        self._case.missing, self._case.correction_due_at = [], None

    async def _joint_acceptance(self) -> str:
        """联合验收 led by county NR (seed 000 §二(三)); all parties must pass. A failed round waits for every
        party's answer first, so the enterprise gets all findings at once for its 整改."""
        while True:
            await self._enter(ACCEPTANCE)
            round_ = await self._open_round()
            await self._wait(until=lambda r=round_: cs.all_answered(r))
            result = cs.outcome(round_)
            cs.close(round_, result, self._now())
            if result == "pass":
                self._record(SYSTEM, "acceptance_passed", f"第{round_.no}轮联合验收通过，提请县党委政府集体研究",
                             round=round_.no)
                self._issue(DocumentKind.JOINT_ACCEPTANCE_SUMMARY)
                return "committee_review"
            failed = [p for p in cs.active(round_) if p.verdict == "fail"]
            summary = "；".join(f"{p.name}：{p.opinion or '、'.join(p.findings)}" for p in failed)
            # Rounds closed by a return are not failures: only failed rounds count against the bound.
            if sum(r.outcome == "fail" for r in self._case.rounds) >= self._policy.max_acceptance_rounds:
                self._record(SYSTEM, "acceptance_failed", f"第{round_.no}轮联合验收不合格：{summary}",
                             round=round_.no, parties=[p.party for p in failed])
                self._issue(DocumentKind.JOINT_ACCEPTANCE_SUMMARY)
                self._issue(DocumentKind.REOPENING_REFUSAL)
                await self._close(Status.REJECTED, f"联合验收不合格，不予开复工（{JOINT_ACCEPTANCE_CLAUSE}）")
            self._record(SYSTEM, "acceptance_failed", f"第{round_.no}轮联合验收未通过，责令整改后复验：{summary}",
                         round=round_.no, parties=[p.party for p in failed])
            await self._enter(Stage.RECTIFICATION)
            done: RectificationDoneInput = await self._next(self.rectification_done)
            self._merge_materials(done.materials)
            self._record(done.actor, "rectification_done", f"报告整改完成，申请复验。{done.note}")

    async def _committee_review(self) -> str:
        """三重一大: the county 党委、政府 decide collectively (seed 000 §二(三)); `defer` sends the case back to
        county NR for more material and then back to the meeting."""
        await self._enter(Stage.COMMITTEE_REVIEW)
        self._committee_since = local_date(self._now())
        self._awaiting_committee_material = False
        while True:
            meeting: CommitteeDecisionInput = await self._next(self.committee_decision)
            self._case.committee_meetings.append(minutes(meeting, self._now()))
            verdict = {"approve": "研究同意", "reject": "研究不同意", "defer": "暂缓研究，需补充材料"}[meeting.decision]
            self._record(meeting.actor, "committee_decided",
                         f"{meeting.meeting_no}（{meeting.meeting_date}）{verdict}。出席 {len(meeting.attendees)}/"
                         f"{meeting.members_total} 人。{meeting.note}",
                         meeting_no=meeting.meeting_no, decision=meeting.decision, minutes_ref=meeting.minutes_ref)
            if meeting.decision == "approve":
                return "approval"
            if meeting.decision == "reject":
                self._issue(DocumentKind.REOPENING_REFUSAL)
                await self._close(Status.REJECTED, f"县党委政府集体研究不同意开复工（{meeting.meeting_no}）")
            self._awaiting_committee_material = True
            material: CommitteeMaterialInput = await self._next(self.committee_material)
            self._awaiting_committee_material = False
            self._merge_materials(material.materials)
            self._record(material.actor, "committee_material_added", f"补充材料后重新提请集体研究。{material.note}")

    async def _approval(self) -> str:
        """批复 by county NR with a server-issued document number; 同时报市自然资源局备案 (seed 000 §二(三))."""
        await self._enter(Stage.APPROVAL)
        approval: ApprovalInput = await self._next(self.approval)
        now, mine = self._now(), self._start.mine
        issued = await calls.issue_document_number(DocumentNumberRequest(
            case_id=self._case.case_id, purpose="reopening_approval", division_code=mine.division_code,
            county_short_name=mine.county_short_name, doc_type=self._policy.approval_doc_type,
            year=local_date(now).year,
        ))
        self._case.document_no, self._case.approved_at = issued.doc_no, now
        self._record(approval.actor, "approved", f"下发开复工批复 {issued.doc_no}。{approval.note}",
                     document_no=issued.doc_no)
        self._issue(DocumentKind.REOPENING_APPROVAL)
        self._record(approval.actor, "filing_sent", "批复同时报市自然资源局备案")
        return "resumption"

    async def _resumption(self) -> str:
        await self._enter(Stage.RESUMPTION)
        if self._remind_resumption():
            plan = await calls.plan_deadline(self._now(), self._policy.resumption_reminder_working_days)
            self._resumption_remind_at = plan.due_morning
        report: ResumptionInput = await self._next(self.resumption)
        self._resumption_remind_at = None
        self._case.resumed_on = report.resumed_on
        self._mine_status = "producing"
        self._record(report.actor, "resumed", f"企业报告已于 {report.resumed_on} 复工",
                     resumed_on=str(report.resumed_on))
        return "city_filing"

    def _remind_resumption(self) -> bool:
        """Procedure change rolled out to running cases (docs/versioning.md): cases that reached 复工 before it
        replay without the reminder's activity call; every later case plans the reminder."""
        return workflow.patched("resumption-reminder")

    async def _city_filing(self) -> None:
        """备案: the city's acknowledgement completes the case; it is reminded while it stays unacknowledged."""
        await self._enter(Stage.CITY_FILING)
        await self._plan_filing_reminder()
        ack: CityFilingInput = await self._next(self.city_filing)
        self._filing_next = None
        self._record(ack.actor, "filing_acknowledged", f"市自然资源局确认备案。{ack.note}")
        self._case.stage = Stage.COMPLETED
        await self._close(Status.COMPLETED, "开复工办结", end=False)

    # ---- the actions of this procedure (sign-offs and the round's moves come with CountersignMoves) ------------

    @action("受理或要求补正", roles={Role.COUNTY_NR}, stages={Stage.INTAKE}, single=True, answers={"intake"},
            request=IntakeRequest, route=post("/cases/{case_id}/intake", "县自然资源局受理或一次性告知补正"))
    def intake(self, inp: IntakeInput, _queued: Queued) -> Refusal:
        """受理 needs every required material and an expert panel of the policy's size; 补正 lists what is
        missing, all at once (行政许可法 第三十二条)."""
        if inp.decision == "request_correction":
            return None if inp.missing else refusal(ErrorCode.CORRECTION_LIST_EMPTY)
        lacking = missing_materials(self._case.method, {m.kind for m in self._case.materials})
        if lacking:
            return refusal(ErrorCode.MATERIALS_MISSING,
                           f"申请材料不齐全，不能受理，请一次性告知补正：{self._material_names(lacking)}",
                           missing=[k.value for k in lacking])
        experts = [e.assignee for e in (inp.experts or self._case.experts)]
        if len(set(experts)) != len(experts) or len(experts) < self._policy.expert_panel_size:
            return refusal(ErrorCode.EXPERT_PANEL_INVALID,
                           f"专家组须由至少 {self._policy.expert_panel_size} 名不同的专家组成",
                           required=self._policy.expert_panel_size, given=len(set(experts)))
        return None

    @action("提交补正材料", roles={Role.ENTERPRISE}, stages={Stage.CORRECTION}, single=True, answers={"correction"},
            request=CorrectionRequest, route=post("/cases/{case_id}/corrections", "企业提交补正材料"))
    def correction(self, inp: CorrectionInput, _queued: Queued) -> Refusal:
        """Every material the notice listed."""
        if uncovered := [k for k in self._case.missing if k not in {m.kind for m in inp.materials}]:
            return refusal(ErrorCode.MATERIALS_MISSING, f"补正材料不齐全，尚缺：{self._material_names(uncovered)}",
                           missing=[k.value for k in uncovered])
        return None

    @action("报告整改完成", roles={Role.ENTERPRISE}, stages={Stage.RECTIFICATION}, single=True,
            answers={"rectification"}, request=RectificationDoneRequest,
            route=post("/cases/{case_id}/rectification-done", "企业报告整改完成，申请复验"))
    def rectification_done(self, inp: RectificationDoneInput, _queued: Queued) -> Refusal:
        """Whenever the enterprise is ready: a new round of joint acceptance follows."""
        return None

    def _no_material_awaited(self, _actor: Actor) -> Refusal:
        if self._awaiting_committee_material:
            return refusal(ErrorCode.WRONG_STAGE, "会议已决定暂缓，须待县自然资源局补充材料后再研究")
        return None

    def _material_awaited(self, _actor: Actor) -> Refusal:
        if not self._awaiting_committee_material:
            return refusal(ErrorCode.WRONG_STAGE, "集体研究未决定暂缓，无需补充材料")
        return None

    @action("录入三重一大会议决定", roles={Role.COMMITTEE_SECRETARY}, stages={Stage.COMMITTEE_REVIEW}, single=True,
            guard=_no_material_awaited, answers={"committee_decision"}, request=CommitteeDecisionRequest,
            route=post("/cases/{case_id}/committee-decision", "录入县党委政府三重一大集体研究决定"))
    def committee_decision(self, inp: CommitteeDecisionInput, _queued: Queued) -> Refusal:
        """A meeting held since the case reached it, today at the latest, with its quorum (the policy's)."""
        return meeting_refusal(
            inp, today=local_date(self._now()), not_before=self._committee_since or local_date(self._now()),
            numerator=self._policy.quorum_numerator, denominator=self._policy.quorum_denominator,
        )

    @action("补充上会材料", roles={Role.COUNTY_NR}, stages={Stage.COMMITTEE_REVIEW}, single=True,
            guard=_material_awaited, answers={"committee_material"}, request=CommitteeMaterialRequest,
            route=post("/cases/{case_id}/committee-materials", "会议暂缓后县自然资源局补充材料并重新提请研究"))
    def committee_material(self, inp: CommitteeMaterialInput, _queued: Queued) -> Refusal:
        """Only after a meeting deferred the case."""
        return None

    @action("下发开复工批复", roles={Role.COUNTY_NR}, stages={Stage.APPROVAL}, single=True, answers={"approval"},
            request=ApprovalRequest,
            route=post("/cases/{case_id}/approval", "县自然资源局下发开复工批复（系统生成文号）"))
    def approval(self, inp: ApprovalInput, _queued: Queued) -> Refusal:
        """The server numbers the document (两个暂停 is checked by the API against the city's campaign)."""
        return None

    @action("报告复工", roles={Role.ENTERPRISE}, stages={Stage.RESUMPTION}, single=True, answers={"resumption"},
            request=ResumptionRequest, route=post("/cases/{case_id}/resumption", "企业报告复工日期"))
    def resumption(self, inp: ResumptionInput, _queued: Queued) -> Refusal:
        """A date between the 批复 and today."""
        approved_on = local_date(self._case.approved_at or self._now())
        if not approved_on <= inp.resumed_on <= local_date(self._now()):
            return refusal(ErrorCode.DATE_INVALID, f"复工日期应在批复日期（{approved_on}）与今天之间",
                           resumed_on=str(inp.resumed_on))
        return None

    @action("确认备案", roles={Role.CITY_NR}, stages={Stage.CITY_FILING}, single=True, answers={"city_filing"},
            request=CityFilingRequest, route=post("/cases/{case_id}/city-filing", "市自然资源局确认备案（案件办结）"))
    def city_filing(self, inp: CityFilingInput, _queued: Queued) -> Refusal:
        """The city's acknowledgement completes the case."""
        return None

    @action("撤回申请", roles={Role.ENTERPRISE}, stages=WITHDRAWABLE, single=True, danger=True, request=WithdrawRequest,
            route=post("/cases/{case_id}/withdraw", "企业撤回申请（批复前）"))
    def withdraw(self, inp: WithdrawInput, _queued: Queued) -> Refusal:
        """Before the 批复, at any time."""
        return None

    @withdraw.applies
    async def _withdrawn(self, inp: WithdrawInput) -> None:
        round_ = self._current_round()
        if round_ is not None and cs.is_open(round_):
            cs.close(round_, "withdrawn", self._now())
        self._record(inp.actor, "withdrawn", f"企业撤回申请：{inp.reason}")
        await self._close(Status.WITHDRAWN, f"企业撤回申请：{inp.reason}")

    def _may_return(self, actor: Actor) -> Refusal:
        # Each role may return in one stage only: in the other it is the wrong stage for them (409), which is
        # also what the loser of a race with the stage's last action must hear.
        if self._case.stage is ACCEPTANCE and actor.role is not Role.COUNTY_NR:
            return refusal(ErrorCode.WRONG_STAGE, "联合验收阶段只能由县自然资源局退回", stage=ACCEPTANCE.value)
        if self._case.stage is Stage.COMMITTEE_REVIEW and actor.role is not Role.COMMITTEE_SECRETARY:
            return refusal(ErrorCode.WRONG_STAGE, "案件已进入三重一大集体研究阶段，只能由会议秘书退回",
                           stage=Stage.COMMITTEE_REVIEW.value)
        return None

    @action("退回", roles={Role.COUNTY_NR, Role.COMMITTEE_SECRETARY}, stages={ACCEPTANCE, Stage.COMMITTEE_REVIEW},
            single=True, guard=_may_return, danger=True, request=ReturnRequest, name="return",
            route=post("/cases/{case_id}/return",
                       "退回：县自然资源局自联合验收退回受理/补正，会议秘书自集体研究退回联合验收"))
    def return_(self, inp: ReturnInput, _queued: Queued) -> Refusal:
        """County NR returns a case in joint acceptance to intake or correction (naming what to correct); the
        committee secretary returns a case in committee review to joint acceptance."""
        if self._case.stage is ACCEPTANCE:
            if inp.to_stage not in ("intake", "correction"):
                return refusal(ErrorCode.VALIDATION_FAILED, "联合验收阶段只能退回受理或补正", field="to_stage")
            if inp.to_stage == "correction" and not inp.missing:
                return refusal(ErrorCode.CORRECTION_LIST_EMPTY)
            return None
        if inp.to_stage != "joint_acceptance":
            return refusal(ErrorCode.VALIDATION_FAILED, "集体研究阶段只能退回联合验收", field="to_stage")
        return None

    @return_.applies
    async def _returned(self, inp: ReturnInput) -> None:
        """The open round closes as returned (its sign-offs stay on the record); a new, complete round opens
        when the case comes back to joint acceptance."""
        round_ = self._current_round()
        if round_ is not None and cs.is_open(round_):
            cs.close(round_, "returned", self._now())
        target = STAGE_NAMES[Stage(inp.to_stage)]
        if inp.to_stage == "correction":
            self._case.missing = list(dict.fromkeys(inp.missing))
            target += f"（需补正：{self._material_names(self._case.missing)}）"
            self._issue(DocumentKind.CORRECTION_NOTICE)
        self._record(inp.actor, "returned", f"退回{target}：{inp.reason}", to_stage=inp.to_stage,
                     reason=inp.reason, round=round_.no if round_ else None,
                     missing=[k.value for k in self._case.missing])
        raise PhaseJump("intake" if inp.to_stage in ("intake", "correction") else "joint_acceptance")

    # ---- alarms ------------------------------------------------------------------------------------------------

    async def _replan_deadlines(self) -> None:
        """After a year's arrangement was loaded: the intake and correction limits are planned again from when
        they started (and the open countersign round, `CountersignMoves`)."""
        await super()._replan_deadlines()
        stage = self._case.stage
        if stage is Stage.INTAKE and self._intake_due and self._intake_from and not self._intake_escalated:
            self._intake_due = await calls.plan_deadline(self._intake_from, self._policy.intake_limit_working_days)
        if stage is Stage.CORRECTION and self._correction_due and self._correction_from:
            self._correction_due = await calls.plan_deadline(self._correction_from,
                                                             self._policy.correction_limit_working_days)
            self._case.correction_due_at = self._correction_due.due_at

    def _alarms(self) -> list[Alarm]:
        case, alarms = self._case, self._clock_alarms()
        if case.stage is Stage.INTAKE and self._intake_due and not self._intake_escalated:
            alarms.append((self._intake_due.due_at, self._intake_overdue))
        if case.stage is Stage.CORRECTION and case.correction_due_at:
            alarms.append((case.correction_due_at, self._correction_timed_out))
        if case.stage is ACCEPTANCE:
            alarms += self._countersign_alarms()
        if case.stage is Stage.CITY_FILING and self._filing_next is not None:
            alarms.append((self._filing_next, self._filing_reminder))
        if case.stage is Stage.RESUMPTION and self._resumption_remind_at is not None:
            alarms.append((self._resumption_remind_at, self._resumption_reminder))
        return alarms

    async def _resumption_reminder(self) -> None:
        self._resumption_remind_at = None
        self._record(SYSTEM, "resumption_reminded",
                     f"批复已下发 {self._policy.resumption_reminder_working_days} 个工作日，提醒企业报告复工情况")

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

    def _sign_off_limits(self) -> tuple[int, int]:
        return self._policy.sign_off_limit_working_days, self._policy.reminder_before_working_days

    def _clock_warning_days(self) -> int:
        return self._policy.decision_warning_working_days

    def _set_experts(self, experts: list[PartySpec]) -> None:
        """The panel joins the roster; departments stay as they are (with any 加签/减签 made earlier)."""
        departments = [p for p in self._case.parties if not cs.is_expert(p.party)]
        if not self._case.parties:
            departments = list(self._start.departments)
        self._case.experts = list(experts)
        self._case.parties = departments + list(experts)

    def _merge_materials(self, materials: list[MaterialRef]) -> None:
        by_kind = {m.kind: m for m in self._case.materials}
        by_kind.update({m.kind: m for m in materials})
        self._case.materials = list(by_kind.values())

    @staticmethod
    def _material_names(kinds: Sequence[MaterialKind]) -> str:
        return "、".join(MATERIAL_NAMES[k] for k in kinds)

    def _pending(self) -> list[Pending]:
        case = self._case
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
                return [Pending(party="enterprise", name=case.enterprise_name or "", role=Role.ENTERPRISE,
                                task="correction", due=due.due if due else None, due_at=due.due_at if due else None)]
            case Stage.JOINT_ACCEPTANCE:
                return self._countersign_pending()
            case Stage.RECTIFICATION:
                return [Pending(party="enterprise", name=case.enterprise_name or "", role=Role.ENTERPRISE,
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
                return [Pending(party="enterprise", name=case.enterprise_name or "", role=Role.ENTERPRISE,
                                task="resumption")]
            case Stage.CITY_FILING:
                return [Pending(party="city_nr", name="市自然资源局", role=Role.CITY_NR, task="city_filing",
                                overdue=self._filing_escalated)]
        return []
