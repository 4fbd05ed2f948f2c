"""Reminders, escalations and urges go out through the notifier: written to the outbox with the entries that
cause them, delivered by the dispatcher (webhook signed with HMAC, or email), retried, finally marked failed."""

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request, Response
from sqlalchemy import text

from activities.notify import SmtpNotifier, WebhookNotifier, signature
from cli.processes import free_port
from models.queues import SYSTEM_FAMILY, queue_name
from settings import Settings
from tests.support.serve import serve
from tests.support.stack import ZN_DEPARTMENTS, ZN_EXPERTS, Stack
from worker import build_worker
from workflows.notifications import DispatcherConfig, NotificationDispatcherWorkflow

SECRET = "webhook-secret-" + "w" * 32


async def outbox(s: Stack) -> list[tuple[str, str, str, int]]:
    async with s.db.session() as session:
        rows = (await session.exec(text(
            "SELECT action, audience, status, attempts FROM notifications ORDER BY id"))).all()
    return [tuple(r) for r in rows]


async def department_of(s: Stack, username: str) -> int:
    return (await s.user(username)).department_id


async def test_reminders_and_escalations_are_written_once_to_the_outbox(timed):
    s, env = timed
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    for username in (*(u for u in ZN_DEPARTMENTS if u != "zn_police"), "zn_shikong", *ZN_EXPERTS):
        await s.ok(await s.sign(case_id, username))
    await env.sleep(timedelta(days=30))

    async def escalated() -> bool:
        return "escalated" in await s.actions(case_id)

    await s.eventually(escalated)
    police = f"department:{await department_of(s, 'zn_police')}"
    rows = await outbox(s)
    assert [(a, aud) for a, aud, *_ in rows if a == "reminded"] == [("reminded", police)]
    assert sorted(aud for a, aud, *_ in rows if a == "escalated") == sorted(
        [police, "role:county_nr:640521", "role:supervisor:640521"])
    assert all(status == "pending" for *_, status, _ in rows)


class Receiver:
    """A webhook endpoint on loopback that records what it is sent, answering `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status, self.calls = status, []
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            self.calls.append({"body": json.loads(body), "signature": request.headers.get("x-mineflow-signature"),
                               "valid": request.headers.get("x-mineflow-signature") == signature(SECRET, body)})
            return Response(status_code=self.status)


@asynccontextmanager
async def dispatching(s: Stack, notifier: Any, max_attempts: int = 3) -> AsyncIterator[None]:
    """A worker delivering with `notifier`, and the dispatcher polling fast, on a queue of their own."""
    queue = f"notify-{uuid.uuid4()}"
    async with build_worker(s.temporal, s.db, queue, notifier=notifier, settings=s.settings):
        handle = await s.temporal.start_workflow(
            NotificationDispatcherWorkflow.run,
            DispatcherConfig(poll_seconds=0.2, max_attempts=max_attempts, first_retry_seconds=0.1),
            id=f"dispatcher-{uuid.uuid4()}", task_queue=queue_name(queue, SYSTEM_FAMILY))
        try:
            yield
        finally:
            await handle.terminate()


async def urge_police(s: Stack) -> str:
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/reminders",
                            {"parties": ["public_security"], "message": "请尽快签署"}))
    return case_id


async def until(s: Stack, status: str) -> list[tuple[str, str, str, int]]:
    async def done() -> bool:
        return any(row[2] == status for row in await outbox(s))

    await s.eventually(done, within=30)
    return await outbox(s)


async def test_webhook_delivery_is_signed_and_marked_sent(dev_stack):
    s, receiver = dev_stack, Receiver()
    async for base in serve(receiver.app):
        async with dispatching(s, WebhookNotifier(f"{base}/hook", SECRET)):
            case_id = await urge_police(s)
            rows = await until(s, "sent")
    assert [(a, status, attempts) for a, _, status, attempts in rows] == [("urged", "sent", 1)]
    [call] = receiver.calls
    assert call["valid"] and call["signature"].startswith("sha256=")
    assert call["body"]["case_id"] == case_id and call["body"]["recipients"] == ["zn_police"]
    assert "请尽快签署" in call["body"]["body"]


async def test_a_failing_delivery_is_retried_then_marked_failed_never_lost(dev_stack):
    s, receiver = dev_stack, Receiver(status=500)
    async for base in serve(receiver.app):
        async with dispatching(s, WebhookNotifier(f"{base}/hook", SECRET), max_attempts=3):
            await urge_police(s)
            rows = await until(s, "failed")
    assert [(status, attempts) for _, _, status, attempts in rows] == [("failed", 3)]
    assert len(receiver.calls) == 3
    async with s.db.session() as session:
        (error,) = (await session.exec(text("SELECT last_error FROM notifications"))).one()
    assert "500" in error


async def test_email_reaches_the_officers_of_the_department(dev_stack):
    s = dev_stack
    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
            received.append(envelope)
            return "250 OK"

    async with s.db.write() as session:
        await session.exec(text("UPDATE users SET email = 'police@zn.example.gov.cn' WHERE username = 'zn_police'"))
    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = SmtpNotifier(Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="mineflow@zn.example.gov.cn"))
        async with dispatching(s, smtp):
            await urge_police(s)
            await until(s, "sent")
    finally:
        controller.stop()
    [envelope] = received
    assert envelope.rcpt_tos == ["police@zn.example.gov.cn"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "【矿山审批】中宁县石空镇双龙山石膏矿 开复工"
    assert "请尽快签署" in message.get_content()


async def test_no_address_fails_at_once_without_retrying(dev_stack):
    s = dev_stack
    smtp = SmtpNotifier(Settings(smtp_host="127.0.0.1", smtp_port=free_port()))
    async with dispatching(s, smtp, max_attempts=5):
        await urge_police(s)
        rows = await until(s, "failed")
    assert [(status, attempts) for _, _, status, attempts in rows] == [("failed", 1)]


def test_settings_refuse_an_unsigned_webhook_in_production():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="WEBHOOK"):
        Settings(mode="production", jwt_secret="x" * 40, notifier="webhook", webhook_url="https://hooks.example")


