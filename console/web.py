"""The console's plumbing: session cookie and CSRF, template rendering, HTML error pages, security headers.

Pages answer in HTML. A refusal (a `DomainError`, or an engine/database failure mapped by `api.errors`) becomes
a page that shows its Chinese message, never the API's JSON body.
"""

import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import structlog
from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import SESSION_COOKIE, CookieUser, Principal, SessionDep, SettingsDep
from api.errors import as_domain_error, field_errors
from api.kinds import KINDS
from api.security import decode_token
from api.services import notifications
from domain.calendar import CHINA_TZ
from domain.citations import cite
from domain.errors import DomainError, ErrorCode
from domain.roles import ROLE_NAMES, Role
from settings import Settings

log = structlog.get_logger("mineflow.console")

HERE = Path(__file__).resolve().parent
PREFIX = "/console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_CSRF_COOKIE = "mineflow_login_csrf"

templates = Jinja2Templates(directory=str(HERE / "templates"))

# Officials who see the dashboard: their county's figures, or every county of their city.
DASHBOARD_ROLES = frozenset({Role.COUNTY_NR, Role.COMMITTEE_SECRETARY, Role.SUPERVISOR, Role.CITY_NR, Role.ADMIN})


class CsrfRejected(Exception):
    """A POST without the session's CSRF token (a forged request, or a page left open past its session)."""


# ---- formatting for templates ---------------------------------------------------------------------------------

def china_time(moment: datetime | None) -> str:
    """A moment as people read it: 2026年12月4日 10:30 (China time)."""
    if not moment:
        return ""
    local = moment.astimezone(CHINA_TZ)
    return f"{china_date(local.date())} {local:%H:%M}"


def china_date(value: date | datetime | None) -> str:
    """A date in Chinese form: 2026年12月4日 (a datetime: its day in China)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(CHINA_TZ).date()
    return f"{value.year}年{value.month}月{value.day}日"


DIVISION_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def county_names(text: str, names: Mapping[str, str]) -> str:
    """A text written with division codes (640521) as people read it: 中宁县."""
    return DIVISION_CODE.sub(lambda m: names.get(m.group(1), m.group(1)), text)


ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?![\d:T])")


def readable(text: str, names: Mapping[str, str]) -> str:
    """A text the workflows wrote for the record (clauses, division codes, ISO dates) as a reader reads it:
    documents cited by title, 中宁县 for 640521, 2026年12月18日 for 2026-12-18. The record itself is unchanged."""
    text = county_names(cite(text), names)
    return ISO_DATE.sub(lambda m: f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日", text)


def as_list(value: Any) -> list[Any]:
    """A form value that may be posted once (a string) or several times (a list)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


templates.env.filters["ctime"] = china_time
templates.env.filters["aslist"] = as_list
templates.env.filters["cdate"] = china_date
templates.env.filters["cite"] = cite
templates.env.filters["county_names"] = county_names
templates.env.filters["readable"] = readable
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES
templates.env.globals["PREFIX"] = PREFIX


# ---- the session: a signed token in an HttpOnly cookie, and the CSRF token bound to it --------------------------

def csrf_token_for(session_token: str, settings: Settings) -> str:
    """The session's CSRF token: an HMAC of the session token's id, so nothing is stored server-side and a new
    login (new token id) gets a new CSRF token."""
    claims = decode_token(session_token, settings)
    material = f"csrf|{claims['sub']}|{claims.get('jti', '')}|{claims['iat']}"
    return hmac.new(settings.jwt_secret.encode(), material.encode(), hashlib.sha256).hexdigest()


def set_session_cookie(response: Response, request: Request, token: str, settings: Settings) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=settings.jwt_ttl_minutes * 60, path="/", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


@dataclass
class Console:
    """Everything a console page needs about its caller."""

    request: Request
    principal: Principal
    session: AsyncSession
    settings: Settings
    csrf_token: str
    nav: list[tuple[str, str, str]] = field(default_factory=list)
    unread: int = 0  # unread notifications, beside 通知 in the menu
    expires_at: int = 0  # when the session's token runs out (epoch seconds): console.js warns before it

    @property
    def role(self) -> Role:
        return self.principal.role

    async def check_csrf(self) -> dict[str, Any]:
        """The POSTed form, once its CSRF token (form field or htmx header) matches the session's."""
        form = await self.request.form()
        sent = str(form.get(CSRF_FIELD) or self.request.headers.get(CSRF_HEADER) or "")
        if not hmac.compare_digest(sent, self.csrf_token):
            raise CsrfRejected
        return {key: form.getlist(key) if len(form.getlist(key)) > 1 else form.get(key) for key in form}

    def check_csrf_header(self) -> None:
        """For a request whose body is not a form (an upload): the CSRF token in its header."""
        if not hmac.compare_digest(self.request.headers.get(CSRF_HEADER, ""), self.csrf_token):
            raise CsrfRejected


