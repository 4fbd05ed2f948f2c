"""RectificationWorkflow — one mine's 整治 under the campaign, seed 000 §二(一), §二(二), §三(三).

一矿一策、一矿一方案、一矿一责任人: county NR draws up the mine's plan (查清现状) naming its responsible person and the
items to rectify, each from the seven key checks of §二(二), with the department that closes it and a deadline in
working days. The items are worked on at once and closed one by one (逐项销号) by their departments; the case stands
in the first of the 8 环节 that still has an open item. Then county acceptance, then 自治区级验收 (recorded by the
city) closes the case (销号).

Overdue items escalate to the county's 督查组; an item still open long after (a repeated overdue) is referred to
纪检监察; a 督查组 finding of concealment refers to 纪检监察, an illegal act to 司法. A restoration item the enterprise
lets lapse may be given to a third party commissioned by the county, its cost recorded as a claim.
"""

from datetime import datetime
from typing import ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from documents.kinds import DocumentKind
    from domain.campaign import (
        FINDING_NAMES,
        FINDING_REFERRAL,
        ITEM_LINKS,
        RECT_STAGE_NAMES,
        REFERRAL_CLAUSE,
        REFERRAL_NAMES,
        THIRD_PARTY_CLAUSE,
        RectStage,
        ReferralKind,
    )
    from domain.cases import Status
    from domain.errors import ErrorCode
    from domain.roles import DepartmentKind, Role
    from models.campaign import (
        AcceptanceInput,
        AcceptanceRecord,
        AcceptanceRequest,
        CaseLinkInput,
        Claim,
        ClaimInput,
        FindingInput,
        FindingRequest,
        ItemCloseInput,
        ItemCloseRequest,
        ItemNo,
        ItemRow,
        ItemsSyncInput,
        PlanInput,
        PlanRequest,
        RectificationStart,
        RectificationView,
        RectItem,
        Referral,
        ReferralInput,
        ThirdParty,
        ThirdPartyInput,
        ThirdPartyRequest,
    )
    from models.cases import Actor, Clock, DeadlinePlan, Pending

from workflows.parts import calls, campaign_calls
from workflows.parts.actions import ActionHandler, Queued, Refusal, action, post
from workflows.parts.engine import SYSTEM, Alarm, CaseEnded, CaseEngine
from workflows.parts.refusal import refusal

S = RectStage


