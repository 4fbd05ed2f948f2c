"""The web console's pages: log in and out, 待办, case list, the case page with a form for each action the caller
may take, the start pages of every procedure, the enterprise's mines and the officials' dashboard.

No second state machine: pages read the projection and the live case through the service layer (api/services/),
forms go through the same `cases.start` / `cases.act` as the API, so every rule and refusal is the workflow's. Every
procedure is served by the same pages, from its declaration (api/kinds.py) and its workflow's action table.
"""

import math
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from api import files_service
from api.deps import (
    SESSION_COOKIE,
    DatabaseDep,
    SessionDep,
    SettingsDep,
    StoreDep,
    TemporalDep,
    principal_from_token,
)
from api.errors import as_domain_error
from api.kinds import KINDS, Kind, kind_of_case
from api.login import authenticate
from api.schemas import CaseList, CaseSummary, TaskOut, case_out
from api.security import token_for
from api.services import cases, inbox, registry
from api.services.calendar import current_calendar
from documents.issue import case_documents
from domain.calendar import local_date
from domain.cases import STATUS_NAMES
from domain.errors import DomainError, ErrorCode
from domain.mines import METHOD_NAMES
from domain.roles import ROLE_NAMES, Role
from models.db import utcnow
from models.registry import MINE_STATUS_NAMES
from workflows.parts.actions import Action

from . import forms
from .action_forms import FormView, action_form, read_action, start_form
from .case_filters import list_filters
from .dashboard import build_dashboard
from .oa import may_urge_in_bulk
from .views import acceptance_matrix, due_date, stage_flow, working_days_left
from .web import (
    CSRF_FIELD,
    DASHBOARD_ROLES,
    LOGIN_CSRF_COOKIE,
    PREFIX,
    Console,
    ConsoleDep,
    ConsoleRoute,
    clear_session_cookie,
    form_problems,
    redirect,
    render,
    set_session_cookie,
)

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)
PAGE_SIZE = 20


def _safe_next(target: str | None) -> str:
    """Only a path inside the console (never another host) is a place to go back to after login."""
    if target and target.startswith(f"{PREFIX}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{PREFIX}/"


# ---- log in / log out -------------------------------------------------------------------------------------------

def _login_page(request: Request, *, error: str | None = None, username: str = "", next_url: str = "",
                status: int = 200) -> HTMLResponse:
    # Login CSRF: a random value in a cookie and the same in the form (double submit), before any session exists.
    token = secrets.token_urlsafe(24)
    reasons = {"expired": "登录已过期，请重新登录", "logout": "已退出登录"}
    response = render(request, "login.html", {
        "error": error, "notice": reasons.get(request.query_params.get("reason", "")), "username": username,
        "next": _safe_next(next_url or request.query_params.get("next")), "login_csrf": token,
    }, status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, path=f"{PREFIX}/login", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            await principal_from_token(token, session, settings)
            return redirect(_safe_next(request.query_params.get("next")))
        except DomainError:
            pass
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, db: DatabaseDep, settings: SettingsDep) -> Response:
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    next_url = str(form.get("next", ""))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, str(form.get(CSRF_FIELD, ""))):
        return _login_page(request, error="登录页面已过期，请重新输入后提交", username=username, next_url=next_url,
                           status=403)
    client = request.client.host if request.client else "unknown"
    try:
        user = await authenticate(db, settings, username, password, client, channel="console")
    except DomainError as refused:  # wrong password, or too many attempts: say which
        return _login_page(request, error=refused.message, username=username, next_url=next_url,
                           status=refused.status)
    response = redirect(_safe_next(next_url))
    set_session_cookie(response, request, token_for(user, settings), settings)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=f"{PREFIX}/login")
    return response


@router.post("/logout")
async def logout(console: ConsoleDep) -> Response:
    await console.check_csrf()
    response = redirect(f"{PREFIX}/login?reason=logout")
    clear_session_cookie(response)
    return response


