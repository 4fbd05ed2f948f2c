"""One error body for every 4xx/5xx: `{"error": {"code", "message", "details"}}` (api-contract.md, Errors)."""

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import CATALOGUE, DomainError, ErrorCode

log = structlog.get_logger("mineflow.api")
CASE_BUSY_RETRY_AFTER = 2  # seconds: a case's in-flight updates finish in well under that


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_response(code: ErrorCode, message: str | None = None, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    spec = CATALOGUE[code]
    body = ErrorBody(error=ErrorDetail(code=code.value, message=message or spec.message, details=details or {}))
    return JSONResponse(status_code=spec.status, content=body.model_dump(mode="json"), headers=headers)


# What pydantic says, in Chinese, for the error types a client can trigger.
_PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "string_too_long": "超过最大长度",
    "string_too_short": "长度不足",
    "string_type": "应为字符串",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为日期时间（ISO 8601）",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "too_long": "元素过多",
    "too_short": "元素过少",
    "value_error": "取值不合法",
    "json_invalid": "不是合法的 JSON",
    "finite_number": "应为有限数值",
    "int_from_float": "应为整数",
    "uuid_parsing": "格式不正确",
    "string_unicode": "含有无效的 Unicode 字符",
}


def field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors as `{"field", "type", "message"}` with Chinese messages (API bodies and console forms)."""
    out = []
    for err in errors:
        kind = str(err.get("type", ""))
        message = _PYDANTIC_MESSAGES.get(kind, "取值不合法")
        if kind == "value_error":  # our own validators speak Chinese already
            message = str(err.get("msg", message)).removeprefix("Value error, ")
        out.append({"field": ".".join(str(p) for p in err.get("loc", ())), "type": kind, "message": message})
    return out


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return field_errors(exc.errors())


def map_temporal_failure(exc: WorkflowUpdateFailedError) -> DomainError:
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.type and cause.type in ErrorCode.__members__:
        details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
        return DomainError(ErrorCode(cause.type), cause.message, details)
    log.error("workflow update failed unexpectedly", error=repr(cause))
    return DomainError(ErrorCode.INTERNAL_ERROR)


def as_domain_error(exc: Exception) -> DomainError | None:
    """The refusal an engine or database failure stands for, as the handlers below answer it (None: not ours)."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, WorkflowUpdateFailedError):
        return map_temporal_failure(exc)
    if isinstance(exc, WorkflowUpdateRPCTimeoutOrCancelledError):
        return DomainError(ErrorCode.TIMEOUT)
    if isinstance(exc, RPCError):
        if exc.status is RPCStatusCode.NOT_FOUND:
            return DomainError(ErrorCode.CASE_NOT_FOUND)
        if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
            return DomainError(ErrorCode.TIMEOUT)
        message = exc.message.lower()  # the server's wording changes case between versions
        if exc.status is RPCStatusCode.RESOURCE_EXHAUSTED or (
                exc.status is RPCStatusCode.UNAVAILABLE and "update was aborted" in message) or (
                exc.status is RPCStatusCode.FAILED_PRECONDITION
                and "unable to perform workflow execution update due to" in message):
            # "Workflow is busy", the in-flight update limit per workflow (10 by default), an update the server
            # dropped while the case's history was reloaded ("workflow update was aborted"; older servers:
            # "Workflow Update was aborted."), or refused while the case's last workflow task timed out or failed
            # ("… due to Workflow Task in failed state." / "… due to unexpected workflow task failure."; a starved
            # worker; Temporal admits no update until a task completes): this case, not the engine, is saturated,
            # and the action did not take effect
            log.warning("case busy", error=exc.message)
            return DomainError(ErrorCode.CASE_BUSY, details={"retry_after_seconds": CASE_BUSY_RETRY_AFTER})
        log.warning("temporal unavailable", status=str(exc.status), error=exc.message)
        return DomainError(ErrorCode.TEMPORAL_UNAVAILABLE)
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError):
        log.warning("database unavailable", error=type(exc).__name__)
        return DomainError(ErrorCode.DATABASE_UNAVAILABLE)
    if isinstance(exc, IntegrityError):
        return DomainError(ErrorCode.ALREADY_EXISTS, "记录与已有数据冲突（重复或引用不存在）")
    if isinstance(exc, DataError):
        return DomainError(ErrorCode.VALIDATION_FAILED, "数据超出数据库允许的范围")
    return None


def _mapped_response(exc: DomainError) -> JSONResponse:
    retry = {"Retry-After": str(exc.details.get("retry_after_seconds", 5))} if exc.status == 503 else None
    return error_response(exc.code, exc.message, exc.details, headers=retry)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        retry = exc.details.get("retry_after_seconds")
        return error_response(exc.code, exc.message, exc.details,
                              headers={"Retry-After": str(retry)} if retry is not None else None)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        code = ErrorCode.MALFORMED_JSON if any(e["type"] == "json_invalid" for e in errors) else \
            ErrorCode.VALIDATION_FAILED
        return error_response(code, details={"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: ErrorCode.NOT_AUTHENTICATED, 403: ErrorCode.FORBIDDEN_ROLE, 404: ErrorCode.NOT_FOUND,
                405: ErrorCode.METHOD_NOT_ALLOWED}.get(exc.status_code)
        if code is None:
            # Starlette's own 4xx (e.g. 400 for a broken multipart form): keep its status, give our body.
            body = ErrorBody(error=ErrorDetail(code="BAD_REQUEST", message="请求格式不正确",
                                               details={"reason": str(exc.detail)}))
            return JSONResponse(status_code=exc.status_code if exc.status_code < 500 else 500,
                                content=body.model_dump(mode="json"))
        return error_response(code)

    @app.exception_handler(WorkflowUpdateFailedError)
    @app.exception_handler(WorkflowUpdateRPCTimeoutOrCancelledError)
    @app.exception_handler(RPCError)
    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeoutError)
    @app.exception_handler(IntegrityError)
    @app.exception_handler(DataError)
    async def _engine_or_database(_: Request, exc: Exception) -> JSONResponse:
        return _mapped_response(as_domain_error(exc) or DomainError(ErrorCode.INTERNAL_ERROR))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", path=request.url.path)
        return error_response(ErrorCode.INTERNAL_ERROR)
