"""存活与就绪检查（无需登录）."""

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.services.health import database_answers

router = APIRouter(tags=["运维"])


@router.get("/healthz", summary="进程存活")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="就绪：数据库与流程引擎均可达")
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(3):
            await database_answers(request.app.state.db)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {type(exc).__name__}"
    client = request.app.state.temporal
    try:
        if client is None:
            raise RuntimeError("not connected")
        # Retried within the 3 s: the server recycles its connections (max connection age), and a check that
        # meets the switch over fails once with UNAVAILABLE; unretried, the probe would pull a healthy API out.
        async with asyncio.timeout(3):
            serving = await client.service_client.check_health(retry=True)
        checks["temporal"] = "ok" if serving else "unavailable: NOT_SERVING"
    except Exception as exc:
        checks["temporal"] = f"unavailable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(status_code=200 if ready else 503, content={"status": "ready" if ready else "unavailable",
                                                                    "checks": checks})