# ---- 待办 ------------------------------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
async def inbox_page(console: ConsoleDep) -> Response:
    rows, _ = await inbox.tasks(session=console.session, principal=console.principal, page=1, page_size=200)
    now = utcnow()
    tasks = [TaskOut.of(task, record, now) for task, record in rows]
    calendar, today = await current_calendar(console.session), local_date(now)
    items = [{"task": t, "due": (due := due_date(t.due_at)), "left": working_days_left(calendar, today, due),
              "provisional": due is not None and calendar.is_provisional(due)}
             for t in tasks]
    # an enterprise starts its own cases from here: every procedure it may start, as its Kind declares
    starts = [(k.start.label, f"{PREFIX}{k.start.path}/new") for k in KINDS.values()
              if k.start is not None and console.role is Role.ENTERPRISE and console.role in k.start.roles]
    return render(console.request, "inbox.html", {
        "active": "inbox", "items": items, "overdue": sum(1 for t in tasks if t.overdue), "starts": starts,
    }, console=console)


# ---- case list ---------------------------------------------------------------------------------------------------

@router.get("/cases", response_class=HTMLResponse)
async def case_list(console: ConsoleDep) -> Response:
    lf = await list_filters(console, PAGE_SIZE)
    page = lf.query.page
    rows, total, _ = await cases.list_cases(session=console.session, principal=console.principal, query=lf.query)
    result = CaseList(items=[CaseSummary.of(r) for r in rows], total=total, page=page, page_size=PAGE_SIZE)
    pages = max(1, math.ceil(result.total / PAGE_SIZE))

    def page_url(n: int) -> str:
        return lf.url(page=n)

    return render(console.request, "cases.html", {
        "active": "cases", "result": result, "filters": lf.filters, "page": page, "pages": pages,
        "page_url": page_url, "counties": lf.counties,
        "county_names": await registry.division_names(session=console.session),
        "stages": list(lf.stages.items()), "procedures": [(k.code, k.name) for k in KINDS.values()],
        "statuses": [(s.value, n) for s, n in STATUS_NAMES.items()],
        # console/oa.py: the export of these cases, and the bulk 催办 of those overdue
        "export_url": lf.url("/export/cases.xlsx"), "bulk_urge": may_urge_in_bulk(console),
    }, console=console)


# ---- the case page and its actions ------------------------------------------------------------------------------

async def _names(console: Console, kind: Kind, case: Any) -> dict[str, Any]:
    """The display names the case page needs (codes never reach a reader): the divisions, and what the kind's own
    panel names (its `Page.context`)."""
    return {"division": await registry.division_names(session=console.session),
            **(kind.page.context(case) if kind.page else {})}


async def _case_page(console: Console, case: Any, *, error: DomainError | None = None,
                     failed: str | None = None, form: dict[str, Any] | None = None,
                     status: int = 200) -> HTMLResponse:
    kind = KINDS[case.kind]
    table = kind.actions()
    actions: list[FormView] = []
    for code in case.available_actions:
        refused_here = code == failed
        actions.append(await action_form(console, case, table[code], form=form if refused_here else None,
                                         error=error if refused_here else None))
    done = console.request.query_params.get("done")
    done_title = (kind.start.label if kind.start else "提交") if done == "submitted" else (
        table[done].label if done in table else None)
    documents = await case_documents(console.session, console.settings, case.case_id)
    issued = {d.file.id for d in documents}
    files = [f for f in await files_service.case_files(session=console.session, principal=console.principal,
                                                       case_id=case.case_id) if f.id not in issued]
    return render(console.request, "case.html", {
        "active": "cases", "case": case, "kind": kind, "flow": stage_flow(case, kind),
        "matrix": acceptance_matrix(case), "actions": actions, "error": error,
        "done": done_title, "names": await _names(console, kind, case), "documents": documents, "files": files,
        "role_names_by_code": {r.value: n for r, n in ROLE_NAMES.items()},
    }, status=status, console=console)


