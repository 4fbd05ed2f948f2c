"""The README's walkthrough, as a user would run it: log in with the demo passwords, carry a case to the end."""

import asyncio

import httpx
import pytest

from cli.walkthrough import Walkthrough

pytestmark = pytest.mark.devserver


async def test_readme_walkthrough_completes_a_case(dev_stack):
    app = dev_stack.app  # the same ASGI app, driven synchronously as the CLI drives a running server
    lines: list[str] = []

    def run() -> dict:
        transport = httpx.ASGITransport(app=app)
        with httpx.Client(transport=_SyncOverAsync(transport, loop), base_url="http://mineflow.test") as http:
            return Walkthrough(http, lines.append).run()

    loop = asyncio.get_running_loop()
    case = await asyncio.to_thread(run)
    assert case["status"] == "completed" and case["document_no"].startswith("中宁自然资复")
    assert len(lines) == 7 and lines[-1].startswith("7. 市自然资源局确认备案：已办结")


class _SyncOverAsync(httpx.BaseTransport):
    """Lets the synchronous client of the CLI talk to the in-process ASGI app running on the test's loop."""

    def __init__(self, transport: httpx.AsyncBaseTransport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport, self.loop = transport, loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            request.stream = httpx.ByteStream(request.read())
            response = await self.transport.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run_coroutine_threadsafe(send(), self.loop).result(60)
