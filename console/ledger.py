"""The console's 双挂钩一达标 capacity ledger: each city's balance (closed, restored, the 150% ceiling, used, what
is left), its entries with who recorded them, the what-if check, and one form per kind of entry the API takes
(`LedgerEntryCreate`: closed, restored, granted; corrections by the city's bureau) — through
api/services/ledger.py, so the console refuses what the API refuses, in the same words."""

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import DatabaseDep
from api.services import ledger as ledger_service
from api.services import registry as registry_service
from domain.citations import cite
from domain.errors import DomainError, ErrorCode
from domain.ledger import CLAUSE, ENTRY_KIND_NAMES, PURPOSE_NAMES, EntryKind, LedgerBalance
from domain.roles import Role
from models.ledger import CapacityCheck, LedgerEntryCreate

from . import forms
from .action_forms import FormView, model_form
from .forms import Option
from .history import settle_at
from .pickers import Ask, picker
from .registry import context
from .web import PREFIX, Console, ConsoleDep, ConsoleRoute, form_problems, redirect, render

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

# Each kind's form: the fields it takes (the others are skipped), and those it needs although the model has them
# optional (the model's own check says so too, after the fact).
ENTRY_FORMS: dict[EntryKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    EntryKind.CLOSED: (("reference", "mine_id", "amount_wt", "case_id", "note"), ("mine_id",)),
    EntryKind.RESTORED: (("reference", "mine_id", "case_id", "note"), ("mine_id",)),
    EntryKind.GRANTED: (("reference", "city_code", "amount_wt", "purpose", "mine_id", "case_id", "note"),
                        ("city_code", "amount_wt", "purpose")),
    EntryKind.CORRECTION: (("reference", "corrects_entry_id", "amount_wt", "note"),
                           ("corrects_entry_id", "amount_wt", "note")),
}
ENTRY_HELP = {
    EntryKind.CLOSED: "关闭取缔、引导退出的矿山退出的产能（默认取矿山核定规模）",
    EntryKind.RESTORED: "退出矿山生态修复通过验收（计其关闭的产能）",
    EntryKind.GRANTED: "新设或改扩建占用的产能（先核对双挂钩一达标，不平衡时不予登记）",
    EntryKind.CORRECTION: "台账只增不改：更正一条记录，登记带符号的调整量和理由（市自然资源局）",
}


@picker("ledger_city")
async def _cities(ask: Ask) -> list[Option]:
    found = await ledger_service.cities(session=ask.console.session, principal=ask.console.principal)
    return [Option(c.code, c.name) for c in found]  # the name alone: a code is no one's name for a county


@picker("ledger_entry")
async def _entries(ask: Ask) -> list[Option]:
    options = []
    for city in await ledger_service.cities(session=ask.console.session, principal=ask.console.principal):
        view = await ledger_service.view(session=ask.console.session, principal=ask.console.principal, code=city.code)
        options += [Option(str(e.id), f"第 {e.id} 条 {e.kind_name} {e.amount_wt:g} 万吨/年", e.reference)
                    for e in view.entries]
    return options


def _skipped(kind: EntryKind) -> tuple[str, ...]:
    taken = ENTRY_FORMS[kind][0]
    return tuple(name for name in LedgerEntryCreate.model_fields if name not in taken)


async def _entry_form(console: Console, kind: EntryKind, city: str, form: dict[str, Any] | None = None,
                      error: DomainError | None = None) -> FormView:
    values = dict(form or {"reference": f"console-{kind.value}-{uuid.uuid4().hex[:12]}", "city_code": city})
    fv = await model_form(console, LedgerEntryCreate, code=f"ledger-{kind.value}", title=ENTRY_KIND_NAMES[kind],
                          target=f"ledger/entries/{kind.value}?city={city}", form=values, error=error,
                          skip=_skipped(kind), submit=f"登记{ENTRY_KIND_NAMES[kind]}")
    for w in fv.widgets:
        # a choice keeps its blank option (never a mine picked for the official): `_needed` asks for it instead
        w.required = w.required or (w.name in ENTRY_FORMS[kind][1] and w.kind != "select")
    return fv


def _needed(kind: EntryKind, data: dict[str, Any]) -> None:
    """What this kind of entry needs, asked for by the field's name (the model's own check names its code)."""
    labels = forms.labels_of(LedgerEntryCreate)
    missing = [labels[name] for name in ENTRY_FORMS[kind][1] if data.get(name) in (None, "")]
    if missing:
        raise DomainError(ErrorCode.VALIDATION_FAILED, f"请填写{'、'.join(missing)}",
                          {"fields": [n for n in ENTRY_FORMS[kind][1] if data.get(n) in (None, "")]})


def _may_write(console: Console, kind: EntryKind) -> bool:
    allowed = ledger_service.CORRECTORS if kind is EntryKind.CORRECTION else ledger_service.WRITERS
    return console.role in allowed


