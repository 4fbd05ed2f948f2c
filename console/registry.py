"""The console's registry pages: mines, enterprises and mining rights — each a list scoped as the API's (an
enterprise sees its own, officials their jurisdiction) and a page of its own — with a right's 拐点坐标 drawn as an
outline and its change history, and the forms that register a right and correct it (generated from
`MiningRightCreate` / `MiningRightUpdate`). A mine's page shows its 四个一批 facts, where the classifier puts it
today and why, and — for whoever may record them — the form for its facts.

Every look-up and write goes through api/services/ (registry, rights, classification, cases), as the API's do."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import DatabaseDep
from api.kinds import KINDS
from api.schemas import CaseSummary
from api.services import cases as case_service
from api.services import classification as classification_service
from api.services import registry as registry_service
from api.services import rights as rights_service
from domain.calendar import local_date
from domain.citations import cite
from domain.classification import CATEGORY_NAMES, CRITERIA, FACT_NAMES, NEW_CONDITIONS, ScaleClass
from domain.divisions import covers
from domain.errors import DomainError, ErrorCode
from domain.mines import METHOD_NAMES
from domain.rights import AUTHORITY_NAMES, RIGHT_KIND_NAMES, RIGHT_STATUS_NAMES, SCALE_NAMES, RightStatus
from domain.roles import Role
from models.classification import AssessmentFacts, AssessmentUpdate
from models.db import utcnow
from models.registry import MINE_STATUS_NAMES
from models.rights import MiningRightCreate, MiningRightPublic, MiningRightUpdate

from . import forms
from .action_forms import model_form
from .case_filters import counties as counties_of
from .history import settle_at
from .outline import outline
from .web import PREFIX, Console, ConsoleDep, ConsoleRoute, form_problems, redirect, render

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)
PAGE_SIZE = 50
SCALE_CLASS_NAMES = {ScaleClass.LARGE: "大型", ScaleClass.MEDIUM: "中型", ScaleClass.SMALL: "小型"}
# the labels of a right's fields in its change history
RIGHT_FIELD_NAMES = {**forms.labels_of(MiningRightCreate), **forms.labels_of(MiningRightUpdate),
                     "holder_enterprise_id": "矿业权人", "status": "状态"}


def _official(console: Console, what: str) -> None:
    if console.role is Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, f"{what}仅供机关工作人员查阅")


def _page(console: Console) -> int:
    try:
        return max(1, min(int(console.request.query_params.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _county_param(console: Console, counties: list[Any]) -> str | None:
    chosen = console.request.query_params.get("county") or ""
    return chosen if chosen in {c.code for c in counties} else None


def _tabs(console: Console) -> list[tuple[str, str, str]]:
    """(key, label, path) of the registry's tabs for this caller."""
    tabs = [("mines", "矿山", f"{PREFIX}/registry/mines"), ("enterprises", "企业", f"{PREFIX}/registry/enterprises"),
            ("rights", "矿业权", f"{PREFIX}/registry/rights")]
    if console.role is not Role.ENTERPRISE:
        tabs += [("ledger", "产能台账", f"{PREFIX}/ledger"),
                 ("classifications", "四个一批", f"{PREFIX}/classifications")]
    return tabs


def context(console: Console, tab: str, **extra: Any) -> dict[str, Any]:
    """What every registry page's template gets: the menu entry, the tabs, and the code → name tables."""
    return {"active": "registry", "tab": tab, "tabs": _tabs(console), "method_names": METHOD_NAMES,
            "mine_status_names": MINE_STATUS_NAMES, "right_status_names": RIGHT_STATUS_NAMES,
            "scale_names": SCALE_NAMES, "authority_names": AUTHORITY_NAMES, "right_kind_names": RIGHT_KIND_NAMES,
            "category_names": CATEGORY_NAMES, "cite": cite, "today": local_date(utcnow()),
            "kind_names": {k.code: k.name for k in KINDS.values()},
            "criteria": {c.code: c.text for c in (*CRITERIA, *NEW_CONDITIONS)}, **extra}


def is_registrar(console: Console, division_code: str | None = None) -> bool:
    """May register or correct rights (of `division_code`, when named): county/city NR of it, or an admin."""
    if console.role not in rights_service.REGISTRARS:
        return False
    if console.role is Role.ADMIN or division_code is None:
        return True
    mine = console.principal.user.division_code
    return bool(mine and covers(mine, division_code))


# ---- mines -------------------------------------------------------------------------------------------------------

