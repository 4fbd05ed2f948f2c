"""管理：审计链校验."""

from fastapi import APIRouter

from api.deps import AdminUser, SessionDep
from api.errors import ErrorBody
from models.audit import ChainReport, verify_chain

router = APIRouter(tags=["管理"])


@router.get("/admin/audit/verify", summary="校验审计链（逐条核对哈希，指出第一条被篡改或缺失的记录）",
            response_model=ChainReport, responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}})
async def verify_audit(_: AdminUser, session: SessionDep) -> ChainReport:
    return await verify_chain(session)