@workflow.defn
class RectificationWorkflow(CaseEngine):
    STAGE_NAMES: ClassVar = RECT_STAGE_NAMES

    @workflow.init
    def __init__(self, start: RectificationStart) -> None:
        self._init_engine()
        now, mine = workflow.now(), start.mine
        self._start, self._policy = start, start.policy
        self._plan_due: DeadlinePlan | None = None
        self._plan_escalated = False
        self._plan_from: datetime | None = None  # when the plan's limit started (re-planned from there)
        self._acceptance_from: datetime | None = None
        self._acceptance_due: DeadlinePlan | None = None
        self._acceptance_escalated = False
        self._items_dirty = False
        self._items_version = 0
        self._case = RectificationView(
            case_id=start.case_id, title=f"{mine.mine_name} 治理整顿", mine_id=mine.mine_id, mine_name=mine.mine_name,
            enterprise_id=mine.enterprise_id, enterprise_name=mine.enterprise_name, division_code=mine.division_code,
            division_name=mine.division_name, city_code=mine.city_code, licence_no=mine.licence_no,
            campaign_id=start.campaign_id, stage=S.SURVEY, status=Status.ACTIVE, submitted_at=now, updated_at=now,
            clock=Clock(limit_days=0),
        )

    # ---- the procedure ---------------------------------------------------------------------------------------

    @workflow.run
    async def run(self, start: RectificationStart) -> RectificationView:
        await campaign_calls.link_campaign_case(CaseLinkInput(
            case_id=start.case_id, campaign_id=start.campaign_id, kind="rectification", mine_id=start.mine.mine_id,
            division_code=start.mine.division_code))
        self._record(start.opened_by, "opened", f"启动矿山整治（一矿一策、一矿一方案、一矿一责任人）"
                     f"{'，属 ' + start.campaign_id if start.campaign_id else ''}", campaign_id=start.campaign_id)
        try:
            await self._survey()
            while True:
                await self._enter(self._current_link())
                await self._wait(until=lambda: not self._open_items())
                if not await self._acceptance(self.county_acceptance, S.COUNTY_ACCEPTANCE, "县级验收"):
                    continue
                if await self._acceptance(self.region_acceptance, S.REGION_ACCEPTANCE, "自治区级验收"):
                    break
            self._case.stage = S.CLOSED
            self._record(SYSTEM, "case_closed_off", "自治区级验收通过，该矿整治验收销号")
            self._issue(DocumentKind.RECTIFICATION_CLEARANCE)
            await self._close(Status.COMPLETED, "验收销号", end=False)
        except CaseEnded:
            pass
        await self._finish()
        return self._view()

    async def _survey(self) -> None:
        """查清现状: the plan, with its responsible person and items (一矿一方案)."""
        await self._enter(S.SURVEY)
        self._plan_from = self._now()
        self._plan_due = await calls.plan_deadline(self._plan_from, self._policy.plan_limit_working_days)
        self._case.plan_due = self._plan_due.due
        plan: PlanInput = await self._next(self.plan)
        case, now = self._case, self._now()
        case.responsible_person, case.responsible_title, case.measures = (plan.responsible_person,
                                                                          plan.responsible_title, plan.measures)
        for no, spec in enumerate(plan.items, start=1):
            item = RectItem(no=no, check=spec.check, link=spec.link, description=spec.description,
                            working_days=spec.working_days, department=spec.department,
                            department_id=spec.department_id, department_name=spec.department_name, opened_at=now)
            await self._set_deadline(item)
            case.items.append(item)
        self._items_dirty = True
        person = plan.responsible_person + (f"（{plan.responsible_title}）" if plan.responsible_title else "")
        self._record(plan.actor, "plan_submitted",
                     f"制定整治方案，责任人：{person}；整改事项 {len(case.items)} 项：" +
                     "；".join(f"{i.no}. {RECT_STAGE_NAMES[i.link]}·{i.description}（{i.department_name}，{i.due}前）"
                              for i in case.items),
                     responsible_person=plan.responsible_person, items=len(case.items))
        self._issue(DocumentKind.RECTIFICATION_NOTICE)

    async def _acceptance(self, step: ActionHandler, stage: RectStage, label: str) -> bool:
        await self._enter(stage)
        self._acceptance_from = self._now()
        self._acceptance_due = await calls.plan_deadline(self._acceptance_from,
                                                         self._policy.acceptance_limit_working_days)
        self._acceptance_escalated = False
        verdict: AcceptanceInput = await self._next(step)
        self._acceptance_due = None
        level = "county" if stage is S.COUNTY_ACCEPTANCE else "region"
        self._case.acceptances.append(AcceptanceRecord(
            level=level, verdict=verdict.verdict, opinion=verdict.opinion, acceptance_ref=verdict.acceptance_ref,
            by=verdict.actor.username, at=self._now()))
        ref = f"（{verdict.acceptance_ref}）" if verdict.acceptance_ref else ""
        if verdict.verdict == "pass":
            self._record(verdict.actor, f"{level}_accepted", f"{label}通过{ref}。{verdict.opinion}",
                         acceptance_ref=verdict.acceptance_ref)
            return True
        for no in verdict.reopen:
            item = self._item(no)
            assert item is not None
            item.status, item.closed_at, item.closed_by, item.opened_at = "open", None, None, self._now()
            item.escalated_at = item.referred_at = None
            item.reopened += 1
            await self._set_deadline(item)
        self._items_dirty = True
        self._record(verdict.actor, f"{level}_rejected",
                     f"{label}不通过{ref}，第{'、'.join(map(str, verdict.reopen))}项重新整改。{verdict.opinion}",
                     reopen=verdict.reopen)
        return False

    async def _set_deadline(self, item: RectItem, start: datetime | None = None) -> None:
        plan = await calls.plan_deadline(start or self._now(), item.working_days)
        item.due, item.due_at = plan.due, plan.due_at
        refer = await calls.plan_deadline(plan.due_at, self._policy.referral_after_working_days)
        item.refer_at = refer.due_at

    # ---- the actions -----------------------------------------------------------------------------------------

    @action("提交一矿一方案", roles={Role.COUNTY_NR}, stages={S.SURVEY}, single=True, answers={"plan"},
            request=PlanRequest,
            route=post("/cases/{case_id}/plan", "县自然资源局制定一矿一方案（责任人、整改事项、责任部门、期限）"))
    def plan(self, inp: PlanInput, _queued: Queued) -> Refusal:
        """At least one item, each in one of the seven 整治环节 after 查清现状."""
        if not inp.items:
            return refusal(ErrorCode.PLAN_INVALID, "整治方案须至少列明一项整改事项")
        if stray := [i.link.value for i in inp.items if i.link not in ITEM_LINKS]:
            return refusal(ErrorCode.PLAN_INVALID, "整改事项须属于“停产整治”至“后续管理”七个整治环节之一",
                           links=stray)
        return None

    def _has_open_item(self, actor: Actor) -> Refusal:
        if any(i.department_id == actor.department_id for i in self._open_items()):
            return None
        return refusal(ErrorCode.NOT_YOUR_ITEM, "本部门没有待销号的整改事项")

    @action("整改事项销号", roles={Role.DEPARTMENT_OFFICER, Role.COUNTY_NR}, stages=ITEM_LINKS, guard=_has_open_item,
            answers={"close_item"}, request=ItemCloseRequest,
            route=post("/cases/{case_id}/items/{item_no}/close", "责任部门对整改事项逐项销号（附佐证材料）",
                       item_no=ItemNo))
    def close_item(self, inp: ItemCloseInput, queued: Queued) -> Refusal:
        """An open item, closed once, by its own department."""
        item = self._item(inp.item_no)
        if item is None:
            return refusal(ErrorCode.ITEM_NOT_FOUND, item_no=inp.item_no)
        if item.status == "closed" or any(t.kind == "close_item" and t.payload.item_no == inp.item_no
                                          for t in queued):
            return refusal(ErrorCode.ITEM_ALREADY_CLOSED, f"第{inp.item_no}项已销号", item_no=inp.item_no)
        if inp.actor.department_id != item.department_id:
            return refusal(ErrorCode.NOT_YOUR_ITEM, f"第{inp.item_no}项由{item.department_name}负责销号",
                           item_no=inp.item_no, department=item.department_name)
        return None

    @close_item.applies
    async def _item_closed(self, inp: ItemCloseInput) -> None:
        item = self._item(inp.item_no)
        assert item is not None
        item.status, item.closed_at, item.closed_by = "closed", self._now(), inp.actor.username
        item.evidence, item.note = list(inp.evidence), inp.note
        self._items_dirty = True
        late = "（逾期）" if item.escalated_at else ""
        self._record(inp.actor, "item_closed",
                     f"第{item.no}项销号{late}：{item.description}。佐证：{'、'.join(inp.evidence)}。{inp.note}",
                     item_no=item.no, department=item.department.value, evidence=list(inp.evidence))
        if self._open_items():
            await self._enter(self._current_link())

    @action("录入督查发现", roles={Role.SUPERVISOR, Role.COUNTY_NR}, request=FindingRequest,
            route=post("/cases/{case_id}/findings", "督查组录入发现：隐瞒不报、推进不力移交纪检监察，涉及违法移交司法"))
    def finding(self, inp: FindingInput, _queued: Queued) -> Refusal:
        """At any time while the case is open; an item it names must exist."""
        if inp.item_no is not None and self._item(inp.item_no) is None:
            return refusal(ErrorCode.ITEM_NOT_FOUND, item_no=inp.item_no)
        return None

    @finding.applies
    async def _found(self, inp: FindingInput) -> None:
        kind = FINDING_REFERRAL[inp.kind]
        about = f"（第{inp.item_no}项）" if inp.item_no else ""
        self._record(inp.actor, "finding", f"督查发现{about}：{FINDING_NAMES[inp.kind]}。{inp.description}",
                     kind=inp.kind.value, item_no=inp.item_no)
        await self._refer(kind, f"{FINDING_NAMES[inp.kind]}：{inp.description}", inp.actor, inp.item_no)

    @action("委托第三方先行修复", roles={Role.COUNTY_NR}, stages=ITEM_LINKS, answers={"commission_restoration"},
            request=ThirdPartyRequest,
            route=post("/cases/{case_id}/third-party-restoration",
                       "企业逾期拒不修复：县（区）委托第三方先行修复，费用记为向企业追偿的债权"))
    def third_party(self, inp: ThirdPartyInput, queued: Queued) -> Refusal:
        """Only an open restoration item the enterprise let lapse (escalated), once."""
        item = self._item(inp.item_no)
        if item is None:
            return refusal(ErrorCode.ITEM_NOT_FOUND, item_no=inp.item_no)
        if item.link is not S.RESTORATION or item.status != "open" or item.escalated_at is None:
            return refusal(ErrorCode.THIRD_PARTY_NOT_ALLOWED, item_no=inp.item_no)
        if item.third_party is not None or any(t.kind == "third_party" and t.payload.item_no == inp.item_no
                                               for t in queued):
            return refusal(ErrorCode.ALREADY_EXISTS, f"第{inp.item_no}项已委托第三方修复", item_no=inp.item_no)
        return None

    @third_party.applies
    async def _commissioned(self, inp: ThirdPartyInput) -> None:
        item = self._item(inp.item_no)
        assert item is not None
        now = self._now()
        item.third_party = ThirdParty(contractor=inp.contractor, contract_ref=inp.contract_ref,
                                      cost_yuan=inp.cost_yuan, commissioned_at=now,
                                      commissioned_by=inp.actor.username)
        self._case.claims.append(Claim(item_no=item.no, contractor=inp.contractor, contract_ref=inp.contract_ref,
                                       cost_yuan=inp.cost_yuan, at=now))
        self._items_dirty = True
        self._record(inp.actor, "third_party_commissioned",
                     f"企业逾期拒不履行第{item.no}项生态修复责任，县（区）政府委托{inp.contractor}先行修复"
                     f"（合同 {inp.contract_ref}），费用 {inp.cost_yuan:,.2f} 元记为对{self._case.enterprise_name}"
                     f"的追偿债权（{THIRD_PARTY_CLAUSE}）。{inp.note}",
                     item_no=item.no, contractor=inp.contractor, cost_yuan=inp.cost_yuan)
        seq = self._case.timeline[-1].seq
        mine = self._start.mine
        await campaign_calls.record_claim(ClaimInput(
            key=f"{self._case.case_id}:{seq}", campaign_id=self._case.campaign_id, case_id=self._case.case_id,
            item_no=item.no, mine_id=mine.mine_id, enterprise_id=mine.enterprise_id,
            enterprise_name=mine.enterprise_name, division_code=mine.division_code, contractor=inp.contractor,
            contract_ref=inp.contract_ref, cost_yuan=inp.cost_yuan, at=now))

    def _acceptance_refusal(self, inp: AcceptanceInput) -> Refusal:
        """A failed acceptance names the closed items to rectify again."""
        if inp.verdict == "pass":
            return None
        closed = {i.no for i in self._case.items if i.status == "closed"}
        if not inp.reopen or any(no not in closed for no in inp.reopen) or len(set(inp.reopen)) != len(inp.reopen):
            return refusal(ErrorCode.REOPEN_LIST_INVALID, reopen=inp.reopen, items=sorted(closed))
        return None

    @action("县级验收", roles={Role.COUNTY_NR}, stages={S.COUNTY_ACCEPTANCE}, single=True,
            answers={"county_acceptance"}, request=AcceptanceRequest,
            route=post("/cases/{case_id}/county-acceptance", "县级验收（不通过须列明重新整改的事项）"))
    def county_acceptance(self, inp: AcceptanceInput, _queued: Queued) -> Refusal:
        """Once every item is closed."""
        return self._acceptance_refusal(inp)

    @action("录入自治区级验收结果", roles={Role.CITY_NR}, stages={S.REGION_ACCEPTANCE}, single=True,
            answers={"region_acceptance"}, request=AcceptanceRequest,
            route=post("/cases/{case_id}/region-acceptance", "市自然资源局录入自治区级验收结果（通过即验收销号）"))
    def region_acceptance(self, inp: AcceptanceInput, _queued: Queued) -> Refusal:
        """After the county's acceptance."""
        return self._acceptance_refusal(inp)

    async def _refer(self, kind: ReferralKind, reason: str, by: Actor, item_no: int | None = None) -> None:
        now = self._now()
        self._case.referrals.append(Referral(kind=kind, reason=reason, at=now, by=by.username, item_no=item_no))
        self._record(by, "referred", f"{REFERRAL_NAMES[kind]}：{reason}（{REFERRAL_CLAUSE}）", kind=kind.value,
                     item_no=item_no)
        seq = self._case.timeline[-1].seq
        await campaign_calls.record_referral(ReferralInput(
            key=f"{self._case.case_id}:{seq}", campaign_id=self._case.campaign_id, case_id=self._case.case_id,
            mine_id=self._case.mine_id, mine_name=self._case.mine_name, division_code=self._case.division_code,
            kind=kind, reason=reason, by=by.username, at=now))

    # ---- alarms --------------------------------------------------------------------------------------------------

    async def _replan_deadlines(self) -> None:
        """After a year's arrangement was loaded: the plan's and the acceptance's limits, and each open item's, are
        planned again from when they started; an escalated limit stays as it was."""
        case = self._case
        if case.stage is S.SURVEY and self._plan_due and self._plan_from and not self._plan_escalated:
            self._plan_due = await calls.plan_deadline(self._plan_from, self._policy.plan_limit_working_days)
            case.plan_due = self._plan_due.due
        if self._acceptance_due and self._acceptance_from and not self._acceptance_escalated:
            self._acceptance_due = await calls.plan_deadline(self._acceptance_from,
                                                             self._policy.acceptance_limit_working_days)
        for item in case.items:
            if item.status == "open" and item.escalated_at is None and item.referred_at is None:
                await self._set_deadline(item, item.opened_at)
                self._items_dirty = True

    def _alarms(self) -> list[Alarm]:
        case, alarms = self._case, []
        if case.stage is S.SURVEY and self._plan_due is not None and not self._plan_escalated:
            alarms.append((self._plan_due.due_at, self._plan_overdue))
        if case.stage in (S.COUNTY_ACCEPTANCE, S.REGION_ACCEPTANCE) and self._acceptance_due is not None \
                and not self._acceptance_escalated:
            alarms.append((self._acceptance_due.due_at, self._acceptance_overdue))
        if case.stage in ITEM_LINKS:
            for item in self._open_items():
                if item.escalated_at is None and item.due_at is not None:
                    alarms.append((item.due_at, lambda n=item.no: self._item_overdue(n)))
                elif item.referred_at is None and item.refer_at is not None:
                    alarms.append((item.refer_at, lambda n=item.no: self._item_referral(n)))
        return alarms

    async def _plan_overdue(self) -> None:
        self._plan_escalated = True
        self._record(SYSTEM, "escalated", f"整治方案逾期（{self._policy.plan_limit_working_days}个工作日）未制定，"
                     "已报督查组",
                     task="plan", to=["supervisor"])

    async def _acceptance_overdue(self) -> None:
        self._acceptance_escalated = True
        label = RECT_STAGE_NAMES[S(self._case.stage)]
        self._record(SYSTEM, "escalated", f"{label}逾期未完成，已报督查组", task=str(self._case.stage),
                     to=["supervisor"])

    async def _item_overdue(self, no: int) -> None:
        item = self._item(no)
        assert item is not None
        item.escalated_at = self._now()
        self._items_dirty = True
        restoration = "；企业逾期未履行恢复治理责任的，由县（区）政府委托第三方先行修复" \
            if item.link is S.RESTORATION else ""
        self._record(SYSTEM, "escalated",
                     f"第{no}项“{item.description}”逾期未销号（期限 {item.due}，{item.department_name}），已报督查组"
                     f"{restoration}", item_no=no, due=str(item.due), department=item.department.value,
                     party=f"item:i{no}", to=["supervisor", "county_nr"] if restoration else ["supervisor"])

    async def _item_referral(self, no: int) -> None:
        item = self._item(no)
        assert item is not None
        item.referred_at = self._now()
        self._items_dirty = True
        await self._refer(ReferralKind.DISCIPLINE,
                          f"第{no}项“{item.description}”逾期报督查组后仍未销号（{item.department_name}），推进不力、进展缓慢",
                          SYSTEM, no)

    # ---- state -----------------------------------------------------------------------------------------------

    def _item(self, no: int) -> RectItem | None:
        return next((i for i in self._case.items if i.no == no), None)

    def _open_items(self) -> list[RectItem]:
        return [i for i in self._case.items if i.status == "open"]

    def _current_link(self) -> RectStage:
        open_links = {i.link for i in self._open_items()}
        return next((link for link in ITEM_LINKS if link in open_links), S.COUNTY_ACCEPTANCE)

    def _pending(self) -> list[Pending]:
        case = self._case
        county = f"{case.division_name}自然资源局"
        match case.stage:
            case S.SURVEY:
                due = self._plan_due
                return [Pending(party="county_nr", name=county, role=Role.COUNTY_NR, task="plan",
                                due=due.due if due else None, due_at=due.due_at if due else None,
                                overdue=self._plan_escalated)]
            case S.COUNTY_ACCEPTANCE | S.REGION_ACCEPTANCE:
                due, county_level = self._acceptance_due, case.stage is S.COUNTY_ACCEPTANCE
                return [Pending(party="county_nr" if county_level else "city_nr",
                                name=county if county_level else "市自然资源局",
                                role=Role.COUNTY_NR if county_level else Role.CITY_NR, task=str(case.stage),
                                due=due.due if due else None, due_at=due.due_at if due else None,
                                overdue=self._acceptance_escalated)]
            case S.CLOSED:
                return []
        items = [Pending(party=f"item:i{i.no}", name=f"{i.department_name}·第{i.no}项"[:100],
                         role=Role.COUNTY_NR if i.department is DepartmentKind.NATURAL_RESOURCES
                         else Role.DEPARTMENT_OFFICER,
                         task="close_item", due=i.due, due_at=i.due_at, overdue=i.escalated_at is not None,
                         department_id=i.department_id)
                 for i in self._open_items()]
        # A restoration the enterprise let lapse waits on the county to commission a third party (seed 000 §二(一)).
        return items + [Pending(party=f"third_party:i{i.no}", name=f"{county}·第{i.no}项委托第三方修复"[:100],
                                role=Role.COUNTY_NR, task="commission_restoration", overdue=True)
                        for i in self._open_items() if self._third_party_due(i)]

    @staticmethod
    def _third_party_due(item: RectItem) -> bool:
        return item.link is S.RESTORATION and item.escalated_at is not None and item.third_party is None

    async def _sync(self) -> None:
        if self._items_dirty:
            self._items_dirty = False
            self._items_version += 1
            case = self._case
            await campaign_calls.sync_rectification_items(ItemsSyncInput(
                case_id=case.case_id, campaign_id=case.campaign_id, mine_id=self._start.mine.mine_id,
                mine_name=self._start.mine.mine_name, division_code=case.division_code,
                version=self._items_version,
                items=[ItemRow(item_no=i.no, check=i.check.value, link=i.link.value, department=i.department.value,
                               department_id=i.department_id, department_name=i.department_name,
                               description=i.description, due=i.due, status=i.status,
                               overdue=i.status == "open" and i.escalated_at is not None,
                               escalated=i.escalated_at is not None, third_party=i.third_party is not None)
                       for i in case.items]))
        await super()._sync()

