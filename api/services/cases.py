"""Cases: starting one of any kind, sending it an action, reading it, listing them — registry facts in, workflow
calls out. The routes and the console both call these; neither holds a query of its own.

The API keeps no state machine: a refusal comes from the workflow's validators, except for facts only the registry
knows (the mine, its licence, the county's departments, the named experts), which the kind's start builder and
its actions' prepare hooks (api/kinds.py) check first.
"""

import hashlib
import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pydantic import BaseModel
from sqlalchemy import and_, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

import timings
from api.deps import Principal
from api.files_service import attach_accepted, file_refs
from api.kinds import KINDS, PREPARES, Acting, Kind, Starting, kind_of_case
from api.scope import case_filter, ensure_can_view
from api.services import registry
from domain.calendar import local_date
from domain.cases import Status
from domain.divisions import division_code_problem, level
from domain.errors import DomainError, ErrorCode
from models.audit import case_timeline
from models.cases import CaseViewBase, TimelineEntry, UserRef
from models.db import Database, utcnow, write_beside
from models.file_refs import MAX_CARRIED, FileRef
from models.projection import CaseCopy, CaseRecord, IdempotencyRecord
from models.queues import queue_name
from settings import Settings
from workflows.parts.actions import Action
from workflows.parts.engine import CASE_QUERY


def new_case_id(kind: Kind, *, now: datetime | None = None) -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
    return f"{kind.prefix}-{local_date(now or utcnow()):%Y%m%d}-{''.join(secrets.choice(alphabet) for _ in range(6))}"


def request_hash(body: BaseModel, extra: Mapping[str, Any] | None = None) -> str:
    content: Any = body.model_dump(mode="json")
    if extra:  # what else the request names (an action's case and path parameters)
        content = {"body": content, **extra}
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def update_id(principal: Principal, idempotency_key: str | None, digest: str = "") -> str | None:
    """Temporal de-duplicates updates by id within a case: the same key from the same user, with the same request,
    is applied once (a corrected request after a refusal is a new update)."""
    if not idempotency_key:
        return None
    return hashlib.sha256(f"{principal.username}\n{idempotency_key}\n{digest}".encode()).hexdigest()


# ---- starting a case -----------------------------------------------------------------------------------------------

async def start(*, kind: Kind, session: AsyncSession, db: Database, temporal: Client, settings: Settings,
                principal: Principal, body: BaseModel, idempotency_key: str | None) -> CaseViewBase:
    """Start a case of `kind` from `body` (its `Start.request`). With an Idempotency-Key the same request from the
    same user starts one case, ever; the same key with another body is refused."""
    assert kind.start is not None, f"{kind.code} is not started over HTTP"
    if principal.role not in kind.start.roles:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, details={"allowed": sorted(r.value for r in kind.start.roles)})
    digest = request_hash(body)
    if idempotency_key:
        previous = await session.get(IdempotencyRecord, (principal.username, idempotency_key))
        if previous is not None:
            await session.commit()
            replayed = await _replay(session, kind, temporal, settings, principal, previous, digest)
            return await with_timeline(session, replayed)
    refs = await carried_files(session=session, principal=principal, body=body)
    with timings.phase("prepare"):
        start_input = with_files(await kind.start.build(Starting(session=session, db=db, settings=settings,
                                                                 principal=principal), body), refs)
    case_id: str = start_input.case_id  # type: ignore[attr-defined]  # every start input names its case
    if idempotency_key:
        await session.commit()  # hand the read connection back before taking a writer's
        try:
            # Its own short write transaction: upgrading this request's read transaction to a writer would fail
            # at once under SQLite WAL whenever another writer had committed since it began.
            with timings.phase("idempotency"):
                async with db.write() as writer:
                    writer.add(IdempotencyRecord(username=principal.username, key=idempotency_key,
                                                 request_hash=digest, case_id=case_id,
                                                 request_body=start_input.model_dump_json(), created_at=utcnow()))
        except IntegrityError:  # the same key raced in from another request: answer as it did
            await session.commit()  # a fresh snapshot, to see the other request's record
            previous = await session.get(IdempotencyRecord, (principal.username, idempotency_key))
            assert previous is not None
            await session.commit()
            replayed = await _replay(session, kind, temporal, settings, principal, previous, digest)
            return await with_timeline(session, replayed)
    await session.commit()  # no connection held while Temporal starts the case
    view = await open_case(kind=kind, temporal=temporal, settings=settings, principal=principal,
                           start_input=start_input, case_id=case_id)
    if refs:
        await attach_accepted(session=session, case_id=case_id, file_ids=[r.id for r in refs], principal=principal)
    return await with_timeline(session, view)


