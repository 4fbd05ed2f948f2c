"""会签 (countersign): all-of rounds of parties, each with its own deadline, reminder and escalation, and the moves
real rounds need — 转办 reassign, 委派 delegate (and the delegate's draft), 加签 add a party, 减签 remove one.

A round is explicit: returning a case or re-inspecting opens a new, complete round; a closed round keeps its
sign-offs on the record and accepts none. A removed party stays on the record (with why and when) but no longer
counts; an added party joins the open round with a deadline of its own.
"""

from datetime import datetime
from functools import partial
from typing import ClassVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.errors import ErrorCode
    from domain.roles import Role
    from models.cases import (
        Actor,
        AddPartyInput,
        AddPartyRequest,
        DeadlinePlan,
        DelegateInput,
        DelegateRequest,
        Draft,
        DraftInput,
        DraftRequest,
        PartyCode,
        PartySpec,
        PartyTask,
        Pending,
        ReassignInput,
        ReassignRequest,
        RemovePartyInput,
        RemovePartyRequest,
        Round,
        SignOffInput,
        SignOffRequest,
        Urge,
    )

from workflows.parts import calls
from workflows.parts.actions import Queued, Refusal, action, delete, post
from workflows.parts.engine import SYSTEM, Alarm, CaseEngine
from workflows.parts.refusal import refusal

EXPERT_PREFIX = "expert:"


def expert_party(username: str) -> str:
    return f"{EXPERT_PREFIX}{username}"


def is_expert(party: str) -> bool:
    return party.startswith(EXPERT_PREFIX)


# ---- rounds (pure) ------------------------------------------------------------------------------------------

def task_of(spec: PartySpec, plan: DeadlinePlan, added_at: datetime | None = None) -> PartyTask:
    return PartyTask(party=spec.party, name=spec.name, department_id=spec.department_id, assignee=spec.assignee,
                     due=plan.due, due_at=plan.due_at, remind_at=plan.remind_at, added_at=added_at)


def open_round(no: int, parties: list[PartySpec], plan: DeadlinePlan, now: datetime) -> Round:
    return Round(no=no, opened_at=now, parties=[task_of(p, plan) for p in parties])


def is_open(round_: Round | None) -> bool:
    return round_ is not None and round_.closed_at is None


def active(round_: Round) -> list[PartyTask]:
    """The parties that count: all but those removed (减签)."""
    return [p for p in round_.parties if p.removed_at is None]


def pending(round_: Round) -> list[PartyTask]:
    return [p for p in active(round_) if p.verdict is None]


def all_answered(round_: Round) -> bool:
    return not pending(round_)


def outcome(round_: Round) -> str:
    """All-of: the round passes only when every party that counts passed."""
    return "pass" if all(p.verdict == "pass" for p in active(round_)) else "fail"


def close(round_: Round, result: str, now: datetime) -> None:
    round_.closed_at = now
    round_.outcome = result  # type: ignore[assignment]


def task_for_party(round_: Round, party: str) -> PartyTask | None:
    return next((t for t in active(round_) if t.party == party), None)


def party_of(actor: Actor, round_: Round) -> PartyTask | None:
    """The party `actor` signs for in `round_`, or None: experts sign for themselves, officers for their
    department."""
    for task in active(round_):
        if actor.role is Role.EXPERT and task.party == expert_party(actor.username):
            return task
        if (actor.role is Role.DEPARTMENT_OFFICER and task.department_id is not None
                and task.department_id == actor.department_id):
            return task
    return None


def holds(actor: Actor, task: PartyTask) -> bool:
    """Whether `actor` holds `task` now: its assignee, or any officer of the department while unassigned."""
    if task.assignee is not None:
        return task.assignee == actor.username
    return actor.role is Role.DEPARTMENT_OFFICER and task.department_id == actor.department_id


def _round_stage(workflow_class: type) -> frozenset[str]:
    return frozenset({workflow_class.COUNTERSIGN_STAGE})  # type: ignore[attr-defined]


