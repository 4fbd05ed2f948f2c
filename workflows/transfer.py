"""TransferWorkflow — 采矿权转让, 《探矿权采矿权转让管理办法》(国务院令第242号).

共同申请 (转让人提交，受让人确认) → 受理审查/补正 (第八条材料) → 县三重一大 (seed 000 §二(三)) → 市政府会议（市级发证）
→ 准予或不准转让 (第十条: 40 日内；不准转让的说明理由) → 变更登记 (批准通知之日起 60 日内，否则批准失效) → 市局备案.

The decision clock counts natural days from receipt (the day both parties have applied) and stops during 补正.
The registry's holder changes in the registration activity, keyed by the case: exactly once under retries.
"""

from datetime import date, datetime
from typing import ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from documents.kinds import DocumentKind
    from domain.calendar import local_date
    from domain.cases import Status
    from domain.errors import ErrorCode
    from domain.rights import (
        AUTHORITY_NAMES,
        EXTENSION_CLAUSE,
        PAUSE_CLAUSE,
        PAUSE_NAMES,
        TRANSFER_CLOCK_RUNS_IN,
        TRANSFER_CONDITIONS,
        TRANSFER_DECISION_CLAUSE,
        TRANSFER_DOC_TYPE,
        TRANSFER_MATERIAL_NAMES,
        TRANSFER_STAGE_NAMES,
        TRANSFER_WITHDRAWABLE,
        AuthorityLevel,
        TransferFacts,
        TransferMaterial,
        condition_text,
        failed_transfer_conditions,
        required_transfer_materials,
    )
    from domain.rights import TransferStage as Stage
    from domain.roles import Role
    from models.cases import Actor, Clock, DocumentNumberRequest, Pending
    from models.reopening import CityFilingInput, CityFilingRequest, WithdrawInput, WithdrawRequest
    from models.rights_cases import (
        ChangeHolderInput,
        ConditionResult,
        ExtendInput,
        ExtendRequest,
        Extension,
        NoteInput,
        NoteRequest,
        Pause,
        PauseInput,
        PauseRequest,
        TransferCorrectionInput,
        TransferCorrectionRequest,
        TransferDecisionInput,
        TransferDecisionRequest,
        TransfereeConfirmInput,
        TransfereeConfirmRequest,
        TransferReviewInput,
        TransferReviewRequest,
        TransferStart,
        TransferView,
    )

from workflows.parts import calls, clock, rights_calls
from workflows.parts.actions import Queued, Refusal, action, post
from workflows.parts.engine import SYSTEM, Alarm, CaseEnded
from workflows.parts.meetings import MeetingSteps
from workflows.parts.refusal import refusal

NR = {Role.COUNTY_NR, Role.CITY_NR}