async def _replay(session: AsyncSession, kind: Kind, temporal: Client, settings: Settings, principal: Principal,
                  previous: IdempotencyRecord, digest: str) -> CaseViewBase:
    if previous.request_hash != digest or not previous.case_id.startswith(f"{kind.prefix}-"):
        raise DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, details={"case_id": previous.case_id})
    # Started already, or the first request died between recording the key and starting: start it now, and
    # attach its files (idempotent) in case it died before doing so.
    start_input = kind.start_input.model_validate_json(previous.request_body)
    view = await open_case(kind=kind, temporal=temporal, settings=settings, principal=principal,
                           start_input=start_input, case_id=previous.case_id)
    if refs := list(getattr(start_input, "files", None) or []):
        await attach_accepted(session=session, case_id=previous.case_id, file_ids=[r.id for r in refs],
                              principal=principal)
    return view


async def open_case(*, kind: Kind, temporal: Client, settings: Settings, principal: Principal,
                    start_input: BaseModel, case_id: str) -> CaseViewBase:
    """Start the case (or join it, if this id already runs) and answer once it is in the projection (what
    `start` does once the request is checked; batch starts call it for each mine)."""
    operation = WithStartWorkflowOperation(
        kind.workflow.run, start_input, id=case_id,  # type: ignore[attr-defined]
        task_queue=queue_name(settings.task_queue, kind.family),
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    try:
        with timings.phase("temporal"):
            view: CaseViewBase = await temporal.execute_update_with_start_workflow(
                kind.workflow.registered, principal.actor(),  # type: ignore[attr-defined]
                start_workflow_operation=operation, result_type=kind.view,
                rpc_timeout=timedelta(seconds=settings.update_timeout_seconds),
            )
        return view
    except WorkflowAlreadyStartedError:  # long closed already: its final state is its result
        return await temporal.get_workflow_handle(case_id, result_type=kind.view).result()  # type: ignore[no-any-return]


# ---- who may read a case -------------------------------------------------------------------------------------------

class CaseScope(NamedTuple):
    division: str
    enterprise: int | None  # the applicant
    counterparty: int | None  # a second enterprise party (a transfer's transferee), who may read the case too
    active: bool
    copied: bool  # copied (抄送) to the asking user


async def case_scope(*, session: AsyncSession, temporal: Client, case_id: str, username: str = "") -> CaseScope:
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


async def ensure_access(*, session: AsyncSession, temporal: Client, principal: Principal,
                        case_id: str) -> CaseScope:
    """Refuse (403) a caller outside the case's jurisdiction unless it was copied to them.

    Ends the read transaction before returning: what follows waits on Temporal, and no request may hold a
    database connection while it waits (under load the pool would run dry)."""
    scope = await case_scope(session=session, temporal=temporal, case_id=case_id, username=principal.username)
    await session.commit()
    if not scope.copied:
        ensure_can_view(principal, scope.division, scope.enterprise, scope.counterparty)
    return scope


async def _query(temporal: Client, case_id: str, principal: Principal | None = None) -> CaseViewBase:
    if len(case_id) > 40:
        raise DomainError(ErrorCode.CASE_NOT_FOUND)
    kind = kind_of_case(case_id)
    handle = temporal.get_workflow_handle(case_id)
    return await handle.query(CASE_QUERY, principal.actor() if principal else None, result_type=kind.view)


async def read(*, session: AsyncSession, temporal: Client, principal: Principal, case_id: str) -> CaseViewBase:
    """The case now, with what the caller may do to it (`available_actions`)."""
    if (await ensure_access(session=session, temporal=temporal, principal=principal, case_id=case_id)).active:
        return await _query(temporal, case_id, principal)
    # A closed case's final state is its workflow result: readable even with no worker running. Its workflow may
    # still run a moment after the case closed, issuing its last documents (workflows/parts/documents.py): then the
    # query answers, rather than waiting for the result.
    kind = kind_of_case(case_id)
    handle = temporal.get_workflow_handle(case_id, result_type=kind.view)
    if (await handle.describe()).status is WorkflowExecutionStatus.RUNNING:
        return await _query(temporal, case_id, principal)
    return await handle.result()  # type: ignore[no-any-return]


# ---- files an action carries ---------------------------------------------------------------------------------------

async def carried_files(*, session: AsyncSession, principal: Principal, body: BaseModel) -> list[FileRef]:
    """The files a request names (`files`: ids of uploads), each readable by the caller — else 404 FILE_NOT_FOUND
    before anything is sent to the case. The same for every action and every start: they are attached to the case
    only once the workflow accepted the request (a refused one attaches nothing)."""
    ids = named_files(body)
    if len(ids) > MAX_CARRIED:
        raise DomainError(ErrorCode.TOO_MANY_FILES, f"一次最多提交 {MAX_CARRIED} 个文件（本次 {len(ids)} 个）",
                          {"limit": MAX_CARRIED, "given": len(ids)})
    return await file_refs(session=session, principal=principal, file_ids=ids) if ids else []


def named_files(body: BaseModel) -> list[str]:
    """Every file id a request names, once each: its own `files`, then those under each of its materials."""
    ids: list[str] = list(getattr(body, "files", None) or [])
    for material in getattr(body, "materials", None) or []:
        ids += getattr(material, "files", None) or []
    return list(dict.fromkeys(ids))


def with_files(payload: BaseModel, refs: list[FileRef]) -> BaseModel:
    """The workflow input carrying the checked references, where its model records them (`files`)."""
    if "files" not in type(payload).model_fields:
        return payload
    return payload.model_copy(update={"files": refs})


# ---- acting on a case ----------------------------------------------------------------------------------------------

def action_for(kind: Kind, *, method: str, path: str) -> Action:
    """The kind's action taken at this route, or 409: a reopening's step sent to a closure case has no such step."""
    found = next((a for a in kind.actions().values() if a.route.method == method and a.route.path == path), None)
    if found is None:
        raise DomainError(ErrorCode.WRONG_STAGE, f"{kind.name}案件没有此项操作", {"kind": kind.code})
    return found


async def prepare(*, action: Action, acting: Acting, body: BaseModel) -> BaseModel:
    """The workflow input for `body`: the action's prepare hook, or the request's fields with the caller as
    `actor`, the route's path parameters and any user the request names (as a `UserRef`)."""
    hook = PREPARES.get(action.handler) if action.handler is not None else None
    if hook is not None:
        return await hook(acting, body)
    fields: dict[str, Any] = {**body.model_dump(), **acting.params}
    for name, info in action.input.model_fields.items():
        if info.annotation is UserRef and isinstance(fields.get(name), str):
            fields[name] = await registry.user_ref(session=acting.session, username=fields[name])
    return action.input(actor=acting.actor, **fields)


async def act(*, session: AsyncSession, temporal: Client, settings: Settings, principal: Principal, case_id: str,
              action: Action | None = None, method: str = "POST", path: str = "", body: BaseModel,
              params: Mapping[str, Any] | None = None, idempotency_key: str | None = None) -> CaseViewBase:
    """Take an action on a case: the action itself, or the one the case's kind takes at `method path`.

    With an Idempotency-Key the same request from the same user is applied once (Temporal de-duplicates the
    update by id); the key once used for an action that took effect is refused for anything else. A refused
    request binds nothing: corrected, it may be sent again with the same key."""
    kind = kind_of_case(case_id)
    with timings.phase("scope"):
        scope = await ensure_access(session=session, temporal=temporal, principal=principal, case_id=case_id)
    spec = action or action_for(kind, method=method, path=path)
    if spec.name not in kind.actions():
        raise DomainError(ErrorCode.WRONG_STAGE, f"{kind.name}案件没有此项操作", {"kind": kind.code})
    digest = request_hash(body, {"action": spec.name, "case_id": case_id, "params": dict(params or {})})
    if not scope.active:
        # A retry of the very action that closed the case (its answer lost on the way) gets that answer again.
        if idempotency_key and (first := await _closing_answer(session, temporal, kind, principal, case_id,
                                                               idempotency_key, digest)) is not None:
            return await with_timeline(session, first)
        raise DomainError(ErrorCode.CASE_CLOSED)
    acting = Acting(session=session, settings=settings, principal=principal, case_id=case_id,
                    division_code=scope.division, params=params or {})
    with timings.phase("prepare"):
        refs = await carried_files(session=session, principal=principal, body=body)
        bare = body.model_copy(update={"files": []}) if refs else body  # ids in, references out (`with_files`)
        payload = with_files(await prepare(action=spec, acting=acting, body=bare), refs)
        await session.commit()  # what follows waits on Temporal: hold no connection
    username = principal.username
    if idempotency_key:
        with timings.phase("idempotency"):
            await _remember(session, username, idempotency_key, case_id, spec.name, digest)
    try:
        with timings.phase("temporal"):
            view: CaseViewBase = await temporal.get_workflow_handle(case_id).execute_update(
                spec.handler, payload, id=update_id(principal, idempotency_key, digest),  # type: ignore[arg-type]
                result_type=kind.view, rpc_timeout=timedelta(seconds=settings.update_timeout_seconds))
    except Exception as exc:
        closed = isinstance(exc, RPCError) and exc.status is RPCStatusCode.NOT_FOUND
        refused = closed or isinstance(exc, WorkflowUpdateFailedError)  # (a timeout may still take effect)
        if idempotency_key and refused:
            await _forget(session, username, idempotency_key, digest)
        if closed:  # it closed between our look and the update
            raise DomainError(ErrorCode.CASE_CLOSED) from exc
        raise
    if refs:  # accepted: the files join the case (a retry with the same key attaches nothing twice)
        await attach_accepted(session=session, case_id=case_id, file_ids=[r.id for r in refs], principal=principal)
    return await with_timeline(session, view)


async def _closing_answer(session: AsyncSession, temporal: Client, kind: Kind, principal: Principal, case_id: str,
                          key: str, digest: str) -> CaseViewBase | None:
    """What the first request with this key got, if it was an action on this closed case that took effect: the
    update's own outcome, which Temporal keeps with the closed workflow. None when the key was never used here
    (or its request was refused), so the caller is told the case is closed."""
    record = await session.get(IdempotencyRecord, (principal.username, key))
    await session.commit()
    if record is None or record.request_hash != digest or record.case_id != case_id:
        if record is not None:  # the key already stands for something else
            raise DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, details={"case_id": record.case_id})
        return None
    handle = temporal.get_workflow_handle(case_id).get_update_handle(
        update_id(principal, key, digest) or "", result_type=kind.view)
    try:
        return await handle.result()  # type: ignore[no-any-return]
    except (RPCError, WorkflowUpdateFailedError):
        return None  # no such update took effect: the case was closed by another action


