"""Security basics: secrets from settings, login throttling, CORS closed, nothing sensitive in logs, and a
tamper-evident audit chain."""

import io
import logging
from datetime import timedelta

import pytest
import structlog
from pydantic import ValidationError
from sqlalchemy import text

import logs
from api.app import create_app
from api.security import create_token
from models.db import utcnow
from models.registry import LoginThrottle
from settings import Mode, Settings
from tests.support.stack import make_http


def test_production_refuses_the_default_or_a_short_jwt_secret():
    with pytest.raises(ValidationError, match="MINEFLOW_JWT_SECRET"):
        Settings(mode=Mode.PRODUCTION)
    with pytest.raises(ValidationError, match="MINEFLOW_JWT_SECRET"):
        Settings(mode=Mode.PRODUCTION, jwt_secret="short")
    ok = Settings(mode=Mode.PRODUCTION, jwt_secret="x" * 40, public_base_url="https://mineflow.example.gov.cn/")
    assert ok.seed_demo is False  # and never demo data in production
    assert ok.verification_base_url == "https://mineflow.example.gov.cn"


@pytest.mark.parametrize("public_base_url", [None, "", "  ", "mineflow.example.gov.cn", "ftp://example.gov.cn"])
def test_production_refuses_documents_without_a_public_address(public_base_url):
    """Documents printed in production carry a QR code to the public verification page: never the API's own
    `http://127.0.0.1:8000`, which no holder of the paper can reach."""
    with pytest.raises(ValidationError, match="MINEFLOW_PUBLIC_BASE_URL"):
        Settings(mode=Mode.PRODUCTION, jwt_secret="x" * 40, public_base_url=public_base_url)
    assert Settings(mode=Mode.DEV, public_base_url=public_base_url or None).mode is Mode.DEV  # outside production


async def login(stack, username, password):
    return await stack.http.post("/api/v1/auth/token", data={"username": username, "password": password})


async def test_repeated_failed_logins_lock_the_account_for_a_while(stack):
    for _ in range(stack.settings.login_max_failures):
        await stack.refused(await login(stack, "zn_nr", "guessing-password"), 401, "INVALID_CREDENTIALS")
    locked = await login(stack, "zn_nr", "mineflow-demo")  # even the right password
    error = await stack.refused(locked, 429, "TOO_MANY_ATTEMPTS")
    assert int(locked.headers["Retry-After"]) > 0 and error["details"]["retry_after_seconds"] > 0
    # another user is not affected
    assert (await login(stack, "zn_police", "mineflow-demo")).status_code == 200
    # once the lock has run out, the right password works again and clears the count
    async with stack.db.write() as session:
        throttle = await session.get(LoginThrottle, "user:zn_nr")
        throttle.locked_until = utcnow() - timedelta(seconds=1)
        session.add(throttle)
    assert (await login(stack, "zn_nr", "mineflow-demo")).status_code == 200
    async with stack.db.session() as session:
        actions = (await session.exec(text(
            "SELECT action FROM audit_entries WHERE actor = 'zn_nr' AND action LIKE 'login%' ORDER BY id"))).all()
    assert [a for (a,) in actions] == ["login_failed"] * 5 + ["login_throttled", "login"]


async def test_cors_is_closed_unless_origins_are_configured(stack):
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    closed = await stack.http.options("/api/v1/reopenings", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    settings = stack.settings.model_copy(update={"cors_origins": ["https://console.example.gov.cn"]})
    async with make_http(create_app(settings, db=stack.db, temporal=stack.temporal)) as http:
        allowed = await http.options("/api/v1/reopenings", headers={**preflight, "Origin": "https://console.example.gov.cn"})
        refused = await http.options("/api/v1/reopenings", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://console.example.gov.cn"
    assert "access-control-allow-origin" not in refused.headers


def test_logs_carry_no_secrets_or_personal_data():
    logs.configure("INFO", json=True)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.getLogger().handlers[0].formatter)
    logging.getLogger().addHandler(handler)
    token = create_token("zn_nr", "county_nr", Settings(jwt_secret="y" * 40))
    try:
        log = structlog.get_logger("mineflow.test")
        log.info("login", username="zn_nr", password="mineflow-demo", authorization=f"Bearer {token}")
        log.info("contact", note="法人身份证 640521198803120018，电话 13912345678", headers={"Cookie": "sid=abc"})
        logging.getLogger("uvicorn.access").info('POST /api/v1/auth/token?password=mineflow-demo token %s', token)
    finally:
        logging.getLogger().removeHandler(handler)
    output = stream.getvalue()
    for secret in ("mineflow-demo", token, "640521198803120018", "13912345678", "sid=abc"):
        assert secret not in output, secret
    assert output.count("[已隐藏]") >= 2 and "[身份证号已隐藏]" in output and "[手机号已隐藏]" in output


async def test_verify_names_the_first_altered_entry(stack):
    s = stack
    case_id = await s.to_committee()
    report = await s.ok(await s.get("admin", "/admin/audit/verify"))
    assert report["ok"] and report["checked"] >= 12
    await s.refused(await s.get("zn_nr", "/admin/audit/verify"), 403, "FORBIDDEN_ROLE")
    async with s.db.write() as session:
        (target,) = (await session.exec(text(
            "SELECT id FROM audit_entries WHERE case_id = :c AND action = 'signed_off' ORDER BY id LIMIT 1"
        ).bindparams(c=case_id))).one()
        tamper = text("UPDATE audit_entries SET detail = '通过（已篡改）' WHERE id = :i")
        await session.exec(tamper.bindparams(i=target))
    report = await s.ok(await s.get("admin", "/admin/audit/verify"))
    assert not report["ok"] and report["first_broken_id"] == target and "被改动" in report["reason"]


async def test_verify_names_a_deleted_entry(stack):
    s = stack
    await s.to_committee()
    async with s.db.write() as session:
        await session.exec(text("DELETE FROM audit_entries WHERE id = 3"))
    report = await s.ok(await s.get("admin", "/admin/audit/verify"))
    assert not report["ok"] and report["first_broken_id"] == 3 and "缺失" in report["reason"]


async def test_verify_catches_a_rewritten_chain_tail(stack):
    """Recomputing one entry's own hash is not enough: the next entry's link gives it away."""
    s = stack
    await s.to_committee()
    async with s.db.write() as session:
        await session.exec(text("UPDATE audit_entries SET hash = :h WHERE id = 5").bindparams(h="f" * 64))
    report = await s.ok(await s.get("admin", "/admin/audit/verify"))
    assert not report["ok"] and report["first_broken_id"] == 5