async def _read(console: Console, temporal: Any, case_id: str) -> Any:
    view = await cases.read(session=console.session, temporal=temporal, principal=console.principal,
                            case_id=case_id)
    return case_out(view, await current_calendar(console.session), utcnow())


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(case_id: str, console: ConsoleDep, temporal: TemporalDep) -> Response:
    return await _case_page(console, await _read(console, temporal, case_id[:40]))


@router.post("/files")
async def file_upload(console: ConsoleDep, db: DatabaseDep, store: StoreDep) -> Response:
    """A form's file picker uploads here (console.js), one file at a time: the API's upload, answered as JSON —
    the form then posts the file's id with its action."""
    console.check_csrf_header()
    await console.session.commit()  # no database connection held while the body streams in
    request, length = console.request, console.request.headers.get("content-length")
    try:
        stored = await files_service.store_upload(
            db=db, store=store, principal=console.principal, body=request.stream(),
            content_type=request.headers.get("content-type"),
            content_length=int(length) if length and length.isdigit() else None,
            max_bytes=console.settings.file_max_bytes)
    except DomainError as exc:
        return JSONResponse({"error": {"code": exc.code.value, "message": exc.message}}, status_code=exc.status)
    return JSONResponse(stored.model_dump(mode="json"), status_code=201)


@router.get("/files/{file_id}")
async def file_download(file_id: str, console: ConsoleDep, store: StoreDep) -> Response:
    """A file of a case the caller may read (its materials, evidence, documents): the API's download rule."""
    row = await files_service.readable_file(session=console.session, principal=console.principal,
                                            file_id=file_id[:40])
    await console.session.commit()
    return await files_service.download(store=store, row=row,
                                        inline=console.request.query_params.get("inline") == "1")


@router.post("/cases/{case_id}/actions/{action}", response_class=HTMLResponse)
async def case_action(case_id: str, action: str, console: ConsoleDep, temporal: TemporalDep) -> Response:
    form = await console.check_csrf()
    spec: Action | None = kind_of_case(case_id[:40]).actions().get(action)
    if spec is None:
        raise DomainError(ErrorCode.NOT_FOUND, "该案件没有此项操作")
    try:
        body, params = read_action(spec, form)
        await cases.act(session=console.session, temporal=temporal, settings=console.settings,
                        principal=console.principal, case_id=case_id, action=spec, body=body, params=params,
                        idempotency_key=forms.text(form, "idempotency_key") or None)
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED,
                          form_problems(list(exc.errors()), {**forms.labels_of(spec.request), **_param_labels()}))
        return await _case_page(console, await _read(console, temporal, case_id), error=err, failed=action,
                                form=form, status=err.status)
    except Exception as exc:
        err = as_domain_error(exc)
        if err is None:
            raise
        # The refusal is shown with the case as it stands now, beside the form that was refused; corrected, the
        # form goes again as a new request (a fresh idempotency key).
        return await _case_page(console, await _read(console, temporal, case_id), error=err, failed=action,
                                form={**form, "idempotency_key": ""}, status=err.status)
    return redirect(f"{PREFIX}/cases/{case_id}?done={action}")


def _param_labels() -> dict[str, str]:
    from .action_forms import PARAM_LABELS

    return PARAM_LABELS


# ---- starting a case: every procedure's own page, from its declaration ----------------------------------------

def _may_start(console: Console, kind: Kind) -> None:
    if kind.start is None or console.role not in kind.start.roles:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, f"您不能发起{kind.name}")


async def _start_page(console: Console, kind: Kind, *, form: dict[str, Any] | None = None,
                      error: DomainError | None = None, status: int = 200) -> HTMLResponse:
    assert kind.start is not None
    fv = await start_form(console, kind, kind.start.request, kind.start.path.lstrip("/"), kind.start.label,
                          form=form, error=error)
    return render(console.request, "start.html", {"active": f"new-{kind.code}", "kind": kind, "fv": fv},
                  status=status, console=console)