async def _remember(session: AsyncSession, username: str, key: str, case_id: str, action: str, digest: str) -> None:
    """Record what this key is used for; the same key for anything else is 422 IDEMPOTENCY_KEY_REUSED. A retry
    of the same request carries on to Temporal, which answers it as it answered the first."""
    # Its own transaction: a failed insert rolls back only this, not the request's objects (the caller's user).
    try:
        async with write_beside(session) as own:
            own.add(IdempotencyRecord(username=username, key=key, request_hash=digest, case_id=case_id,
                                      request_body=action, created_at=utcnow()))
        return
    except IntegrityError:
        pass
    async with AsyncSession(session.bind, expire_on_commit=False) as own:
        previous = (await own.exec(select(IdempotencyRecord.request_hash, IdempotencyRecord.case_id).where(
            IdempotencyRecord.username == username, IdempotencyRecord.key == key))).first()
        await own.commit()
    if previous is None or previous[0] != digest:
        raise DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED, details={"case_id": previous[1] if previous else case_id})


async def _forget(session: AsyncSession, username: str, key: str, digest: str) -> None:
    """The action was refused: the key binds nothing."""
    async with write_beside(session) as own:
        record = await own.get(IdempotencyRecord, (username, key))
        if record is not None and record.request_hash == digest:
            await own.delete(record)


