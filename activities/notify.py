"""Delivering the outbox (models/notifications.py): claim what is pending, deliver one, mark one failed.

The notifier is pluggable by settings (`MINEFLOW_NOTIFIER`): `log` (default: a structured log line), `webhook`
(an HTTP POST of the notification as JSON, signed `X-Mineflow-Signature: sha256=<HMAC of the body>`), or `smtp`
(an email to every user of the audience who has an address). Each delivery attempt is counted on the row; the
dispatcher workflow retries with backoff and finally marks a row failed with its last error.
"""

import asyncio
import hashlib
import hmac
import json
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Protocol

import httpx
import structlog
from sqlmodel import col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from models.db import Database, utcnow
from models.notifications import DeliveryStatus, Notification
from models.registry import User
from settings import Settings

log = structlog.get_logger("mineflow.notify")


class Notifier(Protocol):
    async def send(self, notification: Notification, recipients: Sequence[User]) -> None: ...


class LogNotifier:
    async def send(self, notification: Notification, recipients: Sequence[User]) -> None:
        log.info("notification", id=notification.id, action=notification.action, audience=notification.audience,
                 case_id=notification.case_id, subject=notification.subject, recipients=len(recipients))


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    def __init__(self, url: str, secret: str) -> None:
        self.url, self.secret = url, secret

    async def send(self, notification: Notification, recipients: Sequence[User]) -> None:
        body = json.dumps({
            "id": notification.id, "event_key": notification.event_key, "case_id": notification.case_id,
            "action": notification.action, "audience": notification.audience, "subject": notification.subject,
            "body": notification.body, "recipients": [u.username for u in recipients],
        }, ensure_ascii=False).encode()
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(self.url, content=body, headers={
                "Content-Type": "application/json", "X-Mineflow-Signature": signature(self.secret, body),
                "X-Mineflow-Event": notification.event_key})
        if response.status_code >= 300:
            raise RuntimeError(f"webhook answered {response.status_code}")


class SmtpNotifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, notification: Notification, recipients: Sequence[User]) -> None:
        addresses = [u.email for u in recipients if u.email]
        if not addresses:
            raise ApplicationError("收件人均未登记邮箱", type="NO_ADDRESS", non_retryable=True)
        message = EmailMessage()
        message["Subject"], message["From"] = notification.subject, self.settings.smtp_from
        message["To"] = ", ".join(addresses)
        message.set_content(notification.body)
        await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            smtp.send_message(message)


def notifier_from(settings: Settings) -> Notifier:
    match settings.notifier:
        case "webhook":
            assert settings.webhook_url and settings.webhook_secret, "webhook notifier needs URL and secret"
            return WebhookNotifier(settings.webhook_url, settings.webhook_secret)
        case "smtp":
            return SmtpNotifier(settings)
    return LogNotifier()


class NotificationActivities:
    def __init__(self, db: Database, notifier: Notifier) -> None:
        self.db, self.notifier = db, notifier

    @activity.defn(name="pending_notifications")
    async def pending_notifications(self, limit: int) -> list[int]:
        async with self.db.session() as session:
            rows = (await session.exec(select(Notification.id).where(
                Notification.status == DeliveryStatus.PENDING).order_by(col(Notification.id)).limit(limit))).all()
        return [r for r in rows if r is not None]

    @activity.defn(name="deliver_notification")
    async def deliver_notification(self, notification_id: int) -> None:
        """Deliver one notification; a row already sent is left alone (a retried delivery sends nothing twice
        on our side — the webhook carries the event key for the receiver to de-duplicate)."""
        async with self.db.session() as session:
            row = await session.get(Notification, notification_id)
            if row is None or row.status is not DeliveryStatus.PENDING:
                return
            recipients = await self._recipients(row.audience)
        try:
            await self.notifier.send(row, recipients)
        except Exception as exc:
            await self._update(notification_id, attempts_delta=1, error=str(exc)[:500])
            raise
        await self._update(notification_id, attempts_delta=1, status=DeliveryStatus.SENT)

    @activity.defn(name="mark_notification_failed")
    async def mark_notification_failed(self, notification_id: int) -> None:
        await self._update(notification_id, status=DeliveryStatus.FAILED)

    async def _recipients(self, audience: str) -> list[User]:
        kind, _, rest = audience.partition(":")
        query = select(User).where(col(User.is_active).is_(True))
        match kind:
            case "department":
                query = query.where(User.department_id == int(rest))
            case "user":
                query = query.where(User.username == rest)
            case "enterprise":
                query = query.where(User.enterprise_id == int(rest))
            case "role":
                role, _, division = rest.partition(":")
                query = query.where(User.role == role, User.division_code == division)
            case _:
                return []
        async with self.db.session() as session:
            return list((await session.exec(query)).all())

    async def _update(self, notification_id: int, *, attempts_delta: int = 0, status: DeliveryStatus | None = None,
                      error: str | None = None) -> None:
        async with self.db.write() as session:
            row = await session.get(Notification, notification_id)
            if row is None:
                return
            row.attempts += attempts_delta
            if error is not None:
                row.last_error = error
            if status is not None:
                row.status = status
                if status is DeliveryStatus.SENT:
                    row.sent_at = utcnow()
            session.add(row)
