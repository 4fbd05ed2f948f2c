"""What operators watch: health and readiness, Prometheus metrics, and one structured log line per request."""

import io
import json
import logging
import time

import logs
from api.app import create_app
from cli.processes import free_port, temporal_dev_server, wait_for_port
from tests.support.stack import make_http
from tests.support.temporal import connect_when_healthy


async def test_health_and_readiness(stack):
    assert (await stack.http.get("/healthz")).json() == {"status": "ok"}
    ready = await stack.http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready",
                                                         "checks": {"database": "ok", "temporal": "ok"}}
    without_temporal = create_app(stack.settings, db=stack.db, temporal=None)
    async with make_http(without_temporal) as http:
        down = await http.get("/readyz")
    assert down.status_code == 503 and down.json()["checks"]["temporal"].startswith("unavailable")


async def test_readiness_says_unavailable_within_seconds_once_temporal_is_gone(stack, tmp_path):
    """The check retries (the server recycles connections, and a check meeting that fails once) but answers within
    its 3 s: a stopped server is a 503, not a hung probe."""
    port = free_port()
    server = temporal_dev_server(tmp_path / "temporal.db", port, None, tmp_path / "temporal.log").start()
    try:
        wait_for_port(port, 60, proc=server.proc)
        client = await connect_when_healthy(f"127.0.0.1:{port}")
        async with make_http(create_app(stack.settings, db=stack.db, temporal=client)) as http:
            assert (await http.get("/readyz")).status_code == 200
            server.stop()
            asked = time.monotonic()
            down = await http.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"] == {"database": "ok", "temporal": "unavailable: TimeoutError"}  # retried
        assert time.monotonic() - asked < 10
    finally:
        server.stop()


async def test_metrics_count_requests_by_route_and_status(stack):
    case_id = (await stack.submit())["case_id"]
    await stack.get("zn_nr", f"/cases/{case_id}")
    await stack.get("zn_nr", "/cases/KFG-20260101-NOSUCH")
    text = (await stack.http.get("/metrics")).text
    assert 'mineflow_http_requests_total{method="GET",route="/api/v1/cases/{case_id}",status="200"}' in text
    assert 'mineflow_http_requests_total{method="GET",route="/api/v1/cases/{case_id}",status="404"}' in text
    assert "mineflow_http_request_duration_seconds_bucket" in text
    assert case_id not in text  # routes, not raw paths: label values stay bounded


async def test_every_request_logs_one_line_with_request_user_route_and_case(stack):
    logs.configure("INFO", json=True)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.getLogger().handlers[0].formatter)
    logging.getLogger().addHandler(handler)
    try:
        case_id = (await stack.submit())["case_id"]
        started = time.perf_counter()
        response = await stack.http.get(f"/api/v1/cases/{case_id}", headers={**stack.auth("zn_nr"),
                                                                              "X-Request-ID": "req-42"})
        elapsed_ms = (time.perf_counter() - started) * 1000
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.headers["X-Request-ID"] == "req-42"
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if '"request"' in line]
    line = next(entry for entry in lines if entry.get("request_id") == "req-42")
    assert line["user"] == "zn_nr" and line["case_id"] == case_id and line["status"] == 200
    assert line["route"] == "/api/v1/cases/{case_id}"
    # the request's own time: some work was timed, and no more than the caller waited
    assert 0 < line["duration_ms"] <= elapsed_ms