async def with_timeline(session: AsyncSession, view: CaseViewBase) -> CaseViewBase:
    """Update results carry no timeline (see CaseEngine._view); the audit chain has it, already written.

    The session may hold a read snapshot from before the update (SQLite WAL keeps one per transaction): end it,
    so the read sees what the worker committed since."""
    with timings.phase("timeline"):
        await session.commit()
        view.timeline = [TimelineEntry(**entry) for entry in await case_timeline(session, view.case_id)]
    return view


# ---- lists ---------------------------------------------------------------------------------------------------------

class CaseQuery(BaseModel):
    """The case list's filters (every one optional)."""

    kind: str | None = None
    stage: str | None = None
    status: Status | None = None
    division_code: str | None = None
    overdue: bool | None = None
    q: str | None = None
    page: int = 1
    page_size: int = 20
    cursor: str | None = None
    case_ids: list[str] | None = None  # only these (a dashboard figure's cases)


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def encode_cursor(record: CaseRecord) -> str:
    import base64

    return base64.urlsafe_b64encode(f"{record.submitted_at.isoformat()}|{record.case_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    import base64
    import binascii

    try:
        at, case_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(at), case_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise DomainError(ErrorCode.VALIDATION_FAILED, "分页游标无效", {"field": "cursor"}) from exc


def case_conditions(principal: Principal, query: CaseQuery) -> list[Any]:
    """The list's WHERE: the caller's scope and the chosen filters (422 for a stage or division that is none)."""
    conditions: list[Any] = [case_filter(principal)]
    if query.kind:
        conditions.append(col(CaseRecord.kind) == query.kind)
    if query.stage:
        known = [KINDS[query.kind]] if query.kind in KINDS else list(KINDS.values())
        if not any(query.stage in k.stage_names for k in known):
            raise DomainError(ErrorCode.VALIDATION_FAILED, f"未知的阶段：{query.stage}", {"field": "stage"})
        conditions.append(col(CaseRecord.stage) == query.stage)
    if query.status:
        conditions.append(col(CaseRecord.status) == query.status.value)
    if code := query.division_code:
        if problem := division_code_problem(code):
            raise DomainError(ErrorCode.INVALID_DIVISION_CODE, problem, {"field": "division_code"})
        conditions.append(col(CaseRecord.division_code) == code if level(code) == "county"
                          else col(CaseRecord.city_code) == code if level(code) == "city"
                          else col(CaseRecord.division_code).startswith(code[:2]))
    if query.overdue is not None:
        conditions.append(col(CaseRecord.overdue) == query.overdue)
    if query.q and query.q.strip():
        pattern = _like(query.q.strip())
        conditions.append(or_(*(col(c).ilike(pattern, escape="\\") for c in (
            CaseRecord.mine_name, CaseRecord.enterprise_name, CaseRecord.licence_no, CaseRecord.case_id))))
    if query.case_ids is not None:
        conditions.append(col(CaseRecord.case_id).in_(query.case_ids))
    return conditions


async def list_cases(*, session: AsyncSession, principal: Principal, query: CaseQuery
                     ) -> tuple[list[CaseRecord], int, str | None]:
    """A page of the caller's cases, newest first: (rows, total, next cursor)."""
    conditions = case_conditions(principal, query)
    total = (await session.exec(select(func.count()).select_from(CaseRecord).where(*conditions))).one()
    statement = select(CaseRecord).where(*conditions)
    if query.cursor:
        at, case_id = decode_cursor(query.cursor)
        statement = statement.where(or_(col(CaseRecord.submitted_at) < at,
                                        and_(col(CaseRecord.submitted_at) == at, col(CaseRecord.case_id) < case_id)))
    else:
        statement = statement.offset((query.page - 1) * query.page_size)
    rows = (await session.exec(statement.order_by(col(CaseRecord.submitted_at).desc(), col(CaseRecord.case_id).desc())
                               .limit(query.page_size + 1))).all()
    items = list(rows[:query.page_size])
    return items, total, encode_cursor(items[-1]) if len(rows) > query.page_size else None


async def copied_to(*, session: AsyncSession, username: str, page: int, page_size: int
                    ) -> tuple[list[CaseRecord], int]:
    """The cases copied (抄送) to a user, most recently changed first."""
    condition = col(CaseRecord.case_id).in_(select(CaseCopy.case_id).where(CaseCopy.username == username))
    total = (await session.exec(select(func.count()).select_from(CaseRecord).where(condition))).one()
    rows = (await session.exec(select(CaseRecord).where(condition)
                               .order_by(col(CaseRecord.updated_at).desc(), col(CaseRecord.case_id).desc())
                               .offset((page - 1) * page_size).limit(page_size))).all()
    return list(rows), total


async def open_case_of(*, session: AsyncSession, kind: Kind, mine_id: int | None = None,
                       licence_no: str | None = None, city_code: str | None = None) -> str | None:
    """The open case of `kind` for a mine (a licence, a city), if there is one: a second is refused."""
    conditions = [CaseRecord.kind == kind.code, CaseRecord.status == Status.ACTIVE.value]
    if city_code is not None:
        conditions.append(CaseRecord.city_code == city_code)
    if mine_id is not None:
        conditions.append(CaseRecord.mine_id == mine_id)
    if licence_no is not None:
        conditions.append(CaseRecord.licence_no == licence_no)
    found: str | None = (await session.exec(select(CaseRecord.case_id).where(*conditions))).first()
    return found


async def open_cases_by_mine(*, session: AsyncSession, mine_ids: list[int]) -> dict[int, str]:
    """Each mine's open case (of any procedure), if it has one."""
    rows = (await session.exec(select(CaseRecord.mine_id, CaseRecord.case_id).where(
        col(CaseRecord.mine_id).in_(mine_ids), CaseRecord.status == Status.ACTIVE.value))).all()
    return {mine_id: case_id for mine_id, case_id in rows if mine_id is not None}


async def cases_of_mine(*, session: AsyncSession, principal: Principal, mine_id: int, limit: int = 50
                        ) -> list[CaseRecord]:
    """A mine's cases of every procedure that the caller may see, newest first (its registry page)."""
    rows = (await session.exec(select(CaseRecord).where(case_filter(principal), CaseRecord.mine_id == mine_id)
                               .order_by(col(CaseRecord.submitted_at).desc()).limit(limit))).all()
    return list(rows)