@router.get("/registry/mines", response_class=HTMLResponse)
async def mines(console: ConsoleDep) -> Response:
    counties = await counties_of(console)
    county, page = _county_param(console, counties), _page(console)
    found = await registry_service.mines_in_scope(session=console.session, principal=console.principal, page=page,
                                                  page_size=PAGE_SIZE, division_code=county)
    return render(console.request, "registry/mines.html", context(
        console, "mines", mines=found, counties=counties, county=county or "", page=page,
        more=len(found) == PAGE_SIZE, divisions=await registry_service.division_names(session=console.session),
        enterprises={e.id: e.name for e in await registry_service.enterprises_in_scope(
            session=console.session, principal=console.principal, page_size=500)},
    ), console=console)


def _facts_form(assessment: Any, form: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The 四个一批 facts as inputs: yes / no / unknown for each yes-or-no fact (unknown is never assumed), a
    number, a scale class — with what was recorded (or what was just sent) chosen."""
    recorded = assessment.model_dump() if assessment is not None else {}
    rows = []
    for name, info in AssessmentFacts.model_fields.items():
        sent = form.get(name) if form is not None else None
        value = sent if form is not None else recorded.get(name)
        annotation = str(info.annotation)
        kind = "tri" if "bool" in annotation else "scale" if "ScaleClass" in annotation else "number"
        rows.append({"name": name, "label": FACT_NAMES.get(name, info.description or name), "kind": kind,
                     "value": "" if value is None else str(value).lower() if kind == "tri" else str(value)})
    return rows


def _read_facts(form: dict[str, Any]) -> AssessmentUpdate:
    data: dict[str, Any] = {}
    for name in AssessmentFacts.model_fields:
        raw = forms.text(form, name)
        if raw in ("true", "false"):
            data[name] = raw == "true"
        elif raw:
            data[name] = raw
    if note := forms.text(form, "note"):
        data["note"] = note
    return AssessmentUpdate.model_validate(data)


async def _mine_page(console: Console, mine_id: int, *, form: dict[str, Any] | None = None,
                     error: DomainError | None = None, status: int = 200) -> HTMLResponse:
    session, principal = console.session, console.principal
    mine = await registry_service.mine_in_scope(session=session, principal=principal, mine_id=mine_id)
    enterprise = await registry_service.enterprise(session=session, enterprise_id=mine.enterprise_id)
    rights, _ = await rights_service.list_rights(session, principal, division_code=None, status=None,
                                                 holder_enterprise_id=mine.enterprise_id, page=1, page_size=100)
    assessment = history = None
    may_record = False
    if console.role is not Role.ENTERPRISE:
        assessment = await classification_service.assessment(session=session, principal=principal, mine_id=mine_id)
        history = await classification_service.assessment_versions(session=session, principal=principal,
                                                                   mine_id=mine_id)
        may_record = console.role in classification_service.ASSESSORS and (
            console.role is Role.ADMIN or principal.user.division_code == mine.division_code)
    starts = [(k.start.label, f"{PREFIX}{k.start.path}/new?mine_id={mine.id}") for k in KINDS.values()
              if k.start is not None and console.role in k.start.roles and "mine_id" in k.start.request.model_fields]
    divisions = await registry_service.division_names(session=session)
    names = await registry_service.display_names(session=session, usernames=[v.recorded_by for v in history or []])
    return render(console.request, "registry/mine.html", context(
        console, "mines", mine=mine, enterprise=enterprise, divisions=divisions,
        township=await registry_service.department_name(session=session, department_id=mine.township_id),
        rights=[r for r in rights if r.mine_id == mine.id or r.licence_no == mine.licence_no],
        cases=[CaseSummary.of(c) for c in await case_service.cases_of_mine(session=session, principal=principal,
                                                                          mine_id=mine_id)],
        assessment=assessment, history=history, user_names=names, may_record=may_record,
        facts=_facts_form(assessment, form) if may_record else [], note=(form or {}).get("note") or (
            assessment.note if assessment else ""),
        scale_class_names=SCALE_CLASS_NAMES, fact_names=FACT_NAMES, error=error, starts=starts,
        done=console.request.query_params.get("done"),
    ), status=status, console=console)


@router.get("/registry/mines/{mine_id}", response_class=HTMLResponse)
async def mine_page(mine_id: int, console: ConsoleDep) -> Response:
    return await _mine_page(console, mine_id)


@router.post("/registry/mines/{mine_id}/assessment", response_class=HTMLResponse)
async def record_facts(mine_id: int, console: ConsoleDep, db: DatabaseDep) -> Response:
    form = await console.check_csrf()
    try:
        body = _read_facts(form)
        await classification_service.record(session=console.session, db=db, principal=console.principal,
                                            mine_id=mine_id, body=body)
    except ValidationError as exc:
        labels = {name: FACT_NAMES.get(name, name) for name in AssessmentFacts.model_fields} | {"note": "依据"}
        err = DomainError(ErrorCode.VALIDATION_FAILED, form_problems(list(exc.errors()), labels))
        return settle_at(await _mine_page(console, mine_id, form=form, error=err, status=err.status),
                         f"{PREFIX}/registry/mines/{mine_id}")
    except DomainError as err:
        return settle_at(await _mine_page(console, mine_id, form=form, error=err, status=err.status),
                         f"{PREFIX}/registry/mines/{mine_id}")
    return redirect(f"{PREFIX}/registry/mines/{mine_id}?done=assessment#assessment")


# ---- enterprises ---------------------------------------------------------------------------------------------------

@router.get("/registry/enterprises", response_class=HTMLResponse)
async def enterprises(console: ConsoleDep) -> Response:
    page = _page(console)
    found = await registry_service.enterprises_in_scope(session=console.session, principal=console.principal,
                                                        page=page, page_size=PAGE_SIZE)
    return render(console.request, "registry/enterprises.html", context(
        console, "enterprises", enterprises=found, page=page, more=len(found) == PAGE_SIZE,
        divisions=await registry_service.division_names(session=console.session),
    ), console=console)


@router.get("/registry/enterprises/{enterprise_id}", response_class=HTMLResponse)
async def enterprise_page(enterprise_id: int, console: ConsoleDep) -> Response:
    session, principal = console.session, console.principal
    enterprise = await registry_service.enterprise_in_scope(session=session, principal=principal,
                                                            enterprise_id=enterprise_id)
    own_mines = await registry_service.mines_in_scope(session=session, principal=principal, page_size=500,
                                                      enterprise_id=enterprise_id)
    held, _ = await rights_service.list_rights(session, principal, division_code=None, status=None,
                                               holder_enterprise_id=enterprise_id, page=1, page_size=100)
    return render(console.request, "registry/enterprise.html", context(
        console, "enterprises", enterprise=enterprise, mines=own_mines, rights=held,
        divisions=await registry_service.division_names(session=session),
    ), console=console)


# ---- mining rights -------------------------------------------------------------------------------------------------

@router.get("/registry/rights", response_class=HTMLResponse)
async def rights(console: ConsoleDep) -> Response:
    counties = await counties_of(console)
    county, page = _county_param(console, counties), _page(console)
    status = console.request.query_params.get("status") or ""
    chosen = RightStatus(status) if status in {s.value for s in RightStatus} else None
    found, total = await rights_service.list_rights(console.session, console.principal, division_code=county,
                                                    status=chosen, holder_enterprise_id=None, page=page,
                                                    page_size=PAGE_SIZE)
    return render(console.request, "registry/rights.html", context(
        console, "rights", rights=found, total=total, counties=counties, county=county or "",
        status=chosen.value if chosen else "", page=page, more=page * PAGE_SIZE < total,
        may_register=is_registrar(console), divisions=await registry_service.division_names(session=console.session),
    ), console=console)


def _history_value(name: str, value: Any, holders: dict[int, str]) -> str:
    """A field's value in a history row, as a reader reads it."""
    if value is None:
        return "—"
    if name == "holder_enterprise_id":
        return holders.get(int(value), f"企业（编号 {value}）")
    if name == "scale":
        return SCALE_NAMES.get(value, str(value))
    if name == "area":
        corners = len(value) - 1 if len(value) > 1 and value[0] == value[-1] else len(value)
        return f"{corners} 个拐点"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    if name == "status":
        return RIGHT_STATUS_NAMES.get(value, str(value))
    return str(value)


async def _right_view(console: Console, right_id: int) -> tuple[MiningRightPublic, dict[str, Any]]:
    session, principal = console.session, console.principal
    right = await rights_service.public(session, await rights_service.read_right(session, principal, right_id))
    history = await rights_service.right_history(session, principal, right_id)
    holder_ids = {right.holder_enterprise_id} | {int(v) for h in history for side in (h.before, h.after)
                                                 for k, v in side.items() if k == "holder_enterprise_id" and v}
    holders = {i: (await registry_service.enterprise(session=session, enterprise_id=i)).name for i in holder_ids}
    names = await registry_service.display_names(session=session, usernames=[h.by_username for h in history])
    rows = [{"h": h, "by": names.get(h.by_username, h.by_username),
             "changes": [(RIGHT_FIELD_NAMES.get(k, k), _history_value(k, h.before.get(k), holders),
                          _history_value(k, v, holders)) for k, v in h.after.items()]} for h in history]
    return right, {"history": rows}


@router.get("/registry/rights/new", response_class=HTMLResponse)
async def new_right(console: ConsoleDep) -> Response:
    return await _right_form(console, form=dict(console.request.query_params))


async def _right_form(console: Console, *, form: dict[str, Any] | None = None, error: DomainError | None = None,
                      status: int = 200) -> HTMLResponse:
    if not is_registrar(console):
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "只有县、市自然资源局可以办理矿业权登记")
    fv = await model_form(console, MiningRightCreate, code="register-right", title="矿业权登记",
                          target="registry/rights", form=form, error=error, submit="登记")
    return render(console.request, "registry/right_form.html", context(console, "rights", fv=fv, right=None),
                  status=status, console=console)


