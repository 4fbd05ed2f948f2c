"""文件：上传材料、下载文件、案件的文件列表."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.requests import ClientDisconnect

from api import files_service
from api.deps import CurrentUser, DatabaseDep, SessionDep, SettingsDep, StoreDep
from api.errors import ErrorBody
from api.files_service import AttachedFile, UploadedFile, case_files, readable_file, store_upload
from domain.errors import DomainError, ErrorCode

router = APIRouter(tags=["文件"])
ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 413, 415, 422, 503)}

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "一个文件"}}}}}}}


@router.post("/files", summary="上传文件（PDF、JPEG、PNG、OFD、DOC、DOCX、XLSX；按内容识别类型，大小有上限）",
             status_code=201, response_model=UploadedFile, responses=ERRORS, openapi_extra=UPLOAD_BODY)
async def upload(request: Request, principal: CurrentUser, session: SessionDep, db: DatabaseDep,
                 store: StoreDep, settings: SettingsDep) -> UploadedFile:
    await session.commit()  # no database connection held while the body streams in
    length = request.headers.get("content-length")
    try:
        return await store_upload(db=db, store=store, principal=principal, body=request.stream(),
                                  content_type=request.headers.get("content-type"),
                                  content_length=int(length) if length and length.isdigit() else None,
                                  max_bytes=settings.file_max_bytes)
    except ClientDisconnect as exc:  # nobody is left to answer; the staged part is gone already
        raise DomainError(ErrorCode.FILE_UPLOAD_MALFORMED, "上传中断", {"reason": "client disconnected"}) from exc


@router.get("/files/{file_id}", summary="下载文件（本人上传的，或所属案件有权查阅的）",
            response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}}, **ERRORS})
async def download(file_id: str, principal: CurrentUser, session: SessionDep, store: StoreDep,
                   inline: Annotated[bool, Query(description="PDF 与图片可在浏览器内预览")] = False,
                   ) -> StreamingResponse:
    row = await readable_file(session=session, principal=principal, file_id=file_id)
    await session.commit()
    return await files_service.download(store=store, row=row, inline=inline)


@router.get("/cases/{case_id}/files", summary="案件的文件（材料、佐证和文书），有权查阅案件者可见",
            response_model=list[AttachedFile], responses=ERRORS)
async def list_case_files(case_id: str, principal: CurrentUser, session: SessionDep) -> list[AttachedFile]:
    return await case_files(session=session, principal=principal, case_id=case_id)
