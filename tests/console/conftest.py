"""Browser fixtures: the stack's app served over a real socket (uvicorn on the test's event loop), and Debian's
Chromium driven by Playwright — headless, no browser download. Every page opened through `Browsing` fails the
test on any console error or uncaught page error.

Without /usr/bin/chromium (or the playwright package) the browser tests skip with a loud reason; with
MINEFLOW_REQUIRE_BROWSER=1 (set by `make test` once it has installed Chromium) they fail instead."""

import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from models.demo import DEMO_PASSWORD
from tests.support.serve import serve

CHROMIUM = os.environ.get("MINEFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORT = {"width": 1366, "height": 768}  # the officials' laptops


def browser_problem() -> str | None:
    if not Path(CHROMIUM).exists():
        return (f"Chromium not found at {CHROMIUM}; install Debian's packages `chromium fonts-noto-cjk` "
                "(make test does this when run as root)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    problem = browser_problem()
    if problem:
        if os.environ.get("MINEFLOW_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required but cannot run: {problem}")
        pytest.skip(f"!!! BROWSER TESTS SKIPPED: {problem}")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        await chromium.close()


@dataclass
class Browsing:
    """Pages for several users at once, each in its own browser context (own cookies), all watched for errors."""

    browser: Any
    base_url: str
    errors: list[str] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)

    async def new_page(self) -> Any:
        context = await self.browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",
                                                 base_url=self.base_url)
        self.contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda msg: self.errors.append(f"console.{msg.type}: {msg.text} @ {page.url}")
                if msg.type in ("error", "assert") else None)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc} @ {page.url}"))
        return page

    async def login(self, username: str, page: Any | None = None) -> Any:
        from playwright.async_api import expect

        page = page or await self.new_page()
        await page.goto("/console/login")
        await page.get_by_label("用户名").fill(username)
        await page.get_by_label("密码").fill(DEMO_PASSWORD)
        await page.get_by_role("button", name="登录").click()
        await expect(page.locator(".who .user")).to_have_attribute("data-username", username)
        return page

    async def screenshot(self, page: Any, name: str, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        await page.screenshot(path=str(path), full_page=full_page)
        return path

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


async def _browsing(browser: Any, app: FastAPI) -> AsyncIterator[Browsing]:
    async for base_url in serve(app):
        b = Browsing(browser, base_url)
        try:
            yield b
        finally:
            await b.close()
        assert not b.errors, "JavaScript / console errors:\n" + "\n".join(b.errors)


@pytest.fixture
async def browsing(browser: Any, dev_stack: Any) -> AsyncIterator[Browsing]:
    """The console of the product as it runs (real Temporal dev server), in Chromium."""
    async for b in _browsing(browser, dev_stack.app):
        yield b


@pytest.fixture
async def browsing_projection(browser: Any, stack: Any) -> AsyncIterator[Browsing]:
    """The console over the shared time-skipping stack: for pages that read only the projection."""
    async for b in _browsing(browser, stack.app):
        yield b


@pytest.fixture
async def browsing_timed(browser: Any, timed: Any) -> AsyncIterator[Browsing]:
    """The console over a time-skipping server of the test's own: a journey skips its statutory periods."""
    s, _env = timed
    async for b in _browsing(browser, s.app):
        yield b


def case_id_of(url: str) -> str:
    found = re.search(r"/console/cases/([A-Z0-9-]+)", url)
    assert found, url
    return found.group(1)
