"""ClosureWorkflow — 关闭取缔 of one mine, seed 002 §04(二)1, §05, §06(二), §06(四); seed 000 §二(二)六.

After the closure plan is approved (组织实施彻底关闭，方案批复后): 断电 (供电公司) → 火工品 stopped and
withdrawn (公安) → safety permit cancelled (应急管理) → mining licence 注销 (自然资源) → equipment and buildings
removed, 三不留 (乡镇, 属地)
→ ecological restoration by the enterprise (拆除设施、设备后) → restoration acceptance (自然资源) → 公示 of the outcome.
Each step is done by its department within its working-day deadline, else escalated to the 督查组. When the 公示
ends the mine's registry status becomes closed, once.
"""

from datetime import datetime
from typing import ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from documents.kinds import DocumentKind
    from domain.campaign import (
        CLOSURE_STAGE_NAMES,
        CLOSURE_STEPS,
        PUBLICITY_CLAUSE,
        ClosureStage,
    )
    from domain.cases import Status
    from domain.errors import ErrorCode
    from domain.roles import DepartmentKind, Role
    from models.campaign import (
        CapacityInput,
        CaseLinkInput,
        ClosureStart,
        ClosureView,
        StepDoneInput,
        StepDoneRequest,
        StepRecord,
    )
    from models.cases import Actor, Clock, Pending

from workflows.parts import calls, campaign_calls
from workflows.parts.actions import Queued, Refusal, action, post
from workflows.parts.engine import SYSTEM, Alarm, CaseEnded, CaseEngine
from workflows.parts.refusal import refusal

C = ClosureStage
# The steps after which the closure writes the capacity ledger: 注销 exits the capacity, 验收 restores it.
LEDGER_STEPS = {ClosureStage.LICENCE: "closed", ClosureStage.RESTORATION_ACCEPTANCE: "restored"}


