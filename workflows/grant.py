"""GrantWorkflow — 矿业权出让 (seed 000 §二(三); seed 002 §03, §04(二)4).

出让前审查 (净矿、规模、服务年限 — at proposal, api/rights_service.py) → 双挂钩一达标 capacity ledger (hook) →
县三重一大 → 市政府会议（市级发证）→ 招拍挂: 公告 → 竞价（挂牌）→ 结果公示 (durable timers in working days;
an objection pauses the 公示 until it is resolved) → 出让合同 → 出让收益 payment by its deadline → 设立登记 issuing
the new right in the registry (exactly once).

Trading may be suspended (中止交易: an ownership dispute, or a bidder's violation not yet dealt with) from the 公告
to the end of the 公示: the running period stops, the other trading actions are refused, and 恢复交易 restarts the
period with the working days it had left.
"""

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from documents.kinds import DocumentKind
    from domain.calendar import local_date
    from domain.cases import Status
    from domain.errors import ErrorCode
    from domain.rights import (
        AUTHORITY_NAMES,
        GRANT_MODE_NAMES,
        GRANT_PERIODS_CLAUSE,
        GRANT_STAGE_NAMES,
        GRANT_SUSPENDABLE,
        GRANT_SUSPENSION_CLAUSE,
        SUSPENSION_REASON_NAMES,
        AuthorityLevel,
    )
    from domain.rights import GrantStage as Stage
    from domain.roles import Role
    from models.cases import Actor, Clock, Pending
    from models.rights_cases import (
        CapacityCheckInput,
        FeePaymentInput,
        FeePaymentRequest,
        GrantContract,
        GrantContractInput,
        GrantContractRequest,
        GrantRegistrationInput,
        GrantRegistrationRequest,
        GrantResult,
        GrantResultInput,
        GrantResultRequest,
        GrantStart,
        GrantView,
        IssueRightInput,
        Objection,
        ObjectionInput,
        ObjectionRequest,
        ObjectionResolutionInput,
        ObjectionResolutionRequest,
        PeriodState,
        ResumeTradingInput,
        ResumeTradingRequest,
        SuspendTradingInput,
        SuspendTradingRequest,
        TradingSuspension,
    )

from workflows.parts import calls, rights_calls
from workflows.parts.actions import Queued, Refusal, action, post
from workflows.parts.engine import SYSTEM, Alarm, CaseEnded
from workflows.parts.meetings import MeetingSteps
from workflows.parts.refusal import refusal

NR = {Role.COUNTY_NR, Role.CITY_NR}
PROVISIONAL_NOTE = "。所涉年度的放假安排尚未公布，暂按临时节假日表计算，公布后请核对"
PERIOD_NAMES = {"announcement": "出让公告期", "bidding": "竞价（挂牌）期", "publicity": "结果公示期"}
PERIOD_OF = {Stage.ANNOUNCEMENT: "announcement", Stage.BIDDING: "bidding", Stage.PUBLICITY: "publicity"}


