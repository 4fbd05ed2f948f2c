"""CampaignWorkflow — a city's 治理整顿, seed 000 §二(一), §二(二), §三 and 附件.

The city's NR bureau opens it with its dates (取得实效 by the end of May, 自治区级验收销号 by the end of June) and one
督查组 per county. Opening it may impose the 两个暂停 moratorium (all mines' production and 火工产品 supply
suspended): while it holds, a reopening reaches 批复 only for a mine whose rectification is 销号 (the API checks the
`campaigns` row this workflow writes). Lifting it is an explicit action with a reason, on the timeline (the audit
chain). At each date the campaign takes stock of its cases and escalates to the 督查组 what is still open.
"""

from datetime import timedelta
from typing import ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.calendar import start_of_day
    from domain.campaign import CAMPAIGN_CLAUSE, CAMPAIGN_STAGE_NAMES, GROUPS_CLAUSE, MORATORIUM_CLAUSE, CampaignStage
    from domain.cases import Status
    from domain.errors import ErrorCode
    from domain.roles import Role
    from models.campaign import (
        CampaignRecordInput,
        CampaignStart,
        CampaignView,
        ConcludeInput,
        ConcludeRequest,
        LiftMoratoriumInput,
        LiftMoratoriumRequest,
    )
    from models.cases import Actor, Clock, Pending

from workflows.parts import campaign_calls
from workflows.parts.actions import Queued, Refusal, action, post
from workflows.parts.engine import SYSTEM, Alarm, CaseEngine
from workflows.parts.refusal import refusal

G = CampaignStage