@workflow.defn
class ClosureWorkflow(CaseEngine):
    STAGE_NAMES: ClassVar = CLOSURE_STAGE_NAMES

    @workflow.init
    def __init__(self, start: ClosureStart) -> None:
        self._init_engine()
        now, mine = workflow.now(), start.mine
        self._start, self._policy = start, start.policy
        self._publicity_over = False
        self._publicity_at = None
        self._publicity_from: datetime | None = None  # when the 公示 started (re-planned from there)
        steps = []
        for step in CLOSURE_STEPS:
            if step.department is None:
                steps.append(StepRecord(stage=step.stage, name=step.name, party="enterprise",
                                        department_name=mine.enterprise_name, clause=step.clause))
            else:
                spec = start.departments[step.stage.value]
                steps.append(StepRecord(stage=step.stage, name=step.name, party=step.department.value,
                                        department_id=spec.department_id, department_name=spec.name,
                                        clause=step.clause))
        self._case = ClosureView(
            case_id=start.case_id, title=f"{mine.mine_name} 关闭取缔", mine_id=mine.mine_id, mine_name=mine.mine_name,
            enterprise_id=mine.enterprise_id, enterprise_name=mine.enterprise_name, division_code=mine.division_code,
            division_name=mine.division_name, city_code=mine.city_code, licence_no=mine.licence_no,
            campaign_id=start.campaign_id, plan_ref=start.plan_ref, stage=C.POWER_CUT, status=Status.ACTIVE,
            submitted_at=now, updated_at=now, clock=Clock(limit_days=0), steps=steps,
        )

    @workflow.run
    async def run(self, start: ClosureStart) -> ClosureView:
        await campaign_calls.link_campaign_case(CaseLinkInput(
            case_id=start.case_id, campaign_id=start.campaign_id, kind="closure", mine_id=start.mine.mine_id,
            division_code=start.mine.division_code))
        self._record(start.opened_by, "opened", f"关闭方案已批复（{start.plan_ref}），组织实施彻底关闭",
                     plan_ref=start.plan_ref, campaign_id=start.campaign_id)
        try:
            for step in self._case.steps:
                await self._enter(step.stage)
                step.started_at = self._now()
                days = self._policy.step_working_days.get(step.stage.value, _default_days(step.stage))
                plan = await calls.plan_deadline(self._now(), days)
                step.due, step.due_at = plan.due, plan.due_at
                done: StepDoneInput = await self._next(self.step_done)
                step.done_at, step.done_by = self._now(), done.actor.username
                step.evidence, step.note = list(done.evidence), done.note
                late = "（逾期）" if step.escalated_at else ""
                self._record(done.actor, "step_done",
                             f"{step.name}完成{late}。佐证：{'、'.join(done.evidence)}。{done.note}",
                             step=step.stage.value, evidence=list(done.evidence))
                if step.stage in LEDGER_STEPS:
                    await self._ledger(LEDGER_STEPS[step.stage], done.actor)
            await self._publicity()
            self._mine_status = "closed"
            self._case.stage = C.COMPLETED
            self._record(SYSTEM, "mine_closed", f"{self._case.mine_name}关闭取缔完成，矿山登记状态改为“关闭”")
            await self._close(Status.COMPLETED, "关闭取缔完成", end=False)
        except CaseEnded:
            pass
        await self._finish()
        return self._view()

    async def _ledger(self, kind: str, actor: Actor) -> None:
        """双挂钩一达标 (seed 002 §04(二)4(2)): the exited capacity, then its restoration, in the city's ledger."""
        result = await campaign_calls.record_closure_capacity(CapacityInput(
            kind=kind, mine_id=self._start.mine.mine_id, case_id=self._case.case_id, actor=actor.username,
            role=actor.role.value))
        what = "关闭退出产能" if kind == "closed" else "退出矿山生态修复"
        if result.recorded:
            self._record(SYSTEM, f"ledger_{kind}", f"产能台账登记{what} {result.amount_wt:g} 万吨/年",
                         amount_wt=result.amount_wt)
        else:
            self._record(SYSTEM, "ledger_not_recorded", f"产能台账未登记{what}：{result.message}", kind=kind,
                         code=result.code)

    async def _publicity(self) -> None:
        await self._enter(C.PUBLICITY)
        self._publicity_from = self._now()
        plan = await calls.plan_deadline(self._publicity_from, self._policy.publicity_working_days)
        self._case.publicity_until, self._publicity_at = plan.due, plan.due_at
        self._record(SYSTEM, "publicity_started",
                     f"关闭取缔及生态修复情况向社会公示至 {plan.due}（{PUBLICITY_CLAUSE}）", until=str(plan.due))
        self._issue(DocumentKind.CLOSURE_ACCEPTANCE)
        await self._wait(until=lambda: self._publicity_over)
        self._record(SYSTEM, "publicity_ended", "公示期满")

    async def _end_publicity(self) -> None:
        self._publicity_over, self._publicity_at = True, None

    @action("报告关闭步骤完成", roles={Role.DEPARTMENT_OFFICER, Role.COUNTY_NR, Role.ENTERPRISE},
            stages={s.stage for s in CLOSURE_STEPS}, single=True,
            answers={"closure_step", "restoration"}, request=StepDoneRequest,
            route=post("/cases/{case_id}/closure-steps/{stage}",
                       "关闭取缔步骤完成（断电、火工品收缴、安全生产许可证注销、采矿许可证注销、三不留、生态修复及验收）",
                       stage=ClosureStage))
    def step_done(self, inp: StepDoneInput, _queued: Queued) -> Refusal:
        """The steps in their order, each by its own department (the restoration by the enterprise)."""
        step = self._step()
        if step is None or inp.stage is not step.stage:
            return refusal(ErrorCode.WRONG_STAGE,
                           f"当前步骤为“{CLOSURE_STAGE_NAMES[C(self._case.stage)]}”，须按顺序办理",
                           stage=str(self._case.stage), step=inp.stage.value)
        if step.party == "enterprise":
            if inp.actor.role is not Role.ENTERPRISE:
                return refusal(ErrorCode.NOT_YOUR_STEP, "生态修复由企业履行并报告")
        elif inp.actor.department_id != step.department_id:
            return refusal(ErrorCode.NOT_YOUR_STEP, f"“{step.name}”由{step.department_name}办理",
                           department=step.department_name)
        return None

    def _step(self) -> StepRecord | None:
        return next((s for s in self._case.steps if s.stage == self._case.stage), None)

    async def _replan_deadlines(self) -> None:
        """After a year's arrangement was loaded: the current step's limit (unless escalated) and a running 公示
        are planned again from when they started."""
        case = self._case
        for step in case.steps:
            if step.stage == case.stage and step.started_at and step.done_at is None and step.escalated_at is None:
                days = self._policy.step_working_days.get(step.stage.value, _default_days(step.stage))
                plan = await calls.plan_deadline(step.started_at, days)
                step.due, step.due_at = plan.due, plan.due_at
        if case.stage is C.PUBLICITY and self._publicity_at is not None and self._publicity_from is not None:
            plan = await calls.plan_deadline(self._publicity_from, self._policy.publicity_working_days)
            case.publicity_until, self._publicity_at = plan.due, plan.due_at

    def _alarms(self) -> list[Alarm]:
        alarms: list[Alarm] = []
        step = self._step()
        if step is not None and step.due_at is not None and step.escalated_at is None and step.done_at is None:
            alarms.append((step.due_at, self._step_overdue))
        if self._case.stage is C.PUBLICITY and self._publicity_at is not None:
            alarms.append((self._publicity_at, self._end_publicity))
        return alarms

    async def _step_overdue(self) -> None:
        step = self._step()
        assert step is not None
        step.escalated_at = self._now()
        self._dirty = True
        self._record(SYSTEM, "escalated", f"“{step.name}”逾期未完成（期限 {step.due}，{step.department_name}），"
                     "已报督查组",
                     step=step.stage.value, due=str(step.due), party=step.party if step.department_id else None,
                     to=["supervisor"])

    def _pending(self) -> list[Pending]:
        step = self._step()
        if step is None:
            return []
        if step.party == "enterprise":
            role, task = Role.ENTERPRISE, "restoration"
        else:
            role = Role.COUNTY_NR if step.party == DepartmentKind.NATURAL_RESOURCES.value else Role.DEPARTMENT_OFFICER
            task = "closure_step"
        return [Pending(party=step.party, name=step.department_name, role=role, task=task, due=step.due,
                        due_at=step.due_at, overdue=step.escalated_at is not None, department_id=step.department_id)]


def _default_days(stage: ClosureStage) -> int:
    return next(s.working_days for s in CLOSURE_STEPS if s.stage is stage)
