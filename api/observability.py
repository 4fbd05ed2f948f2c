"""What operators see of the API: one structured log line per request (request id, user, case, status, time) and
Prometheus metrics (requests by route and status, latency), at `GET /metrics`."""

import time
import uuid

import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

import timings

log = structlog.get_logger("mineflow.access")

REQUESTS = Counter("mineflow_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("mineflow_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def route_of(request: Request) -> str:
    """The matched route's template (`/api/v1/cases/{case_id}`), never the raw path: bounded label values.
    Rebuilt from the path by putting each path parameter's name back in place of its value (an included router's
    own route knows only its path below the prefix)."""
    if request.scope.get("route") is None:
        return "unmatched"
    names = {str(value): f"{{{name}}}" for name, value in request.path_params.items()}
    return "/".join(names.get(segment, segment) for segment in request.url.path.split("/"))


class AccessLog(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        phases = timings.request()  # None unless MINEFLOW_TIMINGS is on
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = route_of(request)
            if phases is not None:
                phases.done(f"{request.method} {route}")
            if route != "/metrics":
                REQUESTS.labels(request.method, route, str(status)).inc()
                LATENCY.labels(request.method, route).observe(elapsed)
                extra = {"user": getattr(request.state, "user", None),
                         "case_id": request.path_params.get("case_id") if "path_params" in request.scope else None}
                log.info("request", method=request.method, route=route, status=status,
                         duration_ms=round(elapsed * 1000, 1), **{k: v for k, v in extra.items() if v})


def install(app: FastAPI, metrics: bool) -> None:
    app.add_middleware(AccessLog)
    if metrics:
        @app.get("/metrics", include_in_schema=False)
        async def prometheus_metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
