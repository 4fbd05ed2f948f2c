"""The web console: server-rendered pages (Jinja2 + htmx) for officials, departments and enterprises, at
`/console/`, served by the API's own FastAPI app so every rule and refusal is the API's (and the workflow's)."""

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from .web import HERE, PREFIX, SecurityHeaders


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

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)
