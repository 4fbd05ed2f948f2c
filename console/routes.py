"""The web console's pages: log in and out, 待办, case list, case page with its action forms, enterprise pages
(my mines, start a reopening) and the officials' dashboard.

No second state machine: pages read the projection through the API's own queries (`list_cases`, `my_tasks`)
and the live case through `case_service.read_case`; forms go through `case_service.act`/`start_reopening`, so
every rule and refusal is the workflow's.
"""

import math
import secrets
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlmodel import col, select

from api import case_service
from api.actions import available_actions
from api.deps import SESSION_COOKIE, DatabaseDep, SessionDep, SettingsDep, TemporalDep, principal_from_token
from api.errors import as_domain_error
from api.kinds import KINDS, REOPENING, Kind
from api.login import authenticate
from api.routes.cases import list_cases
from api.routes.tasks import my_tasks
from api.schemas import CaseOut, case_out
from api.security import create_token
from domain.calendar import default_calendar, local_date
from domain.cases import Status
from domain.divisions import covers, level
from domain.errors import DomainError, ErrorCode
from domain.mines import METHOD_NAMES
from domain.reopening import MATERIAL_NAMES, STATUS_NAMES, required_materials
from domain.roles import DEPARTMENT_KIND_NAMES, ROLE_NAMES, Role
from models.db import utcnow
from models.projection import CaseRecord
from models.registry import MINE_STATUS_NAMES, Division, DivisionLevel, Mine
from models.reopening import ReopeningCreate

from . import forms
from .campaign import campaign_case_page
from .dashboard import build_dashboard
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


def _stage_choices(kind: Kind | None) -> dict[str, str]:
    """The stages the list filter offers: the chosen procedure's, or every procedure's (a stage code names the same
    step wherever it appears, so the first procedure's name for it stands)."""
    if kind is not None:
        return dict(kind.stage_names)
    choices: dict[str, str] = {}
    for each in KINDS.values():
        for code, name in each.stage_names.items():
            choices.setdefault(code, name)
    return choices


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
    set_session_cookie(response, request, create_token(user.username, user.role.value, settings), settings)
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
async def inbox(console: ConsoleDep) -> Response:
    tasks = await my_tasks(console.principal, console.session, page=1, page_size=200)
    calendar, today = default_calendar(), local_date(utcnow())
    items = [{"task": t, "due": (due := due_date(t.due_at)), "left": working_days_left(calendar, today, due)}
             for t in tasks.items]
    return render(console.request, "inbox.html", {
        "active": "inbox", "items": items, "overdue": sum(1 for t in tasks.items if t.overdue),
    }, console=console)


# ---- case list ---------------------------------------------------------------------------------------------------

def _enum_or_none(enum: Any, raw: str | None) -> Any:
    try:
        return enum(raw) if raw else None
    except ValueError:
        return None


async def _counties(console: Console) -> list[Division]:
    user = console.principal.user
    if console.role is Role.ENTERPRISE or (user.division_code and level(user.division_code) == "county"):
        return []
    rows = (await console.session.exec(
        select(Division).where(Division.level == DivisionLevel.COUNTY).order_by(col(Division.code))
    )).all()
    return [d for d in rows if console.role is Role.ADMIN or (user.division_code and covers(user.division_code,
                                                                                              d.code))]


