"""会签 (countersign): all-of rounds of parties, each with its own deadline, reminder and escalation.

A round is explicit: returning a case or re-inspecting opens a new, complete round; a closed round keeps its
sign-offs on the record and accepts none.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.roles import Role
    from models.cases import Actor, DeadlinePlan, PartySpec, PartyTask, Round

EXPERT_PREFIX = "expert:"


def expert_party(username: str) -> str:
    return f"{EXPERT_PREFIX}{username}"


def open_round(no: int, parties: list[PartySpec], plan: DeadlinePlan, now: datetime) -> Round:
    return Round(
        no=no, opened_at=now,
        parties=[
            PartyTask(party=p.party, name=p.name, department_id=p.department_id, assignee=p.assignee,
                      due=plan.due, due_at=plan.due_at, remind_at=plan.remind_at)
            for p in parties
        ],
    )


def is_open(round_: Round | None) -> bool:
    return round_ is not None and round_.closed_at is None


def pending(round_: Round) -> list[PartyTask]:
    return [p for p in round_.parties if p.verdict is None]


def all_answered(round_: Round) -> bool:
    return not pending(round_)


def outcome(round_: Round) -> str:
    """All-of: the round passes only when every party passed."""
    return "pass" if all(p.verdict == "pass" for p in round_.parties) else "fail"


def close(round_: Round, result: str, now: datetime) -> None:
    round_.closed_at = now
    round_.outcome = result  # type: ignore[assignment]


def party_of(actor: Actor, round_: Round) -> PartyTask | None:
    """The party `actor` signs for in `round_`, or None. Experts sign for themselves, officers for their
    department (only the assignee once the task is assigned)."""
    for task in round_.parties:
        if actor.role is Role.EXPERT and task.party == expert_party(actor.username):
            return task
        if (actor.role is Role.DEPARTMENT_OFFICER and task.department_id is not None
                and task.department_id == actor.department_id):
            return task
    return None


def may_sign(actor: Actor, task: PartyTask) -> bool:
    return task.assignee is None or task.assignee == actor.username