@workflow.defn
class CampaignWorkflow(CaseEngine):
    STAGE_NAMES: ClassVar = CAMPAIGN_STAGE_NAMES

    @workflow.init
    def __init__(self, start: CampaignStart) -> None:
        self._init_engine()
        now = workflow.now()
        self._start = start
        self._due = {"results_due": start_of_day(start.results_due + timedelta(days=1)),
                     "acceptance_due": start_of_day(start.acceptance_due + timedelta(days=1))}
        self._case = CampaignView(
            case_id=start.case_id, title=start.title, division_code=start.city_code, division_name=start.city_name,
            city_code=start.city_code, stage=G.RECTIFYING, status=Status.ACTIVE, submitted_at=now, updated_at=now,
            clock=Clock(limit_days=0), results_due=start.results_due, acceptance_due=start.acceptance_due,
            groups=list(start.groups), deadline=start.acceptance_due,
        )

    @workflow.run
    async def run(self, start: CampaignStart) -> CampaignView:
        groups = "；".join(f"{g.name}（{g.county_code}，组长 {g.leader}）" for g in start.groups)
        self._record(start.opened_by, "opened",
                     f"启动{start.title}：{start.results_due} 前取得实效，{start.acceptance_due} 前完成自治区级验收销号"
                     f"（{CAMPAIGN_CLAUSE}）。督查组：{groups}（{GROUPS_CLAUSE}）。{start.note}",
                     results_due=str(start.results_due), acceptance_due=str(start.acceptance_due))
        if start.moratorium:
            self._case.moratorium_active, self._case.moratorium_imposed_at = True, self._now()
        await self._write(start.opened_by)
        if start.moratorium:
            suspended = await campaign_calls.suspend_city_mines(start.case_id)
            self._record(start.opened_by, "moratorium_imposed",
                         f"实行“两个暂停”：暂停全市所有矿山企业生产活动（在产矿山 {len(suspended)} 座已停产），"
                         f"暂停全市火工产品供应（{MORATORIUM_CLAUSE}）", suspended_mines=suspended)
        conclusion: ConcludeInput = await self._next(self.conclude)
        if self._case.moratorium_active:
            await self._lift(conclusion.actor, "治理整顿结束")
        self._case.summary = conclusion.summary
        self._record(conclusion.actor, "concluded",
                     f"治理整顿结束：{conclusion.total_cases} 个案件全部办结。{conclusion.summary}",
                     total_cases=conclusion.total_cases)
        self._case.stage = G.COMPLETED
        await self._close(Status.COMPLETED, "治理整顿结束", end=False)
        await self._write(conclusion.actor)
        await self._finish()
        return self._view()

    async def _write(self, by: Actor, reason: str = "") -> None:
        s = self._start
        await campaign_calls.record_campaign(CampaignRecordInput(
            campaign_id=s.case_id, city_code=s.city_code, title=s.title, results_due=s.results_due,
            acceptance_due=s.acceptance_due, groups=s.groups, stage=str(self._case.stage),
            moratorium_active=self._case.moratorium_active, at=self._now(), by=by.username, reason=reason))

    async def _lift(self, by: Actor, reason: str) -> None:
        self._case.moratorium_active, self._case.moratorium_lifted_at = False, self._now()
        self._case.moratorium_lift_reason = reason
        self._record(by, "moratorium_lifted", f"解除“两个暂停”：{reason}", reason=reason)
        await self._write(by, reason)

    # ---- the actions ---------------------------------------------------------------------------------------

    def _moratorium_active(self, _actor: Actor) -> Refusal:
        return None if self._case.moratorium_active else refusal(ErrorCode.MORATORIUM_NOT_ACTIVE)

    @action("解除“两个暂停”", roles={Role.CITY_NR}, guard=_moratorium_active, request=LiftMoratoriumRequest,
            route=post("/campaigns/{case_id}/moratorium/lift", "解除“两个暂停”（须说明理由，记入审计链）"))
    def lift_moratorium(self, inp: LiftMoratoriumInput, queued: Queued) -> Refusal:
        """While it holds, once."""
        if any(t.kind == "lift_moratorium" for t in queued):
            return refusal(ErrorCode.MORATORIUM_NOT_ACTIVE)
        return None

    @lift_moratorium.applies
    async def _lifted(self, inp: LiftMoratoriumInput) -> None:
        await self._lift(inp.actor, inp.reason)

    @action("结束治理整顿", roles={Role.CITY_NR}, stages={G.RECTIFYING, G.VERIFYING}, single=True,
            answers={"conclude"}, request=ConcludeRequest,
            route=post("/campaigns/{case_id}/conclusion", "结束治理整顿（全部整治、关闭案件办结后）"))
    def conclude(self, inp: ConcludeInput, _queued: Queued) -> Refusal:
        """Once every rectification and closure case of the campaign is closed (the API counts them)."""
        if inp.open_cases:
            return refusal(ErrorCode.CAMPAIGN_CASES_OPEN, f"仍有 {inp.open_cases} 个矿山整治或关闭案件未办结",
                           open_cases=inp.open_cases, total_cases=inp.total_cases)
        return None

    # ---- the dates -------------------------------------------------------------------------------------------

    def _alarms(self) -> list[Alarm]:
        return [(at, lambda name=name: self._milestone(name)) for name, at in self._due.items()
                if name not in self._case.milestones]

    async def _milestone(self, name: str) -> None:
        progress = await campaign_calls.campaign_progress(self._case.case_id)
        self._case.milestones[name] = progress
        label = "取得实效" if name == "results_due" else "自治区级验收销号"
        self._record(SYSTEM, "milestone",
                     f"{label}期限届满：案件 {progress.total} 个，已办结 {progress.closed} 个，"
                     f"未办结 {progress.open} 个，"
                     f"逾期整改事项 {progress.overdue_items} 项", milestone=name, total=progress.total,
                     closed=progress.closed, open=progress.open)
        if progress.open:
            self._record(SYSTEM, "escalated", f"{label}期限已过仍有 {progress.open} 个案件未办结，已报各督查组督导",
                         milestone=name, to=["city_nr", "supervisor"],
                         counties=[g.county_code for g in self._case.groups])
        if name == "results_due" and self._case.stage is G.RECTIFYING:
            await self._enter(G.VERIFYING)
            await self._write(SYSTEM)

    def _pending(self) -> list[Pending]:
        return [Pending(party="city_nr", name="市自然资源局", role=Role.CITY_NR, task="conclude",
                        due=self._case.acceptance_due, due_at=self._due["acceptance_due"],
                        overdue="acceptance_due" in self._case.milestones)]
