"""The API docs page works on an offline network: /docs names no other host, and the script and style it loads
are served by the app itself."""

import re

from tests.support.stack import Stack


async def test_docs_page_loads_everything_from_the_app(stack: Stack):
    page = await stack.http.get("/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    addresses = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert addresses, "the page loads its script and style"
    external = [a for a in addresses if re.match(r"^(https?:)?//", a)]
    assert not external, f"loaded from another host: {external}"
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)", page.text.replace("http://www.w3.org", "")), \
        "no other host anywhere in the page"
    for address in addresses:
        if address.startswith("/docs/assets/"):
            asset = await stack.http.get(address)
            assert asset.status_code == 200 and asset.content, address
    assert "/docs/assets/swagger-ui-bundle.js" in addresses and "/docs/assets/swagger-ui.css" in addresses
    assert (await stack.http.get("/openapi.json")).status_code == 200
    assert (await stack.http.get("/redoc")).status_code == 404  # ReDoc would load from a CDN: not served