PARTY = {"party": PartyCode}  # the {party} of a countersign move's path


class CountersignMoves(CaseEngine):
    """A procedure with countersign rounds held in `COUNTERSIGN_STAGE`: its case view keeps `rounds` and
    `parties`, and it defines `_sign_off_limits()` (working days to sign, and how many before that the reminder
    goes out)."""

    COUNTERSIGN_NAME: ClassVar[str] = "联合验收"
    COUNTERSIGN_STAGE: ClassVar[str]

    def _sign_off_limits(self) -> tuple[int, int]:
        raise NotImplementedError

    def _rounds(self) -> list[Round]:
        return self._case.rounds  # type: ignore[attr-defined,no-any-return]

    def _roster(self) -> list[PartySpec]:
        return self._case.parties  # type: ignore[attr-defined,no-any-return]

    def _current_round(self) -> Round | None:
        rounds = self._rounds()
        return rounds[-1] if rounds else None

    def _open_task(self, party: str) -> PartyTask | None:
        round_ = self._current_round()
        return task_for_party(round_, party) if round_ is not None and is_open(round_) else None

    def _round_no(self) -> int:
        return len(self._rounds())

    async def _plan_sign_off(self) -> DeadlinePlan:
        limit, remind = self._sign_off_limits()
        return await calls.plan_deadline(workflow.now(), limit, remind)

    async def _replan_deadlines(self) -> None:
        """After a year's arrangement was loaded: the open round's sign-off limit is planned again from when the
        round opened, for the parties still to sign whose limit came with the round (a party added later keeps
        its own); a reminder already given stands."""
        await super()._replan_deadlines()
        round_ = self._current_round()
        if round_ is None or not is_open(round_):
            return
        limit, remind = self._sign_off_limits()
        plan = await calls.plan_deadline(round_.opened_at, limit, remind)
        moved = []
        for task in pending(round_):
            if task.added_at is not None or task.escalated_at is not None or task.due == plan.due:
                continue
            moved.append(f"{task.name}（{task.due} → {plan.due}）")
            task.due, task.due_at = plan.due, plan.due_at
            if task.reminded_at is None:
                task.remind_at = plan.remind_at
        if moved:
            self._record(SYSTEM, "deadline_replanned",
                         f"已按国务院办公厅公布的节假日安排重新推算会签期限：{'、'.join(moved)}",
                         round=round_.no, due=str(plan.due))

    async def _open_round(self) -> Round:
        plan = await self._plan_sign_off()
        round_ = open_round(len(self._rounds()) + 1, self._roster(), plan, workflow.now())
        self._rounds().append(round_)
        self._record(SYSTEM, "round_opened",
                     f"第{round_.no}轮{self.COUNTERSIGN_NAME}开始，{len(round_.parties)}方会签，期限 {plan.due}",
                     round=round_.no, parties=[p.party for p in round_.parties], due=str(plan.due))
        return round_

    # ---- who may move a task, whatever they send ----------------------------------------------------------------

    def _round_open(self, _actor: Actor) -> Refusal:
        round_ = self._current_round()
        if round_ is None or not is_open(round_):
            return refusal(ErrorCode.WRONG_STAGE, f"当前没有进行中的{self.COUNTERSIGN_NAME}轮次")
        return None

    def _holds_a_task(self, actor: Actor) -> Refusal:
        """An officer moves only a task of their department they may sign; county NR any department's."""
        if error := self._round_open(actor):
            return error
        if actor.role is Role.COUNTY_NR:
            return None
        round_ = self._current_round()
        assert round_ is not None
        if any(holds(actor, task) for task in pending(round_) if task.department_id is not None):
            return None
        return refusal(ErrorCode.NOT_YOUR_PARTY, "您没有可转办或委派的会签任务")

    def _pending_task(self, party: str) -> PartyTask | ApplicationError:
        task = self._open_task(party)
        if task is None:
            return refusal(ErrorCode.PARTY_NOT_PENDING, f"本轮{self.COUNTERSIGN_NAME}中没有会签方“{party}”",
                           party=party)
        if task.verdict is not None:
            return refusal(ErrorCode.PARTY_NOT_PENDING, f"{task.name}已签署，不能再变动", party=party)
        return task

    # ---- the moves of a round (side actions: taken whenever they arrive during the round) ----------------------

    @action("签署会签意见", roles={Role.DEPARTMENT_OFFICER, Role.EXPERT}, stages=_round_stage, answers={"sign_off"},
            request=SignOffRequest,
            route=post("/cases/{case_id}/acceptance/sign-offs", "联合验收部门或专家签署意见（签署方取自登录身份）"))
    def sign_off(self, inp: SignOffInput, queued: Queued) -> Refusal:
        """The party is the caller's own (their department, or themselves as an expert); once per round; a fail
        gives its reasons."""
        round_ = self._current_round()
        task = party_of(inp.actor, round_) if round_ is not None and is_open(round_) else None
        if round_ is None or task is None:
            return refusal(ErrorCode.NOT_YOUR_PARTY)
        if task.verdict is not None or any(
            t.kind == "sign_off" and party_of(t.payload.actor, round_) is task for t in queued
        ):
            return refusal(ErrorCode.ALREADY_SIGNED, party=task.party, round=round_.no)
        if task.assignee is not None and task.assignee != inp.actor.username:
            return refusal(ErrorCode.NOT_YOUR_PARTY, f"该会签任务已由 {task.assignee} 承办", assignee=task.assignee)
        if inp.verdict == "fail" and not (inp.opinion or inp.findings):
            return refusal(ErrorCode.VALIDATION_FAILED, "不通过时必须写明意见或问题清单", field="opinion")
        return None

    @sign_off.applies
    async def _signed(self, inp: SignOffInput) -> None:
        round_ = self._current_round()
        assert round_ is not None
        task = party_of(inp.actor, round_)
        assert task is not None
        task.verdict, task.opinion, task.findings = inp.verdict, inp.opinion, inp.findings
        task.signed_by, task.at, task.delegate = inp.actor.username, workflow.now(), None
        verdict = "通过" if inp.verdict == "pass" else "不通过"
        self._record(inp.actor, "signed_off",
                     f"{task.name}（第{round_.no}轮）：{verdict}。{inp.opinion}",
                     round=round_.no, party=task.party, verdict=inp.verdict, findings=inp.findings)

    @action("转办", roles={Role.COUNTY_NR, Role.DEPARTMENT_OFFICER}, stages=_round_stage, guard=_holds_a_task,
            request=ReassignRequest,
            route=post("/cases/{case_id}/tasks/{party}/reassign",
                       "转办：会签任务转给本部门另一经办人（原经办人不能再办）", **PARTY))
    def reassign(self, inp: ReassignInput, _queued: Queued) -> Refusal:
        """To another officer of the same department; experts are replaced by 减签 then 加签 instead."""
        task = self._pending_task(inp.party)
        if isinstance(task, ApplicationError):
            return task
        if task.department_id is None:
            return refusal(ErrorCode.VALIDATION_FAILED, "专家会签不能转办；更换专家请减签后加签", field="party")
        if inp.actor.role is Role.DEPARTMENT_OFFICER and not holds(inp.actor, task):
            return refusal(ErrorCode.NOT_YOUR_PARTY, "只有承办该任务的经办人或县自然资源局可以转办")
        if inp.to.role is not Role.DEPARTMENT_OFFICER or inp.to.department_id != task.department_id:
            return refusal(ErrorCode.REASSIGN_TARGET_INVALID, f"只能转给{task.name}的经办人", to=inp.to.username)
        if inp.to.username == task.assignee:
            return refusal(ErrorCode.REASSIGN_TARGET_INVALID, f"该任务已由 {inp.to.display_name} 承办")
        return None

    @reassign.applies
    async def _reassigned(self, inp: ReassignInput) -> None:
        task = self._open_task(inp.party)
        assert task is not None
        previous = task.assignee or "本部门"
        task.assignee, task.delegate = inp.to.username, None
        self._record(inp.actor, "reassigned",
                     f"{task.name}的会签任务由 {previous} 转办给 {inp.to.display_name}：{inp.reason}",
                     party=task.party, to=inp.to.username, reason=inp.reason, **{"from": previous})

    @action("委派同事起草意见", roles={Role.DEPARTMENT_OFFICER}, stages=_round_stage, guard=_holds_a_task,
            request=DelegateRequest,
            route=post("/cases/{case_id}/tasks/{party}/delegate", "委派：请本部门同事起草意见，起草后交回本人签署",
                       **PARTY))
    def delegate(self, inp: DelegateInput, _queued: Queued) -> Refusal:
        """The holder asks a colleague of the same department to draft; the holder still signs."""
        task = self._pending_task(inp.party)
        if isinstance(task, ApplicationError):
            return task
        if not holds(inp.actor, task):
            return refusal(ErrorCode.NOT_YOUR_PARTY, "只有承办该任务的经办人可以委派")
        if (inp.to.role is not Role.DEPARTMENT_OFFICER or inp.to.department_id != task.department_id
                or inp.to.username == inp.actor.username):
            return refusal(ErrorCode.REASSIGN_TARGET_INVALID, f"只能委派给{task.name}的其他经办人", to=inp.to.username)
        return None

    @delegate.applies
    async def _delegated(self, inp: DelegateInput) -> None:
        task = self._open_task(inp.party)
        assert task is not None
        task.assignee, task.delegate = inp.actor.username, inp.to.username
        self._record(inp.actor, "delegated",
                     f"{inp.actor.display_name}委派 {inp.to.display_name} 起草{task.name}的意见：{inp.reason}",
                     party=task.party, to=inp.to.username, reason=inp.reason)

    @action("提交起草的意见", roles={Role.DEPARTMENT_OFFICER}, stages=_round_stage, answers={"draft_opinion"},
            request=DraftRequest,
            route=post("/cases/{case_id}/tasks/{party}/draft", "受委派的同事提交起草的意见（交回承办人签署）",
                       **PARTY))
    def draft(self, inp: DraftInput, _queued: Queued) -> Refusal:
        """Only the colleague the task was delegated to drafts."""
        task = self._pending_task(inp.party)
        if isinstance(task, ApplicationError):
            return task
        if task.delegate != inp.actor.username:
            return refusal(ErrorCode.NOT_YOUR_PARTY, "您未受委派为该任务起草意见")
        return None

    @draft.applies
    async def _drafted(self, inp: DraftInput) -> None:
        task = self._open_task(inp.party)
        assert task is not None
        task.draft = Draft(verdict=inp.verdict, opinion=inp.opinion, findings=inp.findings, by=inp.actor.username,
                           at=workflow.now())
        task.delegate = None
        verdict = "通过" if inp.verdict == "pass" else "不通过"
        self._record(inp.actor, "draft_submitted",
                     f"{inp.actor.display_name}为{task.name}起草意见（建议{verdict}），交回 {task.assignee} 签署",
                     party=task.party, verdict=inp.verdict)

    @action("加签", roles={Role.COUNTY_NR}, stages=_round_stage, guard=_round_open, request=AddPartyRequest,
            route=post("/cases/{case_id}/parties", "加签：本轮联合验收增加会签方（部门或专家），另计期限"))
    def add_party(self, inp: AddPartyInput, queued: Queued) -> Refusal:
        """A party not yet in the open round joins it, with a deadline of its own."""
        round_ = self._current_round()
        assert round_ is not None
        if task_for_party(round_, inp.spec.party) is not None or any(
                t.kind == "add_party" and t.payload.spec.party == inp.spec.party for t in queued):
            return refusal(ErrorCode.ALREADY_EXISTS, f"{inp.spec.name}已在本轮会签中", party=inp.spec.party)
        return None

    @add_party.applies
    async def _party_added(self, inp: AddPartyInput) -> None:
        round_ = self._current_round()
        assert round_ is not None
        plan = await self._plan_sign_off()
        round_.parties.append(task_of(inp.spec, plan, added_at=workflow.now()))
        if all(p.party != inp.spec.party for p in self._roster()):
            self._roster().append(inp.spec)  # later rounds call on it too
        self._record(inp.actor, "party_added",
                     f"加签{inp.spec.name}（第{round_.no}轮，期限 {plan.due}）：{inp.reason}",
                     party=inp.spec.party, round=round_.no, due=str(plan.due), reason=inp.reason)

    @action("减签", roles={Role.COUNTY_NR}, stages=_round_stage, guard=_round_open, request=RemovePartyRequest,
            danger=True,
            route=delete("/cases/{case_id}/parties/{party}", "减签：本轮联合验收去掉一个尚未签署的会签方", **PARTY))
    def remove_party(self, inp: RemovePartyInput, queued: Queued) -> Refusal:
        """A party that has not signed leaves the round; the last one cannot."""
        task = self._pending_task(inp.party)
        if isinstance(task, ApplicationError):
            return task
        round_ = self._current_round()
        assert round_ is not None
        leaving = {inp.party} | {t.payload.party for t in queued if t.kind == "remove_party"}
        if not [t for t in active(round_) if t.party not in leaving]:
            return refusal(ErrorCode.LAST_PARTY)
        return None

    @remove_party.applies
    async def _party_removed(self, inp: RemovePartyInput) -> None:
        round_ = self._current_round()
        task = self._open_task(inp.party)
        assert round_ is not None and task is not None
        task.removed_at, task.removed_reason = workflow.now(), inp.reason
        self._roster()[:] = [p for p in self._roster() if p.party != inp.party]
        self._record(inp.actor, "party_removed",
                     f"减签{task.name}（第{round_.no}轮）：{inp.reason}", party=inp.party, round=round_.no,
                     reason=inp.reason)

    def _urge(self, party: str, urge: Urge) -> None:
        task = self._open_task(party)
        if task is None:
            self._case.urges[party] = urge
        else:
            task.urged_at, task.urge_message = urge.at, urge.message

    # ---- who is pending, and when they are reminded and escalated ----------------------------------------------

    def _countersign_pending(self) -> list[Pending]:
        round_ = self._current_round()
        if round_ is None or not is_open(round_):
            return []
        out = []
        for t in pending(round_):
            role = Role.EXPERT if is_expert(t.party) else Role.DEPARTMENT_OFFICER
            common = {"party": t.party, "name": t.name, "role": role, "due": t.due, "due_at": t.due_at,
                      "overdue": t.escalated_at is not None, "department_id": t.department_id,
                      "urged_at": t.urged_at, "urge_message": t.urge_message}
            out.append(Pending(task="sign_off", assignee=t.assignee, **common))
            if t.delegate is not None:
                out.append(Pending(task="draft_opinion", assignee=t.delegate, **common))
        return out

    def _countersign_alarms(self) -> list[Alarm]:
        round_ = self._current_round()
        if round_ is None or not is_open(round_):
            return []
        alarms: list[Alarm] = []
        for task in pending(round_):
            if task.remind_at and not task.reminded_at:
                alarms.append((task.remind_at, partial(self._remind_party, task)))
            if task.due_at and not task.escalated_at:
                alarms.append((task.due_at, partial(self._escalate_party, task)))
        return alarms

    async def _remind_party(self, task: PartyTask) -> None:
        task.reminded_at = workflow.now()
        self._record(SYSTEM, "reminded", f"提醒{task.name}：{self.COUNTERSIGN_NAME}意见将于 {task.due} 到期",
                     party=task.party, due=str(task.due))

    async def _escalate_party(self, task: PartyTask) -> None:
        task.escalated_at = workflow.now()
        self._record(SYSTEM, "escalated",
                     f"{task.name}逾期未签署{self.COUNTERSIGN_NAME}意见（期限 {task.due}），已报县自然资源局及督查组",
                     party=task.party, due=str(task.due), to=["county_nr", "supervisor"])
