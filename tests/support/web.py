"""A cookie-keeping HTTP client that uses the console as a browser would: logs in, reads a page's CSRF token,
posts its forms."""

import re

import httpx

from models.demo import DEMO_PASSWORD


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


class Browser:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def login(self, username: str, password: str = DEMO_PASSWORD, next_url: str = "") -> httpx.Response:
        page = await self.http.get("/console/login")
        return await self.http.post("/console/login", data={
            "username": username, "password": password, "csrf_token": csrf_of(page.text), "next": next_url})

    async def post_form(self, page_url: str, action: str, data: dict[str, str], htmx: bool = False) -> httpx.Response:
        page = await self.http.get(page_url)
        assert page.status_code == 200, page.text
        headers = {"HX-Request": "true"} if htmx else {}
        return await self.http.post(action, data={"csrf_token": csrf_of(page.text), **data}, headers=headers)
