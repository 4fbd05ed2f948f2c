"""The web console: server-rendered pages (Jinja2 + htmx) for officials, departments and enterprises, at
`/console/`, served by the API's own FastAPI app so every rule and refusal is the API's (and the workflow's)."""

import re

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import DomainError, ErrorCode

from .web import HERE, PREFIX, SecurityHeaders, error_page

# The address a case's form posts to; opened again (Back, refresh, a bookmark) it leads to the case.
ACTION_URL = re.compile(rf"^{PREFIX}/cases/([A-Za-z0-9-]{{1,40}})/actions/[a-z_]{{1,40}}$")


def install(app: FastAPI) -> None:
    """Mount the console on `app`: its pages, its static files and its security headers; `/` leads to it."""
    from . import batch, classification, drill, ledger, oa, registry
    from .campaign import router as campaign_router
    from .routes import router, start_routes

    app.include_router(router)
    app.include_router(start_routes())  # before the campaign pages: /campaigns/new is a start page
    app.include_router(campaign_router)
    app.include_router(registry.router)  # console/registry.py: mines, enterprises, mining rights
    app.include_router(ledger.router)  # console/ledger.py: the 双挂钩一达标 capacity ledger
    app.include_router(classification.router)  # console/classification.py: 四个一批 runs
    app.include_router(batch.router)  # console/batch.py: batch starts (Kind.batch)
    app.include_router(oa.router)  # console/oa.py: 已办, 抄送, 我发起的, notifications, account, export, bulk 催办
    app.include_router(drill.router)  # console/drill.py: the cases behind each dashboard number
    app.mount(f"{PREFIX}/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.add_middleware(SecurityHeaders)

    api_http_error = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        """Under /console/ an unknown address or a wrong method is a page in the console's style with a way back,
        never the API's JSON (static files keep their plain answer)."""
        path = request.url.path
        if not path.startswith(f"{PREFIX}/") or path.startswith(f"{PREFIX}/static/"):
            return await api_http_error(request, exc)
        if exc.status_code == 405 and request.method == "GET" and (found := ACTION_URL.match(path)):
            return RedirectResponse(f"{PREFIX}/cases/{found.group(1)}", status_code=303)
        err = {404: DomainError(ErrorCode.NOT_FOUND, "您访问的页面不存在，可能地址有误或已被移除"),
               405: DomainError(ErrorCode.METHOD_NOT_ALLOWED,
                                "这是提交表单的地址，不能直接打开；请返回上一页重新办理")}.get(
            exc.status_code, DomainError(ErrorCode.VALIDATION_FAILED, "请求格式不正确"))
        return error_page(request, err)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)