@router.post("/registry/rights", response_class=HTMLResponse)
async def register_right(console: ConsoleDep, db: DatabaseDep) -> Response:
    form = await console.check_csrf()
    try:
        body = forms.parse(MiningRightCreate, form)
        right = await rights_service.register_right(db=db, principal=console.principal,
                                                    body=body, settings=console.settings)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED,
                          form_problems(list(exc.errors()), forms.labels_of(MiningRightCreate)))
        return settle_at(await _right_form(console, form=form, error=err, status=err.status),
                         f"{PREFIX}/registry/rights/new")
    except DomainError as err:
        return settle_at(await _right_form(console, form=form, error=err, status=err.status),
                         f"{PREFIX}/registry/rights/new")
    return redirect(f"{PREFIX}/registry/rights/{right.id}?done=registered")


@router.get("/registry/rights/{right_id}", response_class=HTMLResponse)
async def right_page(right_id: int, console: ConsoleDep) -> Response:
    right, extra = await _right_view(console, right_id)
    starts = [(k.start.label, f"{PREFIX}{k.start.path}/new?right_id={right.id}") for k in KINDS.values()
              if k.start is not None and console.role in k.start.roles and "right_id" in k.start.request.model_fields
              and console.principal.user.enterprise_id == right.holder_enterprise_id]
    return render(console.request, "registry/right.html", context(
        console, "rights", right=right, shape=outline(right.area), starts=starts,
        may_correct=is_registrar(console, right.division_code), done=console.request.query_params.get("done"),
        divisions=await registry_service.division_names(session=console.session), **extra,
    ), console=console)