async def _ledger_page(console: Console, city: str | None, *, failed: EntryKind | None = None,
                       form: dict[str, Any] | None = None, error: DomainError | None = None,
                       check: LedgerBalance | None = None, check_form: dict[str, Any] | None = None,
                       check_error: DomainError | None = None, status: int = 200) -> HTMLResponse:
    if console.role is Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "产能台账仅供机关工作人员查阅")
    session, principal = console.session, console.principal
    cities = await ledger_service.cities(session=session, principal=principal)
    if not cities:
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION, "您的辖区没有可查阅的产能台账")
    chosen = city if city in {c.code for c in cities} else (
        next((c.code for c in cities if principal.user.division_code and
              principal.user.division_code.startswith(c.code[:4])), cities[0].code))
    view = await ledger_service.view(session=session, principal=principal, code=chosen)
    balances = [(c, (await ledger_service.view(session=session, principal=principal, code=c.code)).balance)
                for c in cities] if len(cities) > 1 else [(cities[0], view.balance)]
    entry_forms = [await _entry_form(console, kind, chosen, form if kind is failed else None,
                                     error if kind is failed else None)
                   for kind in ENTRY_FORMS if _may_write(console, kind)]
    check_fv = await model_form(console, CapacityCheck, code="ledger-check", title="新增产能预审",
                                target=f"ledger/check?city={chosen}", form=check_form or {"city_code": chosen},
                                error=check_error, submit="预审（不占用产能）")
    mines = {m.id: m.name for m in await registry_service.mines_in_scope(session=session, principal=principal,
                                                                        page_size=500)}
    names = await registry_service.display_names(session=session, usernames=[e.actor for e in view.entries])
    return render(console.request, "registry/ledger.html", context(
        console, "ledger", cities=cities, city=chosen, view=view, balances=balances, entry_forms=entry_forms,
        entry_help={f"ledger-{k.value}": text for k, text in ENTRY_HELP.items()}, check_fv=check_fv, check=check,
        mines=mines, user_names=names, purpose_names=PURPOSE_NAMES, clause=cite(CLAUSE),
        # a refusal of a form this caller is not offered (sent anyway) is shown at the top
        page_error=error if failed is not None and not _may_write(console, failed) else None,
        divisions=await registry_service.division_names(session=session),
        done=ENTRY_KIND_NAMES.get(EntryKind(d)) if (d := console.request.query_params.get("done")) in
        {k.value for k in EntryKind} else None,
    ), status=status, console=console)


@router.get("/ledger", response_class=HTMLResponse)
async def ledger(console: ConsoleDep) -> Response:
    return await _ledger_page(console, console.request.query_params.get("city"))


@router.post("/ledger/entries/{kind}", response_class=HTMLResponse)
async def record_entry(kind: EntryKind, console: ConsoleDep, db: DatabaseDep) -> Response:
    form = await console.check_csrf()
    city = console.request.query_params.get("city")
    return settle_at(await _record_entry(console, db, kind, form, city), f"{PREFIX}/ledger?city={city or ''}")


async def _record_entry(console: Console, db: Any, kind: EntryKind, form: dict[str, Any],
                        city: str | None) -> Response:
    try:
        data = forms.data_of(forms.widgets(LedgerEntryCreate, skip=_skipped(kind)), form)
        _needed(kind, data)
        body = LedgerEntryCreate.model_validate({**data, "kind": kind})
        entry = await ledger_service.record(session=console.session, db=db, principal=console.principal, body=body)
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED,
                          form_problems(list(exc.errors()), forms.labels_of(LedgerEntryCreate)))
        return await _ledger_page(console, city, failed=kind, form=form, error=err, status=err.status)
    except DomainError as err:
        return await _ledger_page(console, city, failed=kind, form=form, error=err, status=err.status)
    return redirect(f"{PREFIX}/ledger?city={entry.city_code}&done={kind.value}#entries")


@router.post("/ledger/check", response_class=HTMLResponse)
async def check_capacity(console: ConsoleDep) -> Response:
    form = await console.check_csrf()
    city = console.request.query_params.get("city")
    return settle_at(await _check(console, form, city), f"{PREFIX}/ledger?city={city or ''}")


async def _check(console: Console, form: dict[str, Any], city: str | None) -> Response:
    try:
        body = forms.parse(CapacityCheck, form)
        result = await ledger_service.check(session=console.session, principal=console.principal,
                                            body=body)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED,
                          form_problems(list(exc.errors()), forms.labels_of(CapacityCheck)))
        return await _ledger_page(console, city, check_error=err, check_form=form, status=err.status)
    except DomainError as err:
        return await _ledger_page(console, city, check_error=err, check_form=form, status=err.status)
    return await _ledger_page(console, result.city_code, check=result, check_form=form)