def navigation(principal: Principal) -> list[tuple[str, str, str]]:
    """(key, label, path) of the menu: what this role works with, and every procedure this role may start."""
    items = [("inbox", "待办", f"{PREFIX}/")]
    if principal.role is Role.ENTERPRISE:
        items += [("mines", "我的矿山", f"{PREFIX}/mines"), ("cases", "我的申请", f"{PREFIX}/cases")]
    else:
        items.append(("cases", "案件", f"{PREFIX}/cases"))
    items += [(f"new-{kind.code}", kind.start.label, f"{PREFIX}{kind.start.path}/new") for kind in KINDS.values()
              if kind.start is not None and principal.role in kind.start.roles]
    if principal.role in DASHBOARD_ROLES:
        items.append(("dashboard", "统计看板", f"{PREFIX}/dashboard"))
    if principal.role is not Role.ENTERPRISE:
        items.append(("campaigns", "治理整顿", f"{PREFIX}/campaigns"))  # console/campaign.py
    # console/registry.py (mines, enterprises, rights; officials also the ledger and 四个一批), console/oa.py
    items.append(("registry", "矿业权" if principal.role is Role.ENTERPRISE else "登记簿",
                  f"{PREFIX}/registry/{'rights' if principal.role is Role.ENTERPRISE else 'mines'}"))
    items.append(("notifications", "通知", f"{PREFIX}/notifications"))
    return items


async def get_console(request: Request, principal: CookieUser, session: SessionDep,
                      settings: SettingsDep) -> Console:
    token = request.cookies.get(SESSION_COOKIE, "")
    unread = await notifications.unread_count(session=session, user=principal.user)
    return Console(request=request, principal=principal, session=session, settings=settings,
                   csrf_token=csrf_token_for(token, settings), nav=navigation(principal), unread=unread,
                   expires_at=int(decode_token(token, settings)["exp"]))


ConsoleDep = Annotated[Console, Depends(get_console)]


# ---- rendering -------------------------------------------------------------------------------------------------

def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, template: str, context: dict[str, Any], status: int = 200,
           console: Console | None = None) -> HTMLResponse:
    """A full page. For htmx requests the status is always 200 and the real one travels in `X-Mineflow-Status`:
    htmx swaps only 2xx answers, and a refusal is a page the user must see (Chromium also logs every 4xx/5xx
    XHR as a console error)."""
    ctx = {"request": request, "console": console, "csrf_field": CSRF_FIELD,
           "csrf_token": console.csrf_token if console else "", **context}
    response = templates.TemplateResponse(request, template, ctx, status_code=200 if is_htmx(request) else status)
    response.headers["X-Mineflow-Status"] = str(status)
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request, reason: str | None = None) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        # a form posted after the session ran out: back to the page it was on, where console.js puts back what
        # was typed (a POST's own address cannot be opened)
        referer = urlsplit(request.headers.get("referer", ""))
        same_host = referer.netloc in ("", request.url.netloc)
        target = referer.path + (f"?{referer.query}" if referer.query else "") if same_host else ""
    query = f"next={quote(target, safe='')}" if target.startswith(f"{PREFIX}/") and target != f"{PREFIX}/" else ""
    if reason:
        query = f"{query}&reason={reason}" if query else f"reason={reason}"
    response = redirect(f"{PREFIX}/login" + (f"?{query}" if query else ""))
    clear_session_cookie(response)
    return response


def error_page(request: Request, err: DomainError, console: Console | None = None) -> HTMLResponse:
    return render(request, "error.html", {"error": err}, status=err.status, console=console)


def form_problems(errors: list[dict[str, Any]], labels: dict[str, str]) -> str:
    """pydantic's complaints about a form, in Chinese, naming the fields as the form labels them."""
    parts = []
    for e in field_errors(errors):
        name = next((labels[p] for p in reversed(e["field"].split(".")) if p in labels), "")
        parts.append(f"{name}：{e['message']}" if name else e["message"])
    return "；".join(dict.fromkeys(parts))


class ConsoleRoute(APIRoute):
    """Console routes answer every refusal with an HTML page: not logged in → the login page; a refusal, an
    engine or database outage → a page with its Chinese message and status."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except CsrfRejected:
                return error_page(request, DomainError(ErrorCode.FORBIDDEN_ROLE,
                                                       "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交"))
            except RequestValidationError as exc:
                return error_page(request, DomainError(ErrorCode.VALIDATION_FAILED,
                                                       "请求参数不合法：" + form_problems(list(exc.errors()), {})))
            except Exception as exc:
                err = as_domain_error(exc)
                if err is None:
                    log.exception("console page failed", path=request.url.path)
                    err = DomainError(ErrorCode.INTERNAL_ERROR)
                if err.status == 401:
                    reason = "expired" if err.code is ErrorCode.TOKEN_EXPIRED else None
                    return login_redirect(request, reason)
                return error_page(request, err)

        return guarded


# ---- security headers -------------------------------------------------------------------------------------------

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """Strict headers on every console response (pages and static files): only the app's own scripts, styles
    and images, never framed, no MIME sniffing. Pages are not cached: they show live, per-user case state.
    A plain ASGI middleware, so the API's responses pass through untouched."""

    def __init__(self, app: ASGIApp, prefix: str = PREFIX) -> None:
        self.app, self.prefix = app, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else None
        if path is None or not (path == "/" or path.startswith(self.prefix)):
            await self.app(scope, receive, send)
            return
        static = path.startswith(f"{self.prefix}/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
