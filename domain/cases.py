"""What every procedure's case shares: its status."""

from enum import StrEnum


class Status(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATUS_NAMES: dict[Status, str] = {
    Status.ACTIVE: "办理中",
    Status.COMPLETED: "已办结",
    Status.REJECTED: "不予批准",
    Status.WITHDRAWN: "已撤回",
}
