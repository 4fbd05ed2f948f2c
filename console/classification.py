"""The console's 四个一批 pages: the runs over the caller's counties and a form to start one; a run's page with each
mine's class, the criteria that put it there (cited by the document's title), the flags and the facts still
missing; and the one action that starts, for the mines a run decided into a category, their 关闭取缔 or 矿山整治
cases — all through api/services/classification.py, as the API's routes."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import DatabaseDep, TemporalDep
from api.kinds import KINDS
from api.services import classification as service
from api.services import registry as registry_service
from domain.classification import CATEGORY_NAMES, PROCEDURE_FOR, Category
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.campaign import BatchResult
from models.classification import ClassificationRunCreate, ClassificationRunPublic, StartFromRun

from . import forms
from .action_forms import FormView, model_form
from .history import settle_at
from .registry import context
from .web import PREFIX, Console, ConsoleDep, ConsoleRoute, form_problems, redirect, render

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _official(console: Console) -> None:
    if console.role is Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "四个一批分类仅供机关工作人员查阅")


async def _runs_page(console: Console, *, form: dict[str, Any] | None = None, error: DomainError | None = None,
                     status: int = 200) -> HTMLResponse:
    _official(console)
    session, principal = console.session, console.principal
    county = console.request.query_params.get("county") or None
    counties = await registry_service.counties(session=session, within=None if console.role is Role.ADMIN
                                               else principal.user.division_code)
    runs = await service.runs(session=session, principal=principal,
                              division_code=county if county in {c.code for c in counties} else None)
    fv = None
    if console.role in service.RUNNERS:
        fv = await model_form(console, ClassificationRunCreate, code="classify", title="运行四个一批分类",
                              target="classifications", form=form, error=error, submit="运行分类")
    names = await registry_service.display_names(session=session, usernames=[r.created_by for r in runs])
    return render(console.request, "registry/classifications.html", context(
        console, "classifications", runs=runs, fv=fv, counties=counties, county=county or "", user_names=names,
        divisions=await registry_service.division_names(session=session),
    ), status=status, console=console)


@router.get("/classifications", response_class=HTMLResponse)
async def runs(console: ConsoleDep) -> Response:
    return await _runs_page(console, form=None)


@router.post("/classifications", response_class=HTMLResponse)
async def start_run(console: ConsoleDep, db: DatabaseDep) -> Response:
    form = await console.check_csrf()
    try:
        body = forms.parse(ClassificationRunCreate, form)
        run = await service.start_run(session=console.session, db=db, principal=console.principal,
                                      body=body,  # type: ignore[arg-type]
                                      idempotency_key=forms.text(form, "idempotency_key") or None)
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED,
                          form_problems(list(exc.errors()), forms.labels_of(ClassificationRunCreate)))
        return settle_at(await _runs_page(console, form=form, error=err, status=err.status),
                         f"{PREFIX}/classifications")
    except DomainError as err:
        return settle_at(await _runs_page(console, form={**form, "idempotency_key": ""}, error=err,
                                          status=err.status), f"{PREFIX}/classifications")
    return redirect(f"{PREFIX}/classifications/{run.run_id}")


async def _start_forms(console: Console, run: ClassificationRunPublic, *, failed: str | None = None,
                       form: dict[str, Any] | None = None, error: DomainError | None = None) -> list[FormView]:
    """One form per category the run decided some mine into and a case can be started for."""
    if console.role not in service.STARTERS:
        return []
    out = []
    for category, procedure in PROCEDURE_FOR.items():
        if not run.counts.get(category.value):
            continue
        kind = KINDS[procedure]
        needs_plan = kind.batch is not None and "plan_ref" in kind.batch.request.model_fields
        skip = ("category",) if needs_plan else ("category", "plan_ref")
        mine = failed == category.value
        fv = await model_form(console, StartFromRun, code=f"start-{category.value}",
                              title=f"{CATEGORY_NAMES[category]}：启动{kind.name}",
                              target=f"classifications/{run.run_id}/cases?category={category.value}",
                              form=form if mine else None, error=error if mine else None, skip=skip,
                              submit=f"对 {run.counts[category.value]} 座矿山启动{kind.name}")
        for w in fv.widgets:
            w.required = w.required or w.name == "plan_ref"
        out.append(fv)
    return out


async def _run_page(console: Console, run_id: str, *, result: BatchResult | None = None,
                    failed: str | None = None, form: dict[str, Any] | None = None, error: DomainError | None = None,
                    status: int = 200) -> HTMLResponse:
    _official(console)
    session, principal = console.session, console.principal
    raw = console.request.query_params.get("category") or ""
    category = Category(raw) if raw in {c.value for c in Category} and result is None and failed is None else None
    run = await service.run(session=session, principal=principal, run_id=run_id[:32])
    shown = [m for m in run.mines if category is None or m.category is category]
    names = await registry_service.display_names(session=session, usernames=[run.created_by])
    mine_names = {m.mine_id: m.mine_name for m in run.mines}
    start_forms = await _start_forms(console, run, failed=failed, form=form, error=error)
    # a refusal of a form this page does not offer (sent anyway) is shown at the top
    shown_codes = {fv.code for fv in start_forms}
    page_error = error if error is not None and f"start-{failed}" not in shown_codes else None
    return render(console.request, "registry/run.html", context(
        console, "classifications", run=run, mines=shown, category=category.value if category else "",
        start_forms=start_forms, result=result, page_error=page_error,
        mine_names=mine_names, user_names=names, divisions=await registry_service.division_names(session=session),
    ), status=status, console=console)


@router.get("/classifications/{run_id}", response_class=HTMLResponse)
async def run_page(run_id: str, console: ConsoleDep) -> Response:
    return await _run_page(console, run_id)


@router.post("/classifications/{run_id}/cases", response_class=HTMLResponse)
async def start_cases(run_id: str, console: ConsoleDep, db: DatabaseDep, temporal: TemporalDep) -> Response:
    form = await console.check_csrf()
    page = await _start_cases(console, db, temporal, run_id, form)
    return settle_at(page, f"{PREFIX}/classifications/{run_id[:32]}")


async def _start_cases(console: Console, db: Any, temporal: Any, run_id: str, form: dict[str, Any]) -> Response:
    raw = console.request.query_params.get("category") or ""
    try:
        body = StartFromRun.model_validate({**forms.data_of(forms.widgets(StartFromRun, skip=("category",)), form),
                                            "category": raw})
        result = await service.start_cases(session=console.session, db=db, temporal=temporal,
                                           settings=console.settings, principal=console.principal,
                                           run_id=run_id[:32], body=body)
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED,
                          form_problems(list(exc.errors()), forms.labels_of(StartFromRun)))
        return await _run_page(console, run_id, failed=raw, form=form, error=err, status=err.status)
    except DomainError as err:
        return await _run_page(console, run_id, failed=raw, form=form, error=err, status=err.status)
    return await _run_page(console, run_id, result=result)
