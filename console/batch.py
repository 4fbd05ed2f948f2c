"""Starting cases for many mines at once, in the console: a page for every procedure declared with a `Kind.batch`
(矿山整治 and 关闭取缔 today), its form generated from the batch's request model, sent through the same service
as `POST /rectifications/batch` and `/closures/batch` — so a mine with an open case is reported, never started
twice, and each refusal says why."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import DatabaseDep, TemporalDep
from api.kinds import KINDS, Kind
from api.services import campaign as campaign_service
from api.services import registry as registry_service
from domain.errors import DomainError, ErrorCode
from models.campaign import BatchResult

from . import forms
from .action_forms import model_form
from .history import settle_at
from .web import PREFIX, Console, ConsoleDep, ConsoleRoute, form_problems, render

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def batch_kinds(console: Console) -> list[Kind]:
    """The procedures this caller may start in batches."""
    return [k for k in KINDS.values() if k.batch is not None and console.role in k.batch.roles]


def _kind(console: Console, code: str) -> Kind:
    kind = KINDS.get(code)
    if kind is None or kind.batch is None:
        raise DomainError(ErrorCode.NOT_FOUND, "没有可批量启动的此类事项")
    if console.role not in kind.batch.roles:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, f"您不能批量启动{kind.name}")
    return kind


async def _page(console: Console, kind: Kind, *, form: dict[str, Any] | None = None,
                error: DomainError | None = None, result: BatchResult | None = None,
                status: int = 200) -> HTMLResponse:
    assert kind.batch is not None
    fv = await model_form(console, kind.batch.request, code=f"batch-{kind.code}", title=kind.batch.label,
                          target=f"batch/{kind.code}", form=form, error=error, submit=kind.batch.label)
    mines = await registry_service.mines_in_scope(session=console.session, principal=console.principal,
                                                  page_size=500)
    return render(console.request, "batch/new.html", {
        "active": "campaigns", "kind": kind, "fv": fv, "result": result,
        "mine_names": {m.id: m.name for m in mines}, "others": [k for k in batch_kinds(console) if k is not kind],
    }, status=status, console=console)


@router.get("/batch/{code}/new", response_class=HTMLResponse)
async def new_batch(code: str, console: ConsoleDep) -> Response:
    kind = _kind(console, code)
    return await _page(console, kind, form=dict(console.request.query_params))


@router.post("/batch/{code}", response_class=HTMLResponse)
async def start_batch(code: str, console: ConsoleDep, db: DatabaseDep, temporal: TemporalDep) -> Response:
    kind = _kind(console, code)
    assert kind.batch is not None
    form = await console.check_csrf()
    return settle_at(await _start(console, db, temporal, kind, form), f"{PREFIX}/batch/{kind.code}/new")


async def _start(console: Console, db: Any, temporal: Any, kind: Kind, form: dict[str, Any]) -> Response:
    assert kind.batch is not None
    try:
        body = forms.parse(kind.batch.request, form)
        result = await campaign_service.start_batch(kind=kind, session=console.session, db=db, temporal=temporal,
                                                    settings=console.settings, principal=console.principal,
                                                    body=body)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED,
                          form_problems(list(exc.errors()), forms.labels_of(kind.batch.request)))
        return await _page(console, kind, form=form, error=err, status=err.status)
    except DomainError as err:
        return await _page(console, kind, form=form, error=err, status=err.status)
    # the mines chosen stay chosen: the form can be sent again for those refused, once put right
    return await _page(console, kind, form=form, result=result)
