"""The FastAPI application: `create_app()` for uvicorn (`api.app:app`) and for tests (with injected parts)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from temporalio.client import Client

import api.procedures  # noqa: F401  (registers every procedure before the routes are built)
import console
import engine
import logs
import timings
from api import docs, errors, observability
from api.routes import (
    account,
    admin,
    auth,
    cases,
    classification,
    documents,
    files,
    health,
    ledger,
    procedures,
    registry,
    rights,
    tasks,
)
from models.db import Database
from settings import Settings, get_settings
from storage.blobs import BlobStore, make_store

log = structlog.get_logger("mineflow.api")

DESCRIPTION = """
矿山开复工等审批事项的流程化办理接口。所有接口位于 `/api/v1` 下，
除登录与健康检查外均需 `Authorization: Bearer <token>`。
错误统一返回 `{"error": {"code", "message", "details"}}`：`code` 为稳定的英文代码，`message` 为中文说明。
"""


async def _connect_forever(app: FastAPI, settings: Settings) -> None:
    """Connect to Temporal, retrying: the API starts (and answers 503) even while the engine is still coming up."""
    delay = 0.5
    while app.state.temporal is None:
        try:
            app.state.temporal = await engine.connect(settings, interactive=True)
            log.info("connected to temporal", address=settings.temporal_address)
        except Exception as exc:
            log.warning("temporal not reachable yet", address=settings.temporal_address, error=str(exc))
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)


def create_app(settings: Settings | None = None, *, db: Database | None = None,
               temporal: Client | None = None, store: BlobStore | None = None) -> FastAPI:
    settings = settings or get_settings()
    timings.configure(settings, "api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_db = app.state.db is None
        if own_db:
            app.state.db = Database.from_settings(settings)
        connector = None
        if app.state.temporal is None:
            connector = asyncio.create_task(_connect_forever(app, settings))
        yield
        if connector is not None:
            connector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connector
        if own_db:
            await app.state.db.dispose()

    app = FastAPI(title="mineflow 矿山审批流程", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")  # /docs: api/docs.py, offline
    app.state.settings, app.state.db, app.state.temporal = settings, db, temporal
    app.state.files = store or make_store(settings)
    errors.install(app)
    docs.install(app, "/openapi.json")
    observability.install(app, settings.metrics_enabled)
    if settings.cors_origins:  # closed unless an operator names the origins
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True,
                           allow_methods=["GET", "POST", "DELETE"], allow_headers=["Authorization", "Content-Type",
                                                                                  "Idempotency-Key"])
    for module in (auth, cases, tasks, registry, admin, classification, ledger, rights, files, documents, account):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(procedures.build_router(), prefix="/api/v1")
    app.include_router(health.router)
    app.include_router(documents.public_router)  # /verify/{code}: no login
    console.install(app)
    return app


def app() -> FastAPI:
    """uvicorn factory (`mineflow api`, or `uvicorn --factory api.app:app`)."""
    settings = get_settings()
    logs.configure(settings.log_level, settings.log_json)
    return create_app(settings)
