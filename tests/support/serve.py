"""Serving an app over a real loopback socket, for clients that are not in-process (a browser, schemathesis)."""

import asyncio
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI

from cli.processes import free_port


async def serve(app: FastAPI) -> AsyncIterator[str]:
    """The app on a free loopback port, on this event loop (it shares the loop's database and Temporal client)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                          access_log=False))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
