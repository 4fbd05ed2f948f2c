"""Starting cases, sending them actions and reading them: registry facts in, workflow calls out.

The API keeps no state machine of its own: a refusal comes from the workflow's validators, except for facts only
the registry knows (the mine, its licence, the county's departments, the named experts).
"""

import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import NamedTuple, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import Principal
from api.kinds import REOPENING, Kind, kind_of_case
from api.moratorium import ensure_reopening_may_be_approved
from api.scope import ensure_can_view
from domain.calendar import local_date
from domain.cases import Status
from domain.divisions import city_of, covers
from domain.errors import DomainError, ErrorCode
from domain.reopening import DEFAULTS, JOINT_ACCEPTANCE_DEPARTMENTS
from domain.roles import DEPARTMENT_KIND_NAMES, DepartmentKind, Role
from models.audit import case_timeline
from models.cases import Actor, CaseViewBase, MineFacts, PartySpec, TimelineEntry, UserRef
from models.db import Database, utcnow
from models.projection import CaseCopy, CaseRecord, IdempotencyRecord
from models.registry import Department, Division, Enterprise, Mine, MineStatus, User
from models.reopening import (
    IntakeInput,
    IntakeRequest,
    ReopeningCreate,
    ReopeningPolicy,
    ReopeningStart,
    ReopeningView,
)
from settings import Settings, queue_name
from workflows.parts.countersign import expert_party

View = TypeVar("View", bound=CaseViewBase)


def new_case_id(prefix: str, now: datetime) -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
    return f"{prefix}-{local_date(now):%Y%m%d}-{''.join(secrets.choice(alphabet) for _ in range(6))}"


def reopening_policy(settings: Settings) -> ReopeningPolicy:
    return ReopeningPolicy(**{**asdict(DEFAULTS), **settings.reopening_policy})


def request_hash(body: BaseModel) -> str:
    raw = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def update_id(principal: Principal, idempotency_key: str | None) -> str | None:
    """Temporal de-duplicates updates by id within a case: the same key from the same user is applied once."""
    if not idempotency_key:
        return None
    return hashlib.sha256(f"{principal.username}\n{idempotency_key}".encode()).hexdigest()


# ---- starting a case ---------------------------------------------------------------------------------------------

Start = TypeVar("Start", bound=BaseModel)


async def start_case(
    *, kind: Kind, session: AsyncSession, db: Database, temporal: Client, settings: Settings, principal: Principal,
    body: BaseModel, idempotency_key: str | None, build: Callable[[], Awaitable[Start]], start_type: type[Start],
) -> CaseViewBase:
    """Start a case of `kind` from `body`: `build()` checks the registry and makes the workflow's start input (with
    its `case_id`). With an Idempotency-Key the same request from the same user starts one case, ever."""
    digest = request_hash(body)
    if idempotency_key:
        previous = await session.get(IdempotencyRecord, (principal.username, idempotency_key))
        if previous is not None:
            await session.commit()
            return await with_timeline(session, await _replay(kind, temporal, settings, previous, digest, start_type))
    start = await build()
    case_id: str = start.case_id  # type: ignore[attr-defined]  # every start input names its case
    if idempotency_key:
        await session.commit()  # hand the read connection back before taking a writer's
        try:
            # Its own short write transaction: upgrading this request's read transaction to a writer would fail
            # at once under SQLite WAL whenever another writer had committed since it began.
            async with db.write() as writer:
                writer.add(IdempotencyRecord(username=principal.username, key=idempotency_key, request_hash=digest,
                                             case_id=case_id, request_body=start.model_dump_json(),
                                             created_at=utcnow()))
        except IntegrityError:  # the same key raced in from another request: answer as it did
            await session.commit()  # a fresh snapshot, to see the other request's record
            previous = await session.get(IdempotencyRecord, (principal.username, idempotency_key))
            assert previous is not None
            await session.commit()
            return await with_timeline(session, await _replay(kind, temporal, settings, previous, digest, start_type))
    await session.commit()  # no connection held while Temporal starts the case
    return await with_timeline(session, await _open(kind, temporal, settings, start, case_id))


async def _replay(kind: Kind, temporal: Client, settings: Settings, previous: IdempotencyRecord, digest: str,
                  start_type: type[BaseModel]) -> CaseViewBase:
    if previous.request_hash != digest:
        raise DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, details={"case_id": previous.case_id})
    # Started already, or the first request died between recording the key and starting: start it now.
    start = start_type.model_validate_json(previous.request_body)
    return await _open(kind, temporal, settings, start, previous.case_id)


