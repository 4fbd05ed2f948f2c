"""管理：审计链与文件校验."""

from fastapi import APIRouter

from api.deps import AdminUser, SessionDep, StoreDep
from api.errors import ErrorBody
from api.files_service import IntegrityReport, verify_all

router = APIRouter(tags=["管理"])


@router.get("/admin/audit/verify",
            summary="校验审计链（逐条核对哈希，指出第一条被篡改或缺失的记录），并重算每个已存文件的哈希与审计链比对",
            response_model=IntegrityReport, responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}})
async def verify_audit(_: AdminUser, session: SessionDep, store: StoreDep) -> IntegrityReport:
    return await verify_all(session, store)
