"""Documents to PDF: a Jinja2 template laid out after GB/T 9704, rendered by WeasyPrint with the Noto CJK fonts
(Debian's `fonts-noto-cjk`, installed by `make system` / the Dockerfile), with the verification QR code drawn
by segno as SVG."""

from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape

from documents.builders import Content, Issue, cn_date

TEMPLATES = Path(__file__).resolve().parent / "templates"
env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False)


def qr_data_uri(url: str) -> str:
    return segno.make_qr(url, error="m").svg_data_uri(border=2, scale=4)


def document_html(content: Content, issue: Issue, *, code: str, url: str) -> str:
    return env.get_template("document.html").render(content=content, issue=issue, code=code, url=url,
                                                    qr=qr_data_uri(url), issued_on=cn_date(issue.issued_on))


def render_pdf(content: Content, issue: Issue, *, code: str, url: str) -> bytes:
    """The document as PDF bytes (blocking: call it in a worker thread)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only the processes that render need

    pdf: bytes = HTML(string=document_html(content, issue, code=code, url=url), base_url=str(TEMPLATES)).write_pdf()
    return pdf