async def _open(kind: Kind, temporal: Client, settings: Settings, start: BaseModel, case_id: str) -> CaseViewBase:
    """Start the case (or join it, if this id already runs) and answer once it is in the projection."""
    operation = WithStartWorkflowOperation(
        kind.workflow.run, start, id=case_id, task_queue=queue_name(settings.task_queue, kind.family),  # type: ignore[attr-defined]
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    try:
        view: CaseViewBase = await temporal.execute_update_with_start_workflow(
            "registered", start_workflow_operation=operation, result_type=kind.view,
            rpc_timeout=timedelta(seconds=settings.update_timeout_seconds),
        )
        return view
    except WorkflowAlreadyStartedError:  # long closed already: its final state is its result
        return await temporal.get_workflow_handle(case_id, result_type=kind.view).result()  # type: ignore[no-any-return]


async def start_reopening(
    *, session: AsyncSession, db: Database, temporal: Client, settings: Settings, principal: Principal,
    body: ReopeningCreate, idempotency_key: str | None,
) -> ReopeningView:
    view = await start_case(kind=REOPENING, session=session, db=db, temporal=temporal, settings=settings,
                            principal=principal, body=body, idempotency_key=idempotency_key,
                            build=lambda: _build_start(session, principal, body, settings), start_type=ReopeningStart)
    assert isinstance(view, ReopeningView)
    return view


async def _build_start(session: AsyncSession, principal: Principal, body: ReopeningCreate,
                       settings: Settings) -> ReopeningStart:
    mine = await session.get(Mine, body.mine_id)
    if mine is None:
        raise DomainError(ErrorCode.MINE_NOT_FOUND, details={"mine_id": body.mine_id})
    if mine.enterprise_id != principal.user.enterprise_id:
        raise DomainError(ErrorCode.NOT_YOUR_CASE, "只能为本企业的矿山申请开复工")
    if mine.status is MineStatus.CLOSED:
        raise DomainError(ErrorCode.MINE_CLOSED)
    now = utcnow()
    today = local_date(now)
    if mine.licence_valid_to < today:
        raise DomainError(ErrorCode.LICENCE_EXPIRED,
                          f"采矿许可证 {mine.licence_no} 已于 {mine.licence_valid_to} 到期，不能申请开复工",
                          {"licence_no": mine.licence_no, "licence_valid_to": str(mine.licence_valid_to)})
    if mine.licence_valid_from > today:
        raise DomainError(ErrorCode.LICENCE_NOT_YET_VALID,
                          details={"licence_no": mine.licence_no, "licence_valid_from": str(mine.licence_valid_from)})
    open_case = (await session.exec(select(CaseRecord.case_id).where(
        CaseRecord.mine_id == mine.id, CaseRecord.kind == "reopening", CaseRecord.status == Status.ACTIVE.value,
    ))).first()
    if open_case is not None:
        raise DomainError(ErrorCode.CASE_ALREADY_OPEN, details={"case_id": open_case})

    enterprise = await session.get(Enterprise, mine.enterprise_id)
    county = await session.get(Division, mine.division_code)
    township = await session.get(Department, mine.township_id)
    assert enterprise is not None and county is not None and township is not None  # foreign keys
    departments = await _acceptance_parties(session, county, township)
    facts = MineFacts(
        mine_id=mine.id or 0, mine_name=mine.name, enterprise_id=enterprise.id or 0, enterprise_name=enterprise.name,
        division_code=county.code, division_name=county.name, county_short_name=county.short_name,
        city_code=county.parent_code or city_of(county.code), township_id=township.id or 0,
        township_name=township.name, mineral=mine.mineral, method=mine.method, scale_wt=mine.scale_wt,
        licence_no=mine.licence_no, licence_valid_to=mine.licence_valid_to,
    )
    return ReopeningStart(case_id=new_case_id("KFG", now), mine=facts, reason=body.reason,
                          materials=body.materials, departments=departments, applicant=principal.actor(),
                          policy=reopening_policy(settings))


async def _acceptance_parties(session: AsyncSession, county: Division, township: Department) -> list[PartySpec]:
    """The county's departments that take part in joint acceptance (seed 000 §二(三)) and the mine's township."""
    rows = (await session.exec(select(Department).where(
        Department.division_code == county.code,
        col(Department.kind).in_([k for k in JOINT_ACCEPTANCE_DEPARTMENTS if k is not DepartmentKind.TOWNSHIP]),
    ).order_by(col(Department.id)))).all()
    by_kind: dict[DepartmentKind, Department] = {}
    for dept in rows:
        by_kind.setdefault(dept.kind, dept)
    parties = []
    for kind in JOINT_ACCEPTANCE_DEPARTMENTS:
        dept = township if kind is DepartmentKind.TOWNSHIP else by_kind.get(kind)
        if dept is None:
            raise DomainError(ErrorCode.REGISTRY_INCOMPLETE,
                              f"{county.name}缺少{DEPARTMENT_KIND_NAMES[kind]}部门，无法组织联合验收",
                              {"missing_kind": kind.value})
        parties.append(PartySpec(party=kind.value, name=dept.name, department_id=dept.id))
    return parties


# ---- reading and acting on a case -------------------------------------------------------------------------------

class CaseScope(NamedTuple):
    division: str
    enterprise: int | None  # the applicant
    counterparty: int | None  # a second enterprise party (a transfer's transferee), who may read the case too
    active: bool
    copied: bool  # copied (抄送) to the asking user


async def case_scope(session: AsyncSession, temporal: Client, case_id: str, username: str = "") -> CaseScope:
    """Who may see a case, in one query of the projection — or from the workflow itself in the moment between
    its start and its first projection write."""
    found = (await session.exec(
        select(CaseRecord.division_code, CaseRecord.enterprise_id, CaseRecord.counterparty_enterprise_id,
               CaseRecord.status, CaseCopy.username)
        .outerjoin(CaseCopy, (col(CaseCopy.case_id) == col(CaseRecord.case_id)) & (col(CaseCopy.username) == username))
        .where(CaseRecord.case_id == case_id)
    )).first()
    if found is not None:
        division, enterprise, counterparty, status, copied = found
        return CaseScope(division, enterprise, counterparty, status == Status.ACTIVE.value, copied is not None)
    view = await _query(temporal, case_id)
    return CaseScope(view.division_code, view.enterprise_id, view.counterparty_enterprise_id,
                     view.status is Status.ACTIVE, False)


async def ensure_access(session: AsyncSession, temporal: Client, principal: Principal, case_id: str) -> bool:
    """Refuse (403) a caller outside the case's jurisdiction unless it was copied to them; returns `active`.

    Ends the read transaction before returning: what follows waits on Temporal, and no request may hold a
    database connection while it waits (under load the pool would run dry)."""
    scope = await case_scope(session, temporal, case_id, principal.username)
    await session.commit()
    if not scope.copied:
        ensure_can_view(principal, scope.division, scope.enterprise, scope.counterparty)
    return scope.active


async def _query(temporal: Client, case_id: str) -> CaseViewBase:
    if len(case_id) > 40:
        raise DomainError(ErrorCode.CASE_NOT_FOUND)
    return await temporal.get_workflow_handle(case_id).query("case", result_type=kind_of_case(case_id).view)


async def read_case(*, session: AsyncSession, temporal: Client, principal: Principal, case_id: str) -> CaseViewBase:
    if await ensure_access(session, temporal, principal, case_id):
        return await _query(temporal, case_id)
    # A closed case's final state is its workflow result: readable even with no worker running.
    kind = kind_of_case(case_id)
    return await temporal.get_workflow_handle(case_id, result_type=kind.view).result()


async def act(
    *, session: AsyncSession, temporal: Client, settings: Settings, principal: Principal, case_id: str,
    update: str, payload: BaseModel, idempotency_key: str | None,
) -> CaseViewBase:
    if not await ensure_access(session, temporal, principal, case_id):
        raise DomainError(ErrorCode.CASE_CLOSED)
    kind = kind_of_case(case_id)
    if update not in kind.updates():  # e.g. a reopening's action sent to a closure case: no such step there
        raise DomainError(ErrorCode.WRONG_STAGE, f"{kind.name}案件没有此项操作", {"action": update, "kind": kind.code})
    if update == "approval" and kind is REOPENING:  # 两个暂停 (api/moratorium.py)
        await ensure_reopening_may_be_approved(session, case_id)
    handle = temporal.get_workflow_handle(case_id)
    try:
        view = await handle.execute_update(update, payload, id=update_id(principal, idempotency_key),
                                           result_type=kind_of_case(case_id).view,
                                           rpc_timeout=timedelta(seconds=settings.update_timeout_seconds))
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:  # it closed between our look and the update
            raise DomainError(ErrorCode.CASE_CLOSED) from exc
        raise
    return await with_timeline(session, view)


async def with_timeline(session: AsyncSession, view: View) -> View:
    """Update results carry no timeline (see CaseEngine._view); the audit chain has it, already written.

    The session may hold a read snapshot from before the update (SQLite WAL keeps one per transaction): end it,
    so the read sees what the worker committed since."""
    await session.commit()
    view.timeline = [TimelineEntry(**entry) for entry in await case_timeline(session, view.case_id)]
    return view


async def user_ref(session: AsyncSession, username: str) -> UserRef:
    """A user an action names (reassign, delegate, copy), who must exist and be active."""
    user = (await session.exec(select(User).where(User.username == username))).first()
    if user is None or not user.is_active:
        raise DomainError(ErrorCode.USER_NOT_FOUND, f"用户 {username} 不存在或已停用", {"username": username})
    return UserRef(username=user.username, display_name=user.display_name, role=user.role,
                   department_id=user.department_id, division_code=user.division_code)


async def party_spec(session: AsyncSession, case_division: str, party: str) -> PartySpec:
    """The party a 加签 names: `expert:<username>` (an expert of the county or its city), or a department kind of
    the case's county (e.g. `forestry_grassland`, `power_supply`)."""
    if party.startswith("expert:"):
        username = party.removeprefix("expert:")
        user = (await session.exec(select(User).where(User.username == username))).first()
        if not _is_expert_for(user, case_division):
            raise DomainError(ErrorCode.EXPERT_PANEL_INVALID, f"{username} 不是本县（市）可用的专家",
                              {"party": party})
        assert user is not None
        return PartySpec(party=expert_party(username), name=f"专家 {user.display_name}", assignee=username)
    try:
        kind = DepartmentKind(party)
    except ValueError as exc:
        raise DomainError(ErrorCode.VALIDATION_FAILED, f"未知的会签方：{party}", {"field": "party"}) from exc
    if kind is DepartmentKind.TOWNSHIP:
        raise DomainError(ErrorCode.VALIDATION_FAILED, "乡镇已是会签方；其他乡镇请以部门编号加签", {"field": "party"})
    dept = (await session.exec(select(Department).where(
        Department.division_code == case_division, Department.kind == kind).order_by(col(Department.id)))).first()
    if dept is None:
        raise DomainError(ErrorCode.DEPARTMENT_NOT_FOUND, f"本县（区）没有{DEPARTMENT_KIND_NAMES[kind]}部门",
                          {"party": party})
    return PartySpec(party=kind.value, name=dept.name, department_id=dept.id)


async def intake_input(session: AsyncSession, actor: Actor, case_division: str, body: IntakeRequest) -> IntakeInput:
    """Resolve the named experts: each must be an active `expert` user of the case's county or its city."""
    experts: list[PartySpec] = []
    if body.decision == "accept" and body.experts:
        users = {u.username: u for u in (await session.exec(
            select(User).where(col(User.username).in_(body.experts))
        )).all()}
        unknown = [name for name in body.experts if not _is_expert_for(users.get(name), case_division)]
        if unknown:
            raise DomainError(ErrorCode.EXPERT_PANEL_INVALID, f"以下用户不是本县（市）可用的专家：{'、'.join(unknown)}",
                              {"unknown_experts": unknown})
        experts = [PartySpec(party=expert_party(name), name=f"专家 {users[name].display_name}", assignee=name)
                   for name in dict.fromkeys(body.experts)]
        if len(experts) != len(body.experts):
            raise DomainError(ErrorCode.EXPERT_PANEL_INVALID, "专家名单有重复", {"experts": body.experts})
    return IntakeInput(actor=actor, decision=body.decision, missing=body.missing, experts=experts, note=body.note)


def _is_expert_for(user: User | None, division_code: str) -> bool:
    """Experts of the case's county, or of the city pool above it."""
    return (user is not None and user.is_active and user.role is Role.EXPERT and user.division_code is not None
            and covers(user.division_code, division_code))