@router.get("/cases", response_class=HTMLResponse)
async def case_list(console: ConsoleDep) -> Response:
    params = console.request.query_params
    chosen = KINDS.get(params.get("kind") or "")
    kind = chosen.code if chosen else None
    stages = _stage_choices(chosen)
    # a stage the chosen procedure does not have (the procedure was changed after it) is dropped, not an error
    stage = params.get("stage") if params.get("stage") in stages else None
    status = _enum_or_none(Status, params.get("status"))
    counties = await _counties(console)
    county = params.get("county") if params.get("county") in {d.code for d in counties} else None
    overdue = True if params.get("overdue") == "1" else None
    q = (params.get("q") or "").strip()[:50] or None
    try:
        page = max(1, min(int(params.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    result = await list_cases(principal=console.principal, session=console.session, kind=kind, stage=stage,
                              status=status, division_code=county, overdue=overdue, q=q, page=page,
                              page_size=PAGE_SIZE, cursor=None)
    filters = {"kind": kind or "", "stage": stage or "", "status": status.value if status else "",
               "county": county or "", "overdue": "1" if overdue else "", "q": q or ""}
    pages = max(1, math.ceil(result.total / PAGE_SIZE))

    def page_url(n: int) -> str:
        return f"{PREFIX}/cases?" + urlencode({**{k: v for k, v in filters.items() if v}, "page": n})

    return render(console.request, "cases.html", {
        "active": "cases", "result": result, "filters": filters, "page": page, "pages": pages,
        "page_url": page_url, "counties": counties, "county_names": {d.code: d.name for d in counties},
        "stages": list(stages.items()), "procedures": [(k.code, k.name) for k in KINDS.values()],
        "statuses": list(STATUS_NAMES.items()),
    }, console=console)


# ---- the case page and its actions ------------------------------------------------------------------------------

async def _case_page(console: Console, case: CaseOut, *, error: DomainError | None = None,
                     failed_action: str | None = None, form: dict[str, Any] | None = None,
                     status: int = 200) -> HTMLResponse:
    if case.kind in ("transfer", "grant"):  # mining-right cases: read-only here (issue 6)
        return render(console.request, "case_rights.html", {
            "active": "cases", "case": case, "role_names_by_code": {r.value: n for r, n in ROLE_NAMES.items()},
        }, status=status, console=console)
    if case.kind in ("campaign", "rectification", "closure"):  # 治理整顿 cases: read-only here (issue 8)
        return campaign_case_page(console, case, status)
    actions = []
    for code in case.available_actions:
        spec = forms.FORMS.get(code)
        acting = forms.Acting(console, case, form if code == failed_action and form else {})
        context = await spec.context(acting) if spec and spec.context else {}
        actions.append({"code": code, "spec": spec, "context": context, "form": acting.form,
                        "key": uuid.uuid4().hex, "error": error if code == failed_action else None})
    done = console.request.query_params.get("done")
    done_title = "提交开复工申请" if done == "submitted" else (forms.FORMS[done].title if done in forms.FORMS
                                                                 else None)
    return render(console.request, "case.html", {
        "active": "cases", "case": case, "flow": stage_flow(case), "matrix": acceptance_matrix(case),
        "actions": actions, "error": error, "done": done_title, "material_names": MATERIAL_NAMES,
        "method_names": METHOD_NAMES, "role_names_by_code": {r.value: n for r, n in ROLE_NAMES.items()},
    }, status=status, console=console)


async def _read(console: Console, temporal: Any, case_id: str) -> CaseOut:
    view = await case_service.read_case(session=console.session, temporal=temporal, principal=console.principal,
                                        case_id=case_id)
    return case_out(view, default_calendar(), utcnow(), available_actions(console.principal, view))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(case_id: str, console: ConsoleDep, temporal: TemporalDep) -> Response:
    return await _case_page(console, await _read(console, temporal, case_id))


@router.post("/cases/{case_id}/actions/{action}", response_class=HTMLResponse)
async def case_action(case_id: str, action: str, console: ConsoleDep, temporal: TemporalDep) -> Response:
    form = await console.check_csrf()
    spec = forms.FORMS.get(action)
    if spec is None:
        raise DomainError(ErrorCode.NOT_FOUND, "网页端暂不支持该操作")
    case = await _read(console, temporal, case_id)
    try:
        payload = await spec.build(forms.Acting(console, case, form))
        await case_service.act(session=console.session, temporal=temporal, settings=console.settings,
                               principal=console.principal, case_id=case_id, update=spec.update, payload=payload,
                               idempotency_key=forms.text(form, "idempotency_key") or None)
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED, form_problems(list(exc.errors()), forms.LABELS))
        return await _case_page(console, case, error=err, failed_action=action, form=form, status=err.status)
    except Exception as exc:
        err = as_domain_error(exc)
        if err is None:
            raise
        # The refusal is shown with the case as it stands now, beside the form that was refused.
        return await _case_page(console, await _read(console, temporal, case_id), error=err, failed_action=action,
                                form=form, status=err.status)
    return redirect(f"{PREFIX}/cases/{case_id}?done={action}")


# ---- enterprise pages ---------------------------------------------------------------------------------------------

def _enterprise_only(console: Console) -> None:
    if console.role is not Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "此页面仅供矿山企业使用")


async def _my_mines(console: Console) -> list[Mine]:
    return list((await console.session.exec(
        select(Mine).where(Mine.enterprise_id == console.principal.user.enterprise_id).order_by(col(Mine.id))
    )).all())


@router.get("/mines", response_class=HTMLResponse)
async def my_mines(console: ConsoleDep) -> Response:
    _enterprise_only(console)
    mines = await _my_mines(console)
    open_cases = dict((await console.session.exec(
        select(CaseRecord.mine_id, CaseRecord.case_id).where(
            col(CaseRecord.mine_id).in_([m.id for m in mines]), CaseRecord.status == Status.ACTIVE.value)
    )).all())
    divisions = {d.code: d.name for d in (await console.session.exec(select(Division))).all()}
    return render(console.request, "mines.html", {
        "active": "mines", "mines": mines, "open_cases": open_cases, "today": local_date(utcnow()),
        "method_names": METHOD_NAMES, "status_names": MINE_STATUS_NAMES, "divisions": divisions,
    }, console=console)


async def _new_reopening_page(console: Console, *, mine_id: int | None, form: dict[str, Any] | None = None,
                              error: DomainError | None = None, status: int = 200) -> HTMLResponse:
    mines = await _my_mines(console)
    chosen = next((m for m in mines if m.id == mine_id), None) or next(
        (m for m in mines if m.licence_valid_to >= local_date(utcnow())), mines[0] if mines else None)
    rows = [(r.kind.value, r.name, r.clause) for r in required_materials(chosen.method)] if chosen else []
    return render(console.request, "reopening_new.html", {
        "active": "new", "mines": mines, "chosen": chosen, "rows": rows, "form": form or {}, "error": error,
        "key": forms.text(form or {}, "idempotency_key") or uuid.uuid4().hex, "today": local_date(utcnow()),
        "method_names": METHOD_NAMES, "kind_names": DEPARTMENT_KIND_NAMES,
    }, status=status, console=console)


@router.get("/reopenings/new", response_class=HTMLResponse)
async def new_reopening(console: ConsoleDep) -> Response:
    _enterprise_only(console)
    raw = console.request.query_params.get("mine_id", "")
    return await _new_reopening_page(console, mine_id=int(raw) if raw.isdigit() else None)


@router.post("/reopenings", response_class=HTMLResponse)
async def submit_reopening(console: ConsoleDep, temporal: TemporalDep, db: DatabaseDep) -> Response:
    _enterprise_only(console)
    form = await console.check_csrf()
    raw_mine = forms.text(form, "mine_id")
    mine_id = int(raw_mine) if raw_mine.isdigit() else None
    try:
        body = ReopeningCreate(mine_id=mine_id or 0, reason=forms.text(form, "reason"),
                               materials=forms.materials(form))
        view = await case_service.start_reopening(
            session=console.session, db=db, temporal=temporal, settings=console.settings, principal=console.principal,
            body=body, idempotency_key=forms.text(form, "idempotency_key") or None)
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED, form_problems(list(exc.errors()), forms.LABELS))
        return await _new_reopening_page(console, mine_id=mine_id, form=form, error=err, status=err.status)
    except DomainError as err:
        # A refused submission may be retried after a fix: a fresh idempotency key for the corrected form.
        form = {**form, "idempotency_key": ""}
        return await _new_reopening_page(console, mine_id=mine_id, form=form, error=err, status=err.status)
    return redirect(f"{PREFIX}/cases/{view.case_id}?done=submitted")


# ---- dashboard -----------------------------------------------------------------------------------------------------

@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(console: ConsoleDep) -> Response:
    if console.role not in DASHBOARD_ROLES:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "统计看板仅供县、市主管部门使用")
    # one procedure at a time, since each has its own stages; an unknown one falls back to 开复工
    kind = KINDS.get(console.request.query_params.get("kind") or "", REOPENING)
    data = await build_dashboard(console.session, console.principal, utcnow(),
                                 is_sqlite=console.request.app.state.db.is_sqlite, kind=kind)
    return render(console.request, "dashboard.html", {"active": "dashboard", "d": data,
                                                      "procedures": [(k.code, k.name) for k in KINDS.values()]},
                  console=console)
