"""催办 in bulk: each selected case is urged through its workflow's own `urge` action (`cases.act`), so every case
is refused or accepted exactly as one urged alone would be; the answer says which were urged, whom, and why the
others were refused."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.deps import Principal
from api.errors import as_domain_error, field_errors
from api.kinds import kind_of_case
from api.services import cases
from domain.errors import DomainError, ErrorCode
from models.cases import Reason, UrgeRequest, Wire
from models.db import utcnow
from models.projection import CaseTask
from settings import Settings

BULK_LIMIT = 50


CaseId = Annotated[str, StringConstraints(max_length=40, pattern=r"^[A-Z]{2,6}-[0-9A-Z-]{1,34}$")]


class BulkUrgeRequest(Wire):
    case_ids: list[CaseId] = Field(title="案件", min_length=1, max_length=BULK_LIMIT, description="要催办的案件编号")
    message: Reason = Field(title="催办内容", description="发给各案件当前逾期的待办方")


class Urged(BaseModel):
    case_id: str
    parties: list[str] = Field(description="被催办的待办方名称")


class UrgeRefused(BaseModel):
    case_id: str
    code: str
    message: str


class BulkUrgeResult(BaseModel):
    urged: list[Urged] = Field(default_factory=list)
    refused: list[UrgeRefused] = Field(default_factory=list)


async def _parties(session: AsyncSession, case_id: str, now: datetime) -> list[tuple[str, str]]:
    """(party, name) the case waits on: those overdue, or — none overdue — every party it waits on."""
    tasks = (await session.exec(select(CaseTask).where(CaseTask.case_id == case_id, col(CaseTask.party).is_not(None))
                                .order_by(col(CaseTask.id)))).all()
    late = [t for t in tasks if t.overdue or (t.due_at is not None and t.due_at <= now)]
    chosen = late or list(tasks)
    return list(dict.fromkeys((t.party or "", t.name) for t in chosen))


async def urge_many(*, session: AsyncSession, temporal: Client, settings: Settings, principal: Principal,
                    body: BulkUrgeRequest) -> BulkUrgeResult:
    result = BulkUrgeResult()
    for case_id in dict.fromkeys(body.case_ids):
        try:
            kind = kind_of_case(case_id[:40])
            urge = kind.actions().get("urge")
            if urge is None:
                raise DomainError(ErrorCode.WRONG_STAGE, f"{kind.name}案件没有催办操作")
            # who may see it, and whether it is still open, before whom it waits on (as one urged alone)
            scope = await cases.ensure_access(session=session, temporal=temporal, principal=principal,
                                              case_id=case_id)
            if not scope.active:
                raise DomainError(ErrorCode.CASE_CLOSED)
            parties = await _parties(session, case_id, utcnow())
            await session.commit()
            if not parties:
                raise DomainError(ErrorCode.PARTY_NOT_PENDING, "案件当前没有待办事项，无需催办")
            await cases.act(session=session, temporal=temporal, settings=settings, principal=principal,
                            case_id=case_id, action=urge,
                            body=UrgeRequest(parties=[p for p, _ in parties], message=body.message))
        except ValidationError as exc:
            problems = "；".join(e["message"] for e in field_errors(exc.errors()))
            result.refused.append(UrgeRefused(case_id=case_id, code=ErrorCode.VALIDATION_FAILED.value,
                                              message=problems))
            continue
        except Exception as exc:
            refusal = as_domain_error(exc)
            if refusal is None:
                raise
            result.refused.append(UrgeRefused(case_id=case_id, code=refusal.code.value, message=refusal.message))
            continue
        result.urged.append(Urged(case_id=case_id, parties=[name for _, name in parties]))
    return result