def start_routes() -> APIRouter:
    """GET `{start.path}/new` shows a kind's start form; POST `{start.path}` starts the case (as the API does)."""
    starts = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)
    for kind in KINDS.values():
        if kind.start is None:
            continue

        async def new(console: ConsoleDep, kind: Kind = kind) -> Response:  # type: ignore[assignment]
            _may_start(console, kind)
            return await _start_page(console, kind, form=dict(console.request.query_params))

        async def submit(console: ConsoleDep, temporal: TemporalDep, db: DatabaseDep,
                         kind: Kind = kind) -> Response:  # type: ignore[assignment]
            _may_start(console, kind)
            assert kind.start is not None
            form = await console.check_csrf()
            try:
                body = forms.parse(kind.start.request, form)
                view = await cases.start(kind=kind, session=console.session, db=db, temporal=temporal,
                                         settings=console.settings, principal=console.principal, body=body,
                                         idempotency_key=forms.text(form, "idempotency_key") or None)
            except ValidationError as exc:
                err = DomainError(ErrorCode.VALIDATION_FAILED,
                                  form_problems(list(exc.errors()), forms.labels_of(kind.start.request)))
                return await _start_page(console, kind, form=form, error=err, status=err.status)
            except DomainError as err:
                # A refused start may be retried after a fix: a fresh idempotency key for the corrected form.
                return await _start_page(console, kind, form={**form, "idempotency_key": ""}, error=err,
                                         status=err.status)
            return redirect(f"{PREFIX}/cases/{view.case_id}?done=submitted")

        for endpoint in (new, submit):
            endpoint.__signature__ = _without_kind(endpoint)  # type: ignore[attr-defined]
        starts.add_api_route(f"{kind.start.path}/new", new, methods=["GET"], response_class=HTMLResponse)
        starts.add_api_route(kind.start.path, submit, methods=["POST"], response_class=HTMLResponse)
    return starts


def _without_kind(endpoint: Any) -> Any:
    """The endpoint's signature without its bound `kind` (a default argument, not a request parameter)."""
    import inspect

    signature = inspect.signature(endpoint)
    return signature.replace(parameters=[p for p in signature.parameters.values() if p.name != "kind"])


# ---- enterprise pages ---------------------------------------------------------------------------------------------

@router.get("/mines", response_class=HTMLResponse)
async def my_mines(console: ConsoleDep) -> Response:
    if console.role is not Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "此页面仅供矿山企业使用")
    mines = await registry.mines_of(session=console.session, enterprise_id=console.principal.user.enterprise_id)
    open_cases = await cases.open_cases_by_mine(session=console.session, mine_ids=[m.id for m in mines if m.id])
    # the procedures this enterprise starts for one of its mines
    starts = [(k.start.label, f"{PREFIX}{k.start.path}/new") for k in KINDS.values() if k.start is not None
              and console.role in k.start.roles and "mine_id" in k.start.request.model_fields]
    return render(console.request, "mines.html", {
        "active": "mines", "mines": mines, "open_cases": open_cases, "starts": starts, "today": local_date(utcnow()),
        "method_names": METHOD_NAMES, "status_names": MINE_STATUS_NAMES,
        "divisions": await registry.division_names(session=console.session),
    }, console=console)


# ---- dashboard -----------------------------------------------------------------------------------------------------

@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(console: ConsoleDep) -> Response:
    if console.role not in DASHBOARD_ROLES:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "统计看板仅供县、市主管部门使用")
    # one procedure at a time, since each has its own stages; an unknown one falls back to the first registered
    first = next(iter(KINDS.values()))
    kind = KINDS.get(console.request.query_params.get("kind") or "", first)
    data = await build_dashboard(console.session, console.principal, utcnow(),
                                 is_sqlite=console.request.app.state.db.is_sqlite, kind=kind)
    return render(console.request, "dashboard.html", {"active": "dashboard", "d": data,
                                                      "procedures": [(k.code, k.name) for k in KINDS.values()]},
                  console=console)