def _current(right: MiningRightPublic) -> dict[str, Any]:
    """A correction form starts from the registry as it stands: only what the official changes is a change."""
    return {"scale": right.scale.value, "scale_wt": f"{right.scale_wt:g}", "area": right.area,
            "valid_from": right.valid_from, "valid_to": right.valid_to, "ownership_dispute": right.ownership_dispute}


async def _correction_form(console: Console, right_id: int, *, form: dict[str, Any] | None = None,
                           error: DomainError | None = None, status: int = 200) -> HTMLResponse:
    right, _ = await _right_view(console, right_id)
    if not is_registrar(console, right.division_code):
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "只有该矿业权所在地的县、市自然资源局可以更正登记事项")
    fv = await model_form(console, MiningRightUpdate, code="correct-right", title="更正登记事项",
                          target=f"registry/rights/{right_id}/corrections", form=form or _current(right), error=error,
                          submit="更正")
    return render(console.request, "registry/right_form.html", context(console, "rights", fv=fv, right=right),
                  status=status, console=console)


@router.get("/registry/rights/{right_id}/correct", response_class=HTMLResponse)
async def correct_right(right_id: int, console: ConsoleDep) -> Response:
    return await _correction_form(console, right_id)


@router.post("/registry/rights/{right_id}/corrections", response_class=HTMLResponse)
async def submit_correction(right_id: int, console: ConsoleDep, db: DatabaseDep) -> Response:
    form = await console.check_csrf()
    try:
        body = forms.parse(MiningRightUpdate, form)
        await rights_service.update_right(db=db, principal=console.principal, right_id=right_id,
                                          body=body)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED,
                          form_problems(list(exc.errors()), forms.labels_of(MiningRightUpdate)))
        return settle_at(await _correction_form(console, right_id, form=form, error=err, status=err.status),
                         f"{PREFIX}/registry/rights/{right_id}/correct")
    except DomainError as err:
        return settle_at(await _correction_form(console, right_id, form=form, error=err, status=err.status),
                         f"{PREFIX}/registry/rights/{right_id}/correct")
    return redirect(f"{PREFIX}/registry/rights/{right_id}?done=corrected#history")
