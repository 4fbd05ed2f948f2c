"""文书：案件出具的文书列表；公开的文书核验页（无需登录）."""

import tempfile
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.requests import ClientDisconnect

from api.deps import CurrentUser, SessionDep, SettingsDep, StoreDep
from api.errors import ErrorBody
from api.files_service import MULTIPART_OVERHEAD, ensure_case_readable
from documents.builders import cn_date
from documents.issue import case_documents, show_code
from documents.render import env
from documents.verify import verify_document
from domain.errors import DomainError, ErrorCode
from models.document_refs import CaseDocumentRef
from models.files import CaseDocument
from storage.upload import read_upload, too_large

router = APIRouter(tags=["文书"])
public_router = APIRouter(tags=["文书核验"])
ERRORS = {code: {"model": ErrorBody} for code in (401, 403, 404)}
PAGE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                           "frame-ancestors 'none'", "Referrer-Policy": "no-referrer"}


@router.get("/cases/{case_id}/documents", summary="案件出具的文书（批复、决定书、通知书等），有权查阅案件者可见",
            response_model=list[CaseDocumentRef], responses=ERRORS)
async def list_documents(case_id: str, principal: CurrentUser, session: SessionDep,
                         settings: SettingsDep) -> list[CaseDocumentRef]:
    await ensure_case_readable(session, principal, case_id)
    return await case_documents(session, settings, case_id)


def _page(status: int, *, code: str, doc: CaseDocument | None = None, error: str | None = None,
          matched: bool = False, missing: bool = False) -> HTMLResponse:
    html = env.get_template("verify.html").render(
        doc=doc, code=code, error=error, matched=matched, missing=missing,
        issued_on=cn_date(doc.issued_on) if doc else "")
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


async def _check(session: SessionDep, store: StoreDep, code: str, sha256: str | None) -> HTMLResponse:
    shown = show_code(code.upper().replace("-", "")[:32])
    try:
        doc = await verify_document(session, store, code, None)
    except DomainError as exc:
        return _page(exc.status, code=shown, error=exc.message, missing=exc.code is ErrorCode.DOCUMENT_NOT_FOUND)
    try:
        await verify_document(session, store, code, sha256)
    except DomainError as exc:  # the holder's file is not the one issued: show what was issued beside the refusal
        return _page(exc.status, code=shown, doc=doc, error=exc.message)
    return _page(200, code=shown, doc=doc, matched=sha256 is not None)


@public_router.get("/verify/{code}", summary="文书核验页（扫描文书上的二维码打开）", response_class=HTMLResponse)
async def verify_page(code: str, session: SessionDep, store: StoreDep,
                      sha256: Annotated[str | None, Query(max_length=64, description="所持文件的 SHA-256")] = None,
                      ) -> HTMLResponse:
    return await _check(session, store, code, sha256)


@public_router.post("/verify/{code}", summary="上传所持文书，与原件比对（默认不超过 10 MB）",
                   response_class=HTMLResponse)
async def verify_upload(code: str, request: Request, session: SessionDep, store: StoreDep,
                        settings: SettingsDep) -> HTMLResponse:
    """Anyone may post here, so it takes a document's size, not a signed-in upload's: refused (413) before a byte
    is read when the declared length is over the cap, and the moment the bytes run past it otherwise."""
    await session.commit()  # no connection held while the file streams in
    limit = settings.verify_max_bytes
    try:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
            raise too_large(limit)
        with tempfile.TemporaryFile() as sink:  # hashed as it arrives; nothing kept
            incoming = await read_upload(request.stream(), request.headers.get("content-type"), sink,
                                         max_bytes=limit)
    except DomainError as exc:
        return _page(exc.status, code=code, error=exc.message, missing=True)
    except ClientDisconnect:
        return _page(400, code=code, error="上传中断", missing=True)
    return await _check(session, store, code, incoming.sha256)
