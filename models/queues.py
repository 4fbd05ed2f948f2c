"""Task queue names: each procedure family has its own, `<MINEFLOW_TASK_QUEUE>-<family>`, and the documents have
theirs beside them, so renders can run on cores or hosts of their own (`mineflow worker --family documents`)."""

SYSTEM_FAMILY = "system"  # the deployment's own workflows (the notification dispatcher)
DOCUMENTS_FAMILY = "documents"


def queue_name(prefix: str, family: str) -> str:
    """The task queue of a family."""
    return f"{prefix}-{family}"


def sibling_queue(queue: str, family: str) -> str:
    """The queue of `family` in the deployment `queue` belongs to (family names hold no '-'; the prefix may)."""
    return queue_name(queue.rsplit("-", 1)[0], family)
