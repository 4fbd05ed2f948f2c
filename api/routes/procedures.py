"""The routes every registered procedure gets from its declaration (api/kinds.py) and its workflow's action table
(workflows/parts/actions.py): starting a case, batch starts, every action, reading a case — built when the app is
made, so a procedure registered before then is served like the others.

Several procedures may take an action at the same path (`/cases/{case_id}/committee-decision`): one route serves
them all and finds the case's own action by its kind; a case whose procedure has no action there is told so (409).
"""

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from pydantic import BaseModel

from api.deps import CurrentUser, DatabaseDep, Principal, SessionDep, SettingsDep, TemporalDep, require
from api.errors import ErrorBody
from api.kinds import KINDS, Kind
from api.schemas import case_out, out_model, out_union
from api.services import campaign as campaign_service
from api.services import cases
from api.services.calendar import current_calendar
from models.campaign import BatchResult
from models.db import utcnow
from workflows.parts.actions import Action, Route

ERRORS: dict[int | str, dict[str, Any]] = {r: {"model": ErrorBody} for r in (401, 403, 404, 409, 422, 503)}
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              description="幂等键：同一键的重复请求返回首次结果，不同内容的请求被拒绝")]
# (no length limit here: any id that is no case's answers 404, as an unknown id should)
CaseId = Annotated[str, Path(description="案件编号，如 KFG-20261204-ABC234")]


def build_router() -> APIRouter:
    router = APIRouter()
    for kind in KINDS.values():
        if kind.start is not None:
            _start_route(router, kind)
        if kind.batch is not None:
            _batch_route(router, kind)
        if kind.routes is not None:
            router.include_router(kind.routes())
    for route, served in _action_routes():
        _action_route(router, route, served)
    _read_route(router)
    return router


# ---- starting ------------------------------------------------------------------------------------------------------

def _start_route(router: APIRouter, kind: Kind) -> None:
    start = kind.start
    assert start is not None
    Caller = Annotated[Principal, require(*start.roles)]  # noqa: N806  (a dependency type)

    async def start_case(body: BaseModel, principal: Caller, session: SessionDep, db: DatabaseDep,
                         temporal: TemporalDep, settings: SettingsDep, idempotency_key: IdempotencyKey = None) -> Any:
        view = await cases.start(kind=kind, session=session, db=db, temporal=temporal, settings=settings,
                                 principal=principal, body=body, idempotency_key=idempotency_key)
        return case_out(view, await current_calendar(session), utcnow())

    _typed(start_case, body=start.request)
    router.add_api_route(start.path, start_case, methods=["POST"], status_code=201, summary=start.summary,
                         response_model=out_model(kind), responses=ERRORS, tags=[kind.name],
                         name=f"start_{kind.code}")


def _batch_route(router: APIRouter, kind: Kind) -> None:
    batch = kind.batch
    assert batch is not None
    Caller = Annotated[Principal, require(*batch.roles)]  # noqa: N806

    async def start_batch(body: BaseModel, principal: Caller, session: SessionDep, db: DatabaseDep,
                          temporal: TemporalDep, settings: SettingsDep) -> BatchResult:
        return await campaign_service.start_batch(kind=kind, session=session, db=db, temporal=temporal,
                                                  settings=settings, principal=principal, body=body)

    _typed(start_batch, body=batch.request)
    router.add_api_route(batch.path, start_batch, methods=["POST"], summary=batch.summary, response_model=BatchResult,
                         responses=ERRORS, tags=[kind.name], name=f"batch_{kind.code}")


# ---- acting ----------------------------------------------------------------------------------------------------------

def _action_routes() -> list[tuple[Route, list[tuple[Kind, Action]]]]:
    """Every route an action is taken at, with the kinds (and their action) it serves."""
    served: dict[tuple[str, str], list[tuple[Kind, Action]]] = {}
    routes: dict[tuple[str, str], Route] = {}
    for kind in KINDS.values():
        for spec in kind.actions().values():
            key = (spec.route.method, spec.route.path)
            routes.setdefault(key, spec.route)
            served.setdefault(key, []).append((kind, spec))
    for key, pairs in served.items():
        if len({spec.request for _, spec in pairs}) > 1:
            raise TypeError(f"{key}: actions at one route must take one request model: {pairs}")
    return [(routes[key], pairs) for key, pairs in served.items()]


def _action_route(router: APIRouter, route: Route, served: list[tuple[Kind, Action]]) -> None:
    request = served[0][1].request

    async def take(case_id: CaseId, body: BaseModel, principal: CurrentUser, session: SessionDep,
                   temporal: TemporalDep, settings: SettingsDep, idempotency_key: IdempotencyKey = None,
                   **params: Any) -> Any:
        view = await cases.act(session=session, temporal=temporal, settings=settings, principal=principal,
                               case_id=case_id, method=route.method, path=route.path, body=body, params=params,
                               idempotency_key=idempotency_key)
        return case_out(view, await current_calendar(session), utcnow())

    _typed(take, body=request, params=route.params)
    kinds = list(dict.fromkeys(kind for kind, _ in served))
    labels = "；".join(dict.fromkeys(f"{kind.name}：{spec.label}" for kind, spec in served))
    router.add_api_route(route.path, take, methods=[route.method], summary=route.summary,
                         description=f"适用于 {labels}。", response_model=out_union(kinds), responses=ERRORS,
                         tags=["案件办理"], name=f"{route.method.lower()}_{served[0][1].name}_{len(router.routes)}")


# ---- reading -----------------------------------------------------------------------------------------------------

def _read_route(router: APIRouter) -> None:
    async def get_case(case_id: CaseId, principal: CurrentUser, session: SessionDep, temporal: TemporalDep) -> Any:
        view = await cases.read(session=session, temporal=temporal, principal=principal, case_id=case_id)
        return case_out(view, await current_calendar(session), utcnow())

    router.add_api_route("/cases/{case_id}", get_case, methods=["GET"], response_model=out_union(KINDS.values()),
                         summary="案件详情（实时读取流程状态，含时间线及当前用户可办理的操作）", responses=ERRORS,
                         tags=["案件"])


def _typed(endpoint: Callable[..., Any], *, body: type[BaseModel], params: dict[str, Any] | None = None) -> None:
    """Give a generic endpoint its request model and path parameters, as FastAPI reads them from the signature."""
    signature = inspect.signature(endpoint)
    parameters = [p.replace(annotation=body) if p.name == "body" else p
                  for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[kind, Path()])
             for name, kind in (params or {}).items()]
    endpoint.__signature__ = signature.replace(parameters=parameters + extra)  # type: ignore[attr-defined]
