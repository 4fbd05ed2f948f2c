"""Clients of the Temporal servers the tests start themselves."""

import asyncio
import time
from typing import Any

from temporalio.client import Client


async def connect_when_healthy(address: str, *, within: float = 90, **options: Any) -> Client:
    """A client of a server just started: its port opens before its frontend is healthy ("Frontend is not healthy
    yet"), and on a busy machine that gap can outlast the SDK's own connect retries (10 s)."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await Client.connect(address, **options)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)