@workflow.defn
class TransferWorkflow(MeetingSteps):
    CLOCK_RUNS_IN: ClassVar = TRANSFER_CLOCK_RUNS_IN
    STAGE_NAMES: ClassVar = TRANSFER_STAGE_NAMES

    @workflow.init
    def __init__(self, start: TransferStart) -> None:
        self._init_engine()
        now = workflow.now()
        right, policy = start.right, start.policy
        self._start, self._policy = start, policy
        self._correction_due_at = None
        self._correction_from: datetime | None = None  # when the 补正 period started (re-planned from there)
        self._filing_next = None
        self._paused_from: Stage | None = None
        self._registration_remind_at: datetime | None = None
        self._case = TransferView(
            case_id=start.case_id, title=f"{right.mine_name} 采矿权转让", mine_id=right.mine_id,
            mine_name=right.mine_name, licence_no=right.licence_no, enterprise_id=start.transferor_id,
            enterprise_name=start.transferor_name, division_code=right.division_code,
            division_name=right.division_name, city_code=right.city_code, stage=Stage.JOINT_APPLICATION,
            status=Status.ACTIVE, submitted_at=now, updated_at=now,
            clock=Clock(limit_days=policy.decision_days, calendar_days=True),
            right_id=right.right_id, right_licence_no=right.licence_no, authority_level=right.authority_level,
            transferor_enterprise_id=start.transferor_id, transferor_name=start.transferor_name,
            transferee_enterprise_id=start.transferee_id, transferee_name=start.transferee_name,
            reason=start.reason, price_wan_yuan=start.price_wan_yuan, evidence=start.evidence,
            materials=list(start.materials),
        )
        self._case.conditions = self._conditions(local_date(now))

    # ---- the procedure ---------------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: TransferStart) -> TransferView:
        self._carry(start, start.applicant)
        self._record(start.applicant, "submitted",
                     f"转让人{start.transferor_name}提交采矿权转让申请，受让人{start.transferee_name}：{start.reason}",
                     materials=[m.kind.value for m in start.materials])
        try:
            await self._joint_application()
            await self._review()
            await self._committee_review(Stage.COMMITTEE_REVIEW, lambda actor, reason: self._refuse(actor, [reason]))
            if self._case.authority_level is AuthorityLevel.CITY:
                await self._city_meeting(Stage.CITY_MEETING, lambda actor, reason: self._refuse(actor, [reason]))
            await self._decision()
            await self._registration()
            if self._case.authority_level is AuthorityLevel.COUNTY:
                await self._city_filing()
            self._case.stage = Stage.COMPLETED
            await self._close(Status.COMPLETED, "采矿权转让办结", end=False)
        except CaseEnded:
            pass
        await self._finish()
        return self._view()

    async def _joint_application(self) -> None:
        """第十条 counts from receipt of the application: the transferor and the transferee apply together, so
        the case is received when the transferee confirms."""
        await self._enter(Stage.JOINT_APPLICATION)
        confirm: TransfereeConfirmInput = await self._next(self.transferee_confirm)
        self._case.received_at = self._now()
        self._record(confirm.actor, "transferee_confirmed",
                     f"受让人{self._case.transferee_name}确认共同申请，申请已收到，{TRANSFER_DECISION_CLAUSE}规定的"
                     f"{self._policy.decision_days}日审批期限起算。{confirm.note}")

    async def _review(self) -> None:
        """受理审查: the 第八条 documents; everything missing at once (行政许可法 第三十二条)."""
        while True:
            await self._enter(Stage.REVIEW)
            review: TransferReviewInput = await self._next(self.review)
            if review.decision == "accept":
                self._record(review.actor, "review_accepted", f"申请材料齐全，受理并提请集体研究。{review.note}")
                self._issue(DocumentKind.ACCEPTANCE_NOTICE)
                return
            self._case.missing = list(dict.fromkeys(review.missing))
            self._record(review.actor, "correction_requested",
                         f"一次性告知需补正材料：{self._names(self._case.missing)}（期间停止计算审批期限）。{review.note}",
                         missing=[m.value for m in self._case.missing])
            self._issue(DocumentKind.CORRECTION_NOTICE)
            await self._correction()

    async def _correction(self) -> None:
        await self._enter(Stage.CORRECTION)
        self._correction_from = self._now()
        plan = await calls.plan_deadline(self._correction_from, self._policy.correction_days, calendar_days=True)
        self._case.correction_due_at = self._correction_due_at = plan.due_at
        correction: TransferCorrectionInput = await self._next(self.correction)
        by_kind = {m.kind: m for m in self._case.materials}
        by_kind.update({m.kind: m for m in correction.materials})
        self._case.materials = list(by_kind.values())
        if correction.evidence is not None:
            self._case.evidence = correction.evidence
            self._case.conditions = self._conditions(local_date(self._now()))
        self._record(correction.actor, "corrected",
                     f"提交补正材料：{self._names([m.kind for m in correction.materials])}。{correction.note}",
                     materials=[m.kind.value for m in correction.materials])
        self._case.missing, self._case.correction_due_at, self._correction_due_at = [], None, None

    async def _decision(self) -> None:
        await self._enter(Stage.DECISION)
        decision: TransferDecisionInput = await self._next(self.decision)
        if decision.decision == "refuse":
            # 第十条: reasons stated — every unmet condition with its clause, then the bureau's own reasons
            failed = [c for c in self._conditions(local_date(self._now())) if not c.met]
            await self._refuse(decision.actor, [f"不符合“{c.name}”（{c.clause}）" for c in failed]
                               + [r for r in decision.reasons])
        now = self._now()
        right = self._start.right
        issued = await calls.issue_document_number(DocumentNumberRequest(
            case_id=self._case.case_id, purpose="transfer_approval", division_code=right.authority_code,
            county_short_name=right.authority_short_name, doc_type=TRANSFER_DOC_TYPE, year=local_date(now).year))
        self._case.document_no = issued.doc_no
        self._case.decision, self._case.decided_at = "approved", now
        await clock.stop(self._case.clock, now)
        plan = await calls.plan_deadline(now, self._policy.registration_days, self._policy.registration_reminder_days,
                                         calendar_days=True)
        self._registration_remind_at = plan.remind_at
        self._case.registration_due, self._case.registration_due_at = plan.due, plan.due_at
        self._record(decision.actor, "approved",
                     f"准予转让（{issued.doc_no}，{TRANSFER_DECISION_CLAUSE}），转让合同自批准之日起生效。"
                     f"转让人和受让人应于 {plan.due} 前到原发证机关办理变更登记，逾期批准失效。{decision.note}",
                     registration_due=str(plan.due), document_no=issued.doc_no)
        self._issue(DocumentKind.TRANSFER_APPROVAL)

    async def _registration(self) -> None:
        """变更登记: the registry's holder changes, exactly once (the activity is keyed by the case)."""
        await self._enter(Stage.REGISTRATION)
        registration: NoteInput = await self._next(self.registration)
        result = await rights_calls.change_right_holder(ChangeHolderInput(
            case_id=self._case.case_id, right_id=self._case.right_id,
            to_enterprise_id=self._case.transferee_enterprise_id, by_username=registration.actor.username,
            reason=f"采矿权转让（{self._case.case_id}）"))
        self._case.registered_at = self._now()
        self._case.registration_due_at = None
        self._record(registration.actor, "registered",
                     f"办理变更登记：采矿权 {self._case.right_licence_no} 的矿业权人由"
                     f"{self._case.transferor_name}变更为{self._case.transferee_name}。{registration.note}",
                     history_id=result.history_id)
        if self._case.authority_level is AuthorityLevel.COUNTY:
            self._record(registration.actor, "filing_sent", "转让审批结果报市自然资源局备案")

    async def _city_filing(self) -> None:
        await self._enter(Stage.CITY_FILING)
        await self._plan_filing_reminder()
        ack: CityFilingInput = await self._next(self.city_filing)
        self._filing_next = None
        self._record(ack.actor, "filing_acknowledged", f"市自然资源局确认备案。{ack.note}")

    async def _refuse(self, actor: Actor, reasons: list[str]) -> None:
        """不准转让: the case closes with its reasons (第十条: 不准转让的，审批管理机关应当说明理由)."""
        self._case.decision, self._case.decided_at = "refused", self._now()
        self._case.refusal_reasons = reasons
        self._case.stage = Stage.REFUSED
        text = "；".join(reasons)
        self._record(actor, "refused", f"不准转让，理由：{text}", reasons=reasons)
        self._issue(DocumentKind.TRANSFER_REFUSAL)
        await self._close(Status.REJECTED, f"不准转让：{text}")

    # ---- the actions (the meetings come with MeetingSteps) -------------------------------------------------------

    def _authority_role(self) -> Role:
        """The bureau that issued the right decides and registers (国发〔2012〕52号)."""
        return Role.CITY_NR if self._case.authority_level is AuthorityLevel.CITY else Role.COUNTY_NR

    def _is_authority(self, actor: Actor) -> Refusal:
        if actor.role is not self._authority_role():
            name = "市自然资源局" if self._authority_role() is Role.CITY_NR else "县自然资源局"
            return refusal(ErrorCode.WRONG_AUTHORITY,
                           f"该采矿权为{AUTHORITY_NAMES[self._case.authority_level]}发证，由{name}办理",
                           authority_level=self._case.authority_level.value)
        return None

    def _is_transferee(self, actor: Actor) -> Refusal:
        if actor.enterprise_id != self._case.transferee_enterprise_id:
            return refusal(ErrorCode.NOT_YOUR_CASE, "只有受让人可以确认共同申请")
        return None

    @action("确认共同申请", roles={Role.ENTERPRISE}, stages={Stage.JOINT_APPLICATION}, single=True,
            guard=_is_transferee, answers={"transferee_confirm"}, request=TransfereeConfirmRequest,
            route=post("/cases/{case_id}/transferee-confirmation", "受让人确认共同申请（审批期限自此起算）"))
    def transferee_confirm(self, inp: TransfereeConfirmInput, _queued: Queued) -> Refusal:
        """Only the transferee named in the application confirms it."""
        return None

    @action("受理审查", roles={Role.COUNTY_NR}, stages={Stage.REVIEW}, single=True, answers={"review"},
            request=TransferReviewRequest,
            route=post("/cases/{case_id}/transfer-review",
                       "县自然资源局受理审查转让申请或一次性告知补正（补正期间期限停止）"))
    def review(self, inp: TransferReviewInput, _queued: Queued) -> Refusal:
        """受理 needs every 第八条 document; 补正 lists what is missing, all at once."""
        if inp.decision == "request_correction":
            return None if inp.missing else refusal(ErrorCode.CORRECTION_LIST_EMPTY)
        if lacking := self._lacking():
            return refusal(ErrorCode.MATERIALS_MISSING,
                           f"申请材料不齐全（国务院令第242号 第八条），请一次性告知补正：{self._names(lacking)}",
                           missing=[m.value for m in lacking])
        return None

    @action("提交补正材料", roles={Role.ENTERPRISE}, stages={Stage.CORRECTION}, single=True, answers={"correction"},
            request=TransferCorrectionRequest,
            route=post("/cases/{case_id}/transfer-corrections", "转让人或受让人提交补正材料（审批期限恢复计算）"))
    def correction(self, inp: TransferCorrectionInput, _queued: Queued) -> Refusal:
        """Every material the notice listed."""
        if uncovered := [k for k in self._case.missing if k not in {m.kind for m in inp.materials}]:
            return refusal(ErrorCode.MATERIALS_MISSING, f"补正材料不齐全，尚缺：{self._names(uncovered)}",
                           missing=[k.value for k in uncovered])
        return None

    @action("作出转让审批决定", roles=NR, stages={Stage.DECISION}, single=True, guard=_is_authority,
            answers={"decision"}, request=TransferDecisionRequest,
            route=post("/cases/{case_id}/transfer-decision",
                       "登记管理机关作出准予或不准转让的决定（不准转让须说明理由；准予的须符合第六条转让条件）"))
    def decision(self, inp: TransferDecisionInput, _queued: Queued) -> Refusal:
        """A refusal states its reasons (第十条); an approval needs every 第六条/第七条 condition met."""
        if inp.decision == "refuse":
            return None if inp.reasons else refusal(ErrorCode.REFUSAL_REASONS_REQUIRED)
        failed = [c.condition for c in self._conditions(local_date(self._now())) if not c.met]
        if failed:
            return refusal(ErrorCode.TRANSFER_CONDITION_NOT_MET, f"不能准予转让：{condition_text(failed)}",
                           conditions=[{"condition": c.value, "name": TRANSFER_CONDITIONS[c].name,
                                        "clause": TRANSFER_CONDITIONS[c].clause} for c in failed])
        return None

    @action("延长办理期限", roles=NR, stages=TRANSFER_CLOCK_RUNS_IN, guard=_is_authority, request=ExtendRequest,
            route=post("/cases/{case_id}/deadline-extensions",
                       "经负责人批准延长审批期限（行政许可法第四十二条，留痕）"))
    def extend(self, inp: ExtendInput, queued: Queued) -> Refusal:
        """Extensions together stay within the policy's limit."""
        used = self._case.clock.extended_days + sum(t.payload.days for t in queued if t.kind == "extend")
        if used + inp.days > self._policy.max_extension_days:
            return refusal(ErrorCode.EXTENSION_NOT_ALLOWED,
                           f"延长期限合计不得超过 {self._policy.max_extension_days} 日（{EXTENSION_CLAUSE}），"
                           f"已延长 {used} 日", max_days=self._policy.max_extension_days, extended=used)
        return None

    @extend.applies
    async def _extended(self, inp: ExtendInput) -> None:
        now = self._now()
        await clock.extend(self._case.clock, inp.days, now, self._policy.warning_days)
        self._case.deadline = self._case.clock.deadline
        self._case.extensions.append(Extension(days=inp.days, head_approval_ref=inp.head_approval_ref,
                                               reason=inp.reason, by=inp.actor.username, at=now))
        self._record(inp.actor, "deadline_extended",
                     f"经本机关负责人批准（{inp.head_approval_ref}）延长办理期限 {inp.days} 日，新期限 "
                     f"{self._case.clock.deadline}（{EXTENSION_CLAUSE}）：{inp.reason}",
                     days=inp.days, head_approval_ref=inp.head_approval_ref, deadline=str(self._case.clock.deadline))

    @action("办理变更登记", roles=NR, stages={Stage.REGISTRATION}, single=True, guard=_is_authority,
            answers={"registration"}, request=NoteRequest,
            route=post("/cases/{case_id}/change-registration", "办理转让变更登记（登记簿矿业权人随之变更，仅一次）"))
    def registration(self, inp: NoteInput, _queued: Queued) -> Refusal:
        """By the bureau that issued the right, within the registration period."""
        return None

    @action("确认备案", roles={Role.CITY_NR}, stages={Stage.CITY_FILING}, single=True, answers={"city_filing"},
            request=CityFilingRequest, route=post("/cases/{case_id}/city-filing", "市自然资源局确认备案（案件办结）"))
    def city_filing(self, inp: CityFilingInput, _queued: Queued) -> Refusal:
        """The city acknowledges a county's transfer."""
        return None

    @action("撤回申请", roles={Role.ENTERPRISE}, stages=TRANSFER_WITHDRAWABLE, single=True, danger=True,
            request=WithdrawRequest, route=post("/cases/{case_id}/withdraw", "企业撤回申请（批复前）"))
    def withdraw(self, inp: WithdrawInput, _queued: Queued) -> Refusal:
        """Either party, before the decision."""
        return None

    @withdraw.applies
    async def _withdrawn(self, inp: WithdrawInput) -> None:
        self._record(inp.actor, "withdrawn", f"撤回转让申请：{inp.reason}")
        await self._close(Status.WITHDRAWN, f"撤回转让申请：{inp.reason}")

    @action("中止计算审批期限", roles=NR, stages=TRANSFER_CLOCK_RUNS_IN, single=True, request=PauseRequest,
            route=post("/cases/{case_id}/clock-pauses",
                       "听证、专家评审、评估期间中止计算审批期限（行政许可法第四十五条）"))
    def pause(self, inp: PauseInput, _queued: Queued) -> Refusal:
        """While the clock runs."""
        return None

    @pause.applies
    async def _paused(self, inp: PauseInput) -> None:
        """听证、专家评审、评估: their time is not counted (行政许可法 第四十五条); the clock stops until resumed."""
        self._paused_from = Stage(self._case.stage)
        self._case.pauses.append(Pause(kind=inp.kind, reason=inp.reason, by=inp.actor.username,
                                       by_role=inp.actor.role, started_at=self._now()))
        await self._enter(Stage.SUSPENDED)
        c = self._case.clock
        self._record(inp.actor, "clock_paused",
                     f"{PAUSE_NAMES[inp.kind]}期间不计入审批期限（{PAUSE_CLAUSE}），期限中止（已用 {c.used_days} 日，"
                     f"尚余 {clock.days_left(c)} 日）：{inp.reason}", kind=inp.kind.value, used_days=c.used_days,
                     days_left=clock.days_left(c))

    @action("恢复计算审批期限", roles=NR, stages={Stage.SUSPENDED}, single=True, answers={"resume"},
            request=NoteRequest,
            route=post("/cases/{case_id}/clock-resumption", "听证、专家评审等结束，恢复计算审批期限"))
    def resume(self, inp: NoteInput, _queued: Queued) -> Refusal:
        """When the hearing or review is over."""
        return None

    @resume.applies
    async def _resumed(self, inp: NoteInput) -> None:
        self._case.pauses[-1].ended_at = self._now()
        await self._enter(self._paused_from or Stage.REVIEW)
        self._paused_from = None
        self._record(inp.actor, "clock_resumed", f"恢复计算审批期限，新期限 {self._case.clock.deadline}。{inp.note}",
                     deadline=str(self._case.clock.deadline))

    # ---- alarms ------------------------------------------------------------------------------------------------

    async def _replan_deadlines(self) -> None:
        """After a year's arrangement was loaded: the natural-day 补正 and 变更登记 periods end on a working day by
        the new table (民法典 第二百零三条), planned again from when they started."""
        case = self._case
        if case.stage is Stage.CORRECTION and self._correction_due_at is not None and self._correction_from:
            plan = await calls.plan_deadline(self._correction_from, self._policy.correction_days, calendar_days=True)
            case.correction_due_at = self._correction_due_at = plan.due_at
        if case.registration_due_at is not None and case.decided_at is not None:
            before = case.registration_due
            plan = await calls.plan_deadline(case.decided_at, self._policy.registration_days,
                                             self._policy.registration_reminder_days, calendar_days=True)
            if self._registration_remind_at is not None:  # not yet reminded
                self._registration_remind_at = plan.remind_at
            case.registration_due, case.registration_due_at = plan.due, plan.due_at
            if plan.due != before:
                self._record(SYSTEM, "deadline_replanned",
                             f"已按国务院办公厅公布的节假日安排重新推算变更登记期限：{before} → {plan.due}",
                             before=str(before), registration_due=str(plan.due))

    def _alarms(self) -> list[Alarm]:
        case, alarms = self._case, self._clock_alarms()
        if case.stage is Stage.CORRECTION and self._correction_due_at is not None:
            alarms.append((self._correction_due_at, self._correction_timed_out))
        if case.stage is Stage.REGISTRATION and case.registration_due_at is not None:
            alarms.append((case.registration_due_at, self._registration_lapsed))
            if self._registration_remind_at is not None:
                alarms.append((self._registration_remind_at, self._registration_reminder))
        if case.stage is Stage.CITY_FILING and self._filing_next is not None:
            alarms.append((self._filing_next, self._filing_reminder))
        return alarms

    async def _clock_exceeded(self) -> None:
        self._case.clock.exceeded = True
        self._record(SYSTEM, "escalated", f"转让审批期限（自收到申请之日起{self._case.clock.limit_days}日，"
                     f"{TRANSFER_DECISION_CLAUSE}）已届满仍未作出决定，已报督查组",
                     deadline=str(self._case.clock.deadline), to=["supervisor"])

    async def _clock_warning(self) -> None:
        self._case.clock.warned = True
        self._record(SYSTEM, "deadline_warning", f"转让审批期限将于 {self._case.clock.deadline} 届满，请及时作出决定",
                     deadline=str(self._case.clock.deadline), to=["county_nr", "city_nr"])

    def _clock_warning_days(self) -> int:
        return self._policy.warning_days

    async def _correction_timed_out(self) -> None:
        self._record(SYSTEM, "correction_timed_out",
                     f"申请人逾期（{self._policy.correction_days}日）未提交补正材料，视为撤回申请")
        await self._close(Status.WITHDRAWN, "逾期未补正，视为撤回申请")

    async def _registration_reminder(self) -> None:
        self._registration_remind_at = None
        self._record(SYSTEM, "registration_reminded",
                     f"提醒转让人和受让人于 {self._case.registration_due} 前办理变更登记，逾期批准转让失效",
                     due=str(self._case.registration_due),
                     enterprises=[self._case.transferor_enterprise_id, self._case.transferee_enterprise_id])

    async def _registration_lapsed(self) -> None:
        self._case.stage = Stage.LAPSED
        self._record(SYSTEM, "approval_lapsed",
                     f"转让人和受让人未在批准之日起 {self._policy.registration_days} 日内办理变更登记，批准转让失效"
                     f"（{TRANSFER_DECISION_CLAUSE}）")
        await self._close(Status.REJECTED, "逾期未办理变更登记，批准转让失效")

    async def _filing_reminder(self) -> None:
        self._record(SYSTEM, "filing_reminded", "提醒市自然资源局确认备案")
        await self._plan_filing_reminder()

    async def _plan_filing_reminder(self) -> None:
        plan = await calls.plan_deadline(self._now(), self._policy.filing_reminder_days, calendar_days=True)
        self._filing_next = plan.due_morning

    # ---- state helpers ----------------------------------------------------------------------------------------

    def _conditions(self, today: date) -> list[ConditionResult]:
        start, evidence = self._start, self._case.evidence
        facts = TransferFacts(
            production_started_on=evidence.production_started_on or start.right.production_started_on,
            ownership_dispute=start.right.ownership_dispute, fees_paid=evidence.fees_paid,
            transferee_qualified=evidence.transferee_qualified, state_owned=start.right.state_owned,
            supervisor_consent=evidence.supervisor_consent, right_valid_to=start.right.valid_to)
        failed = set(failed_transfer_conditions(facts, today))
        applicable = [c for c in TRANSFER_CONDITIONS if c.value != "supervisor_consent" or start.right.state_owned]
        return [ConditionResult(condition=c, name=TRANSFER_CONDITIONS[c].name, clause=TRANSFER_CONDITIONS[c].clause,
                                met=c not in failed) for c in applicable]

    def _lacking(self) -> list[TransferMaterial]:
        have = {m.kind for m in self._case.materials}
        return [m for m in required_transfer_materials(self._start.right.state_owned) if m not in have]

    @staticmethod
    def _names(kinds: list[TransferMaterial]) -> str:
        return "、".join(TRANSFER_MATERIAL_NAMES[k] for k in kinds)

    def _pending(self) -> list[Pending]:
        case = self._case
        clock_due = {"due": case.clock.deadline, "due_at": case.clock.deadline_at, "overdue": case.clock.exceeded}
        county = f"{case.division_name}自然资源局"
        authority = (("市自然资源局", Role.CITY_NR) if case.authority_level is AuthorityLevel.CITY
                     else (county, Role.COUNTY_NR))
        match case.stage:
            case Stage.JOINT_APPLICATION:
                return [Pending(party="transferee", name=case.transferee_name, role=Role.ENTERPRISE,
                                task="transferee_confirm", enterprise_id=case.transferee_enterprise_id)]
            case Stage.REVIEW:
                return [Pending(party="county_nr", name=county, role=Role.COUNTY_NR, task="review", **clock_due)]
            case Stage.CORRECTION:
                return [Pending(party="enterprise", name=case.transferor_name, role=Role.ENTERPRISE, task="correction",
                                due_at=case.correction_due_at,
                                due=local_date(case.correction_due_at) if case.correction_due_at else None)]
            case Stage.COMMITTEE_REVIEW:
                return [Pending(party="committee", name=f"{case.division_name}党委政府（三重一大）",
                                role=Role.COMMITTEE_SECRETARY, task="committee_decision", **clock_due)]
            case Stage.CITY_MEETING:
                meeting = f"{self._start.right.city_name or '市'}人民政府会议（市自然资源局录入）"
                return [Pending(party="city_nr", name=meeting, role=Role.CITY_NR, task="city_meeting", **clock_due)]
            case Stage.DECISION:
                return [Pending(party=authority[1].value, name=authority[0], role=authority[1], task="decision",
                                **clock_due)]
            case Stage.REGISTRATION:
                return [Pending(party=authority[1].value, name=authority[0], role=authority[1], task="registration",
                                due=case.registration_due, due_at=case.registration_due_at)]
            case Stage.CITY_FILING:
                return [Pending(party="city_nr", name="市自然资源局", role=Role.CITY_NR, task="city_filing")]
            case Stage.SUSPENDED:
                # whoever paused it resumes it: their bureau, whatever their username
                by_role = self._case.pauses[-1].by_role if self._case.pauses else None
                role = by_role if by_role in NR else (
                    Role.CITY_NR if self._paused_from is Stage.CITY_MEETING else Role.COUNTY_NR)
                return [Pending(party=role.value, name="市自然资源局" if role is Role.CITY_NR else county, role=role,
                                task="resume")]
        return []

    def _applicant_enterprises(self) -> set[int]:
        return {self._case.transferor_enterprise_id, self._case.transferee_enterprise_id}

    async def _enter(self, stage: object) -> None:
        await super()._enter(stage)
        self._case.conditions = self._conditions(local_date(self._now()))  # e.g. a year of production reached
        if stage is Stage.CORRECTION:
            self._record(SYSTEM, "clock_stopped",
                         f"补正期间停止计算审批期限（已用 {self._case.clock.used_days} 日，"
                         f"尚余 {clock.days_left(self._case.clock)} 日）",
                         used_days=self._case.clock.used_days, days_left=clock.days_left(self._case.clock))

