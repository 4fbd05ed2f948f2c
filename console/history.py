"""Where the address bar stands after a form is answered with a page rather than a redirect (a refusal shown beside
the form, a batch's result). htmx boosts every form and would push the POST's own address, which a reload or Back
then asks for with GET (405): the answer names the page's own GET address instead (`HX-Push-Url`)."""

from fastapi.responses import Response


def settle_at(response: Response, url: str) -> Response:
    response.headers["HX-Push-Url"] = url
    return response