@workflow.defn
class GrantWorkflow(MeetingSteps):
    STAGE_NAMES: ClassVar = GRANT_STAGE_NAMES

    @workflow.init
    def __init__(self, start: GrantStart) -> None:
        self._init_engine()
        now = workflow.now()
        block = start.block
        self._start, self._policy = start, start.policy
        self._reserved: CapacityCheckInput | None = None  # the capacity this grant holds in the ledger
        self._fee_remind_at: datetime | None = None
        self._fee_from: datetime | None = None  # when the fee period started (re-planned from there)
        self._case = GrantView(
            case_id=start.case_id, title=f"{block.block_name} 采矿权出让（{GRANT_MODE_NAMES[block.mode]}）",
            mine_name=block.block_name, division_code=block.division_code, division_name=start.division_name,
            city_code=start.city_code, stage=Stage.CAPACITY_CHECK, status=Status.ACTIVE, submitted_at=now,
            updated_at=now, clock=Clock(limit_days=0), block=block, authority_level=start.authority_level,
        )

    # ---- the procedure ---------------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: GrantStart) -> GrantView:
        self._carry(start, start.proposer)
        self._record(start.proposer, "proposed",
                     f"提出出让区块：{start.block.block_name}（{start.block.mineral}，"
                     f"{start.block.production_wt:g} 万吨/年，{AUTHORITY_NAMES[start.authority_level]}发证），"
                     f"出让前审查通过：{start.block.reason}")
        try:
            await self._capacity_check()
            await self._committee_review(Stage.COMMITTEE_REVIEW, self._meeting_refused, "出让")
            if self._case.authority_level is AuthorityLevel.CITY:
                await self._city_meeting(Stage.CITY_MEETING, self._meeting_refused, "出让")
            await self._period(Stage.ANNOUNCEMENT, "announcement", self._policy.announcement_working_days)
            await self._period(Stage.BIDDING, "bidding", self._policy.bidding_working_days)
            result: GrantResultInput = await self._next(self.grant_result)
            self._set_result(result)
            await self._publicity()
            await self._contract()
            await self._fee_payment()
            await self._registration()
            self._case.stage = Stage.COMPLETED
            await self._close(Status.COMPLETED, "采矿权出让办结", end=False)
        except CaseEnded:
            pass
        if self._reserved is not None and self._case.status is not Status.COMPLETED:
            await rights_calls.release_capacity(self._reserved)  # no right issued: the capacity goes back
            self._record(SYSTEM, "capacity_released",
                         f"出让未完成，释放产能台账预留的 {self._reserved.production_wt:g} 万吨/年")
        await self._finish()
        return self._view()

    async def _capacity_check(self) -> None:
        """双挂钩一达标 (seed 002 §04(二)4(2)): the block's capacity is reserved in the city's capacity ledger, or
        the ledger refuses the grant with its numbers."""
        await self._enter(Stage.CAPACITY_CHECK)
        block = self._case.block
        request = CapacityCheckInput(case_id=self._case.case_id, division_code=block.division_code,
                                     mineral=block.mineral, production_wt=block.production_wt)
        verdict = await rights_calls.check_capacity_ledger(request)
        self._case.capacity_verdict = verdict.reason or ("通过" if verdict.ok else "不通过")
        if verdict.ok:
            self._reserved = request
        if not verdict.ok:
            self._case.stage = Stage.REFUSED
            self._record(SYSTEM, "capacity_refused", f"不符合双挂钩一达标要求（{verdict.clause}）：{verdict.reason}")
            await self._close(Status.REJECTED, f"产能台账校验未通过：{verdict.reason}（{verdict.clause}）")

    async def _meeting_refused(self, _actor: Actor, reason: str) -> None:
        self._case.stage = Stage.REFUSED
        await self._close(Status.REJECTED, reason)

    # ---- 招拍挂 periods: durable timers in working days --------------------------------------------------------

    async def _period(self, stage: Stage, name: str, working_days: int) -> None:
        await self._enter(stage)
        self._case.period_clock[name] = PeriodState(limit_working_days=working_days)
        await self._run_period(name)
        period = self._case.period_clock[name]
        self._record(SYSTEM, f"{name}_started",
                     f"{PERIOD_NAMES[name]}开始，{working_days} 个工作日，至 {period.ends} 止（{GRANT_PERIODS_CLAUSE}）"
                     + (PROVISIONAL_NOTE if period.provisional else ""),
                     ends=str(period.ends), provisional=period.provisional)
        if name != "bidding":
            await self._wait(until=lambda: self._case.period_clock[name].finished)

    async def _run_period(self, name: str) -> None:
        period = self._case.period_clock[name]
        now = self._now()
        plan = await calls.plan_deadline(now, period.limit_working_days - period.used_working_days)
        period.running_since, period.ends, period.ends_at = now, plan.due, plan.due_at
        period.provisional = plan.provisional
        self._case.period = name
        self._case.deadline = plan.due

    async def _pause_period(self, name: str) -> None:
        period = self._case.period_clock[name]
        if period.running_since is not None:
            period.used_working_days += await calls.count_working_days(period.running_since, self._now())
            period.running_since, period.ends, period.ends_at = None, None, None
            self._case.deadline = None

    def _period_end(self, name: str) -> Callable[[], object]:
        async def fire() -> None:
            period = self._case.period_clock[name]
            period.finished, period.running_since = True, None
            period.used_working_days = period.limit_working_days
            self._case.deadline = None
            self._record(SYSTEM, f"{name}_ended", f"{PERIOD_NAMES[name]}届满（{period.ends}）")
            self._dirty = True
        return fire

    async def _publicity(self) -> None:
        """结果公示: an objection pauses it; dismissed, the 公示 resumes with the working days it had left."""
        await self._start_publicity()
        while True:
            ticket = await self._wait(expect=self.objection,
                                      until=lambda: self._case.period_clock["publicity"].finished)
            if ticket is None:
                return
            self._settling.append(ticket)
            objection: ObjectionInput = ticket.payload
            await self._pause_period("publicity")
            self._case.objections.append(Objection(no=len(self._case.objections) + 1, by=objection.actor.username,
                                                   at=self._now(), objector=objection.objector,
                                                   content=objection.content))
            period = self._case.period_clock["publicity"]
            self._record(objection.actor, "objection_received",
                         f"公示期间收到{objection.objector}的异议，公示暂停"
                         f"（已公示 {period.used_working_days} 个工作日）：{objection.content}",
                         objector=objection.objector)
            await self._enter(Stage.OBJECTION_REVIEW)
            resolution: ObjectionResolutionInput = await self._next(self.objection_resolution)
            current = self._case.objections[-1]
            current.resolution, current.resolved_at, current.resolution_note = (
                resolution.resolution, self._now(), resolution.note)
            if resolution.resolution == "upheld":
                self._record(resolution.actor, "objection_upheld", f"异议成立，出让结果无效：{resolution.note}")
                self._case.stage = Stage.REFUSED
                await self._close(Status.REJECTED, f"公示异议成立，出让结果无效：{resolution.note}")
            left = period.limit_working_days - period.used_working_days
            self._record(resolution.actor, "objection_dismissed",
                         f"异议不成立，恢复公示（尚余 {left} 个工作日）：{resolution.note}")
            await self._enter(Stage.PUBLICITY)
            await self._run_period("publicity")

    async def _start_publicity(self) -> None:
        await self._enter(Stage.PUBLICITY)
        self._case.period_clock["publicity"] = PeriodState(limit_working_days=self._policy.publicity_working_days)
        await self._run_period("publicity")
        self._record(SYSTEM, "publicity_started",
                     f"出让结果公示开始，{self._policy.publicity_working_days} 个工作日，至 "
                     f"{self._case.period_clock['publicity'].ends} 止（{GRANT_PERIODS_CLAUSE}）",
                     ends=str(self._case.period_clock["publicity"].ends))
        self._issue(DocumentKind.GRANT_CONFIRMATION)
        self._issue(DocumentKind.GRANT_PUBLICITY)

    def _set_result(self, result: GrantResultInput) -> None:
        self._case.result = GrantResult(winner_enterprise_id=result.winner_enterprise_id,
                                        winner_name=result.winner_name, price_wan_yuan=result.price_wan_yuan,
                                        recorded_at=self._now())
        # the winner becomes the case's enterprise: it reads the case and finds it in its lists
        self._case.enterprise_id, self._case.enterprise_name = result.winner_enterprise_id, result.winner_name
        self._case.period = None
        self._record(result.actor, "bidding_result",
                     f"竞得人：{result.winner_name}，成交价 {result.price_wan_yuan:g} 万元。{result.note}",
                     winner_enterprise_id=result.winner_enterprise_id, price_wan_yuan=result.price_wan_yuan)

    # ---- after the 公示 ---------------------------------------------------------------------------------------

    async def _contract(self) -> None:
        await self._enter(Stage.CONTRACT)
        self._case.period = None
        contract: GrantContractInput = await self._next(self.grant_contract)
        self._case.contract = GrantContract(contract_no=contract.contract_no, signed_on=contract.signed_on,
                                            fee_wan_yuan=contract.fee_wan_yuan)
        self._record(contract.actor, "contract_signed",
                     f"签订出让合同 {contract.contract_no}（{contract.signed_on}），"
                     f"出让收益 {contract.fee_wan_yuan:g} 万元。{contract.note}", contract_no=contract.contract_no)

    async def _fee_payment(self) -> None:
        await self._enter(Stage.FEE_PAYMENT)
        self._fee_from = self._now()
        plan = await calls.plan_deadline(self._fee_from, self._policy.fee_payment_days, self._policy.fee_reminder_days,
                                         calendar_days=True)
        self._case.fee_due, self._case.fee_due_at = plan.due, plan.due_at
        self._fee_remind_at = plan.remind_at
        self._record(SYSTEM, "fee_due", f"竞得人应于 {plan.due} 前缴纳出让收益，逾期出让失效", due=str(plan.due))
        payment: FeePaymentInput = await self._next(self.fee_payment)
        self._case.fee_paid_at, self._case.fee_due_at = self._now(), None
        self._record(payment.actor, "fee_paid",
                     f"确认竞得人已于 {payment.paid_on} 缴纳出让收益（{payment.receipt_ref}）。{payment.note}",
                     receipt_ref=payment.receipt_ref)

    async def _registration(self) -> None:
        await self._enter(Stage.REGISTRATION)
        registration: GrantRegistrationInput = await self._next(self.grant_registration)
        assert self._case.result is not None
        issued = await rights_calls.issue_mining_right(IssueRightInput(
            case_id=self._case.case_id, licence_no=registration.licence_no, block=self._case.block,
            holder_enterprise_id=self._case.result.winner_enterprise_id, authority_level=self._case.authority_level,
            valid_from=local_date(self._now()), by_username=registration.actor.username))
        self._case.right_id, self._case.right_licence_no = issued.right_id, issued.licence_no
        self._case.licence_no = issued.licence_no
        self._record(registration.actor, "right_issued",
                     f"办理采矿权设立登记，颁发采矿许可证 {issued.licence_no}，"
                     f"采矿权人：{self._case.result.winner_name}。{registration.note}",
                     right_id=issued.right_id, licence_no=issued.licence_no)

    # ---- the actions (the meetings come with MeetingSteps) -------------------------------------------------------

    def _authority_role(self) -> Role:
        return Role.CITY_NR if self._case.authority_level is AuthorityLevel.CITY else Role.COUNTY_NR

    def _is_authority(self, actor: Actor) -> Refusal:
        """The bureau that will issue the right runs the grant."""
        if actor.role is not self._authority_role():
            name = "市自然资源局" if self._authority_role() is Role.CITY_NR else "县自然资源局"
            return refusal(ErrorCode.WRONG_AUTHORITY,
                           f"该区块为{AUTHORITY_NAMES[self._case.authority_level]}发证，由{name}办理",
                           authority_level=self._case.authority_level.value)
        return None

    def _suspended(self) -> Refusal:
        """While trading is suspended, nothing of the trading goes on until it is resumed."""
        if not self._case.suspended:
            return None
        current = self._case.suspensions[-1]
        return refusal(ErrorCode.TRADING_SUSPENDED,
                       f"矿业权交易已于 {local_date(current.started_at)} 因{current.reason_name}中止"
                       f"（{GRANT_SUSPENSION_CLAUSE}），恢复交易后方可办理", reason=current.reason.value)

    def _trading(self, actor: Actor) -> Refusal:
        """The issuing bureau, while trading is not suspended."""
        return self._is_authority(actor) or self._suspended()

    def _trading_suspended(self, actor: Actor) -> Refusal:
        """The issuing bureau, while trading is suspended."""
        if (wrong := self._is_authority(actor)) is not None:
            return wrong
        if not self._case.suspended:
            return refusal(ErrorCode.TRADING_NOT_SUSPENDED)
        return None

    @action("录入竞得结果", roles=NR, stages={Stage.BIDDING}, single=True, guard=_trading,
            answers={"grant_result"}, request=GrantResultRequest,
            route=post("/cases/{case_id}/grant-result", "竞价期届满后录入竞得人与成交价（随后进入结果公示）"))
    def grant_result(self, inp: GrantResultInput, _queued: Queued) -> Refusal:
        """Only once the bidding period has ended."""
        period = self._case.period_clock.get("bidding")
        if period is None or not period.finished:
            return refusal(ErrorCode.PERIOD_NOT_ENDED,
                           f"竞价（挂牌）期至 {period.ends if period else ''} 止，届满后方可确定竞得人",
                           ends=str(period.ends) if period else None)
        return None

    @action("登记公示异议", roles=NR, stages={Stage.PUBLICITY}, single=True, guard=_trading,
            request=ObjectionRequest,
            route=post("/cases/{case_id}/objections", "登记公示期间收到的异议（公示暂停，待异议处理）"))
    def objection(self, inp: ObjectionInput, _queued: Queued) -> Refusal:
        """During the 公示: it pauses until the objection is resolved."""
        return None

    @action("中止交易", roles=NR, stages=GRANT_SUSPENDABLE, single=True, guard=_trading,
            request=SuspendTradingRequest,
            route=post("/cases/{case_id}/trading-suspension",
                       "权属争议或竞买人违法违规行为尚未处理时中止交易（公告、挂牌、公示期间停止计算）"))
    def suspend_trading(self, inp: SuspendTradingInput, _queued: Queued) -> Refusal:
        """From the 公告 to the end of the 公示, once at a time."""
        return None

    @suspend_trading.applies
    async def _suspend(self, inp: SuspendTradingInput) -> None:
        """The running period stops (its working days so far kept); the case waits on the bureau to resume."""
        case = self._case
        name = PERIOD_OF[Stage(case.stage)]
        period = case.period_clock[name]
        await self._pause_period(name)
        reason = SUSPENSION_REASON_NAMES[inp.reason]
        case.suspended = True
        case.suspensions.append(TradingSuspension(
            reason=inp.reason, reason_name=reason, note=inp.note, stage=str(case.stage), period=name,
            by=inp.actor.username, by_role=inp.actor.role, started_at=self._now(),
            used_working_days=period.used_working_days))
        if period.finished:
            clock_text = f"{PERIOD_NAMES[name]}已届满，暂停确定竞得人"
        else:
            clock_text = (f"{PERIOD_NAMES[name]}停止计算（已计 {period.used_working_days} 个工作日，尚余 "
                          f"{period.limit_working_days - period.used_working_days} 个工作日）")
        self._record(inp.actor, "trading_suspended",
                     f"因{reason}中止交易（{GRANT_SUSPENSION_CLAUSE}），{clock_text}：{inp.note}",
                     reason=inp.reason.value, period=name, used_working_days=period.used_working_days)

    @action("恢复交易", roles=NR, stages=GRANT_SUSPENDABLE, single=True, guard=_trading_suspended,
            answers={"resume_trading"}, request=ResumeTradingRequest,
            route=post("/cases/{case_id}/trading-resumption", "中止原因消除后恢复交易（期间按尚余工作日继续计算）"))
    def resume_trading(self, inp: ResumeTradingInput, _queued: Queued) -> Refusal:
        """Once the dispute is resolved or the violation dealt with."""
        return None

    @resume_trading.applies
    async def _resume(self, inp: ResumeTradingInput) -> None:
        """The stopped period runs again with the working days it had left."""
        case = self._case
        current = case.suspensions[-1]
        current.ended_at, current.resumed_by, current.resume_note = self._now(), inp.actor.username, inp.note
        case.suspended = False
        name = current.period
        period = case.period_clock[name]
        if period.finished:
            self._record(inp.actor, "trading_resumed", f"中止原因已消除，恢复交易：{inp.note}", period=name)
            return
        left = period.limit_working_days - period.used_working_days
        await self._run_period(name)
        self._record(inp.actor, "trading_resumed",
                     f"中止原因已消除，恢复交易：{inp.note.rstrip('。 ')}。{PERIOD_NAMES[name]}继续计算，尚余 {left} "
                     f"个工作日，至 {period.ends} 止" + (PROVISIONAL_NOTE if period.provisional else ""),
                     period=name, ends=str(period.ends), provisional=period.provisional)

    @action("处理公示异议", roles=NR, stages={Stage.OBJECTION_REVIEW}, single=True, guard=_is_authority,
            answers={"objection_resolution"}, request=ObjectionResolutionRequest,
            route=post("/cases/{case_id}/objection-resolution", "处理公示异议：成立则出让结果无效，不成立则恢复公示"))
    def objection_resolution(self, inp: ObjectionResolutionInput, _queued: Queued) -> Refusal:
        """Upheld ends the grant; dismissed resumes the 公示."""
        return None

    @action("录入出让合同", roles=NR, stages={Stage.CONTRACT}, single=True, guard=_is_authority,
            answers={"grant_contract"}, request=GrantContractRequest,
            route=post("/cases/{case_id}/grant-contract", "录入出让合同（起算出让收益缴纳期限）"))
    def grant_contract(self, inp: GrantContractInput, _queued: Queued) -> Refusal:
        """After the 公示."""
        return None

    @action("确认缴纳出让收益", roles=NR, stages={Stage.FEE_PAYMENT}, single=True, guard=_is_authority,
            answers={"fee_payment"}, request=FeePaymentRequest,
            route=post("/cases/{case_id}/fee-payment", "确认竞得人已缴纳出让收益"))
    def fee_payment(self, inp: FeePaymentInput, _queued: Queued) -> Refusal:
        """Paid today at the latest."""
        if inp.paid_on > local_date(self._now()):
            return refusal(ErrorCode.DATE_INVALID, "缴款日期不能晚于今天", paid_on=str(inp.paid_on))
        return None

    @action("采矿权设立登记", roles=NR, stages={Stage.REGISTRATION}, single=True, guard=_is_authority,
            answers={"grant_registration"}, request=GrantRegistrationRequest,
            route=post("/cases/{case_id}/grant-registration", "采矿权设立登记：登记簿新增该采矿权（仅一次），案件办结"))
    def grant_registration(self, inp: GrantRegistrationInput, _queued: Queued) -> Refusal:
        """The registry issues the right once (its licence number is checked free by the API)."""
        return None

    # ---- alarms ------------------------------------------------------------------------------------------------

    async def _replan_deadlines(self) -> None:
        """After a year's arrangement was loaded: a running 公告/挂牌/公示 period is counted again from now (days used
        kept), and the natural-day fee period ends on a working day by the new table (民法典 第二百零三条)."""
        case = self._case
        for name, period in case.period_clock.items():
            if period.running_since is None or period.finished:
                continue
            before = period.ends
            await self._pause_period(name)
            await self._run_period(name)
            if period.ends != before:
                self._record(SYSTEM, "deadline_replanned",
                             f"已按国务院办公厅公布的节假日安排重新推算{PERIOD_NAMES[name]}：{before} → {period.ends}",
                             period=name, before=str(before), ends=str(period.ends), provisional=period.provisional)
        if case.stage is Stage.FEE_PAYMENT and case.fee_due_at is not None and self._fee_from is not None:
            before_due = case.fee_due
            plan = await calls.plan_deadline(self._fee_from, self._policy.fee_payment_days,
                                             self._policy.fee_reminder_days, calendar_days=True)
            if self._fee_remind_at is not None:  # not yet reminded
                self._fee_remind_at = plan.remind_at
            case.fee_due, case.fee_due_at = plan.due, plan.due_at
            if plan.due != before_due:
                self._record(SYSTEM, "deadline_replanned",
                             f"已按国务院办公厅公布的节假日安排重新推算出让收益缴纳期限：{before_due} → {plan.due}",
                             before=str(before_due), fee_due=str(plan.due))

    def _alarms(self) -> list[Alarm]:
        alarms: list[Alarm] = []
        for name, period in self._case.period_clock.items():
            if period.running_since is not None and period.ends_at is not None and not period.finished:
                alarms.append((period.ends_at, self._period_end(name)))  # type: ignore[arg-type]
        if self._case.stage is Stage.FEE_PAYMENT and self._case.fee_due_at is not None:
            alarms.append((self._case.fee_due_at, self._fee_overdue))
            if self._fee_remind_at is not None:
                alarms.append((self._fee_remind_at, self._fee_reminder))
        return alarms

    async def _fee_reminder(self) -> None:
        self._fee_remind_at = None
        winner = [self._case.result.winner_enterprise_id] if self._case.result else []
        self._record(SYSTEM, "fee_reminded", f"提醒竞得人于 {self._case.fee_due} 前缴纳出让收益，逾期出让失效",
                     due=str(self._case.fee_due), enterprises=winner)

    async def _fee_overdue(self) -> None:
        self._case.stage = Stage.LAPSED
        self._record(SYSTEM, "fee_overdue", f"竞得人逾期（{self._policy.fee_payment_days}日）未缴纳出让收益，出让失效")
        await self._close(Status.REJECTED, "逾期未缴纳出让收益，出让失效")

    # ---- who the case waits on -----------------------------------------------------------------------------------

    def _pending(self) -> list[Pending]:
        case = self._case
        role = self._authority_role()
        name = "市自然资源局" if role is Role.CITY_NR else f"{case.division_name}自然资源局"
        if case.suspended and case.stage in GRANT_SUSPENDABLE:
            return [Pending(party=role.value, name=name, role=role, task="resume_trading")]
        match case.stage:
            case Stage.COMMITTEE_REVIEW:
                return [Pending(party="committee", name=f"{case.division_name}党委政府（三重一大）",
                                role=Role.COMMITTEE_SECRETARY, task="committee_decision")]
            case Stage.CITY_MEETING:
                return [Pending(party="city_nr", name=self._city_meeting_name(), role=Role.CITY_NR,
                                task="city_meeting")]
            case Stage.BIDDING if case.period_clock["bidding"].finished:
                return [Pending(party=role.value, name=name, role=role, task="grant_result")]
            case Stage.OBJECTION_REVIEW:
                return [Pending(party=role.value, name=name, role=role, task="objection_resolution")]
            case Stage.CONTRACT:
                return [Pending(party=role.value, name=name, role=role, task="grant_contract")]
            case Stage.FEE_PAYMENT:
                return [Pending(party=role.value, name=name, role=role, task="fee_payment", due=case.fee_due,
                                due_at=case.fee_due_at)]
            case Stage.REGISTRATION:
                return [Pending(party=role.value, name=name, role=role, task="grant_registration")]
        return []

    def _applicant_enterprises(self) -> set[int]:
        return set()

    def _city_meeting_name(self) -> str:
        return f"{self._start.city_name or '市'}人民政府会议（市自然资源局录入）"
