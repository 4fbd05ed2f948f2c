"""Where a generated form's choices come from: a field marked `x-picker` names a person, party, enterprise, mine,
right or item, and its options are found here for the person filling the form and the case in front of them;
`x-widget: materials` lists the material kinds its `x-rows` names. Look-ups go through the service layer.

Path parameters of an action's route (`{party}`, `{item_no}`, `{stage}`) are fields of its form too: their options
are the tasks the caller may move, the items their department closes, the closure step now due.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from api.services import campaign as campaign_service
from api.services import registry, rights
from domain.calendar import local_date
from domain.citations import cite
from domain.divisions import covers
from domain.reopening import MATERIAL_NAMES, required_materials
from domain.rights import TRANSFER_MATERIAL_NAMES, TRANSFER_MATERIALS_CLAUSE, RightStatus, required_transfer_materials
from domain.roles import DEPARTMENT_KIND_NAMES, ROLE_NAMES, Role
from models.db import utcnow

from .forms import Option, Widget
from .web import Console


@dataclass
class Ask:
    """A form being drawn: who fills it, about which case (None when starting one), with what they sent."""

    console: Console
    case: Any | None
    action: str | None
    form: dict[str, Any]
    widget: Widget | None = None

    @property
    def me(self) -> Any:
        return self.console.principal.user


Source = Callable[[Ask], Awaitable[list[Option]]]
PICKERS: dict[str, Source] = {}
MATERIAL_ROWS: dict[str, Source] = {}


def picker(name: str, table: dict[str, Source] = PICKERS) -> Callable[[Source], Source]:
    def add(fn: Source) -> Source:
        table[name] = fn
        return fn
    return add


def _user(u: Any) -> Option:
    # beside the name, what the person is (a login name is no one's name)
    return Option(u.username, u.display_name, ROLE_NAMES.get(u.role, ""))


# ---- people -------------------------------------------------------------------------------------------------

@picker("expert")
async def _experts(ask: Ask) -> list[Option]:
    assert ask.case is not None
    found = await registry.available_experts(session=ask.console.session, division_code=ask.case.division_code)
    return [_user(u) for u in found]


def _movable(ask: Ask, task: str = "sign_off") -> list[Any]:
    """Pending countersign tasks the caller may move: any department's for county NR, their own for an officer."""
    me = ask.me
    pending = [p for p in ask.case.pending if p.task == task] if ask.case is not None else []
    if task == "sign_off":
        pending = [p for p in pending if p.department_id is not None or ask.action == "remove_party"]
    if me.role is Role.DEPARTMENT_OFFICER:
        pending = [p for p in pending if p.department_id == me.department_id
                   and (p.assignee in (None, me.username) if task == "sign_off" else p.assignee == me.username)]
    return pending


@picker("colleague")
async def _colleagues(ask: Ask) -> list[Option]:
    departments = {p.department_id for p in _movable(ask) if p.department_id is not None}
    found = await registry.users(session=ask.console.session, roles=[Role.DEPARTMENT_OFFICER],
                                 department_ids=departments)
    return [_user(u) for u in found if u.username != ask.me.username]


@picker("official")
async def _officials(ask: Ask) -> list[Option]:
    copied = {c.username for c in ask.case.copies} if ask.case is not None else set()
    found = await registry.users(session=ask.console.session, roles=[
        Role.SUPERVISOR, Role.CITY_NR, Role.COUNTY_NR, Role.COMMITTEE_SECRETARY])
    division = ask.case.division_code if ask.case is not None else ""
    return [_user(u) for u in found if u.username not in copied and u.username != ask.me.username
            and u.division_code and (covers(u.division_code, division) or covers(division, u.division_code))]


# ---- countersign parties ---------------------------------------------------------------------------------------

@picker("party")
async def _party_of_route(ask: Ask) -> list[Option]:
    task = "draft_opinion" if ask.action == "draft" else "sign_off"
    movable = _movable(ask, task)
    names = await registry.display_names(session=ask.console.session,
                                         usernames=[p.assignee for p in movable if p.assignee])
    return [Option(p.party, p.name, f"现由 {names.get(p.assignee, p.assignee)} 承办" if p.assignee else "")
            for p in movable]


@picker("pending_party")
async def _pending(ask: Ask) -> list[Option]:
    return [Option(p.party, f"{p.name}（{p.task_name}）") for p in (ask.case.pending if ask.case else [])
            if p.task != "draft_opinion"]


@picker("addable_party")
async def _addable(ask: Ask) -> list[Option]:
    case, session = ask.case, ask.console.session
    assert case is not None
    rounds = getattr(case, "rounds", [])
    in_round = {p.party for p in (rounds[-1].parties if rounds else []) if p.removed_at is None}
    departments = await registry.departments_of(session=session, division_code=case.division_code)
    options = [Option(kind.value, dept.name, DEPARTMENT_KIND_NAMES[kind]) for kind, dept in departments.items()
               if kind.value not in in_round and kind.value not in ("township", "natural_resources")]
    experts = await registry.available_experts(session=session, division_code=case.division_code)
    return options + [Option(f"expert:{u.username}", f"专家 {u.display_name}", u.username) for u in experts
                      if f"expert:{u.username}" not in in_round]


# ---- enterprises, mines, rights, divisions, campaigns --------------------------------------------------------------

@picker("enterprise")
async def _enterprises(ask: Ask) -> list[Option]:
    return [Option(str(e.id), e.name, e.credit_code) for e in await registry.enterprises(session=ask.console.session)]


@picker("other_enterprise")
async def _other_enterprises(ask: Ask) -> list[Option]:
    return [o for o in await _enterprises(ask) if o.value != str(ask.me.enterprise_id)]


@picker("my_mine")
async def _my_mines(ask: Ask) -> list[Option]:
    now = local_date(utcnow())
    found = await registry.mines_of(session=ask.console.session, enterprise_id=ask.me.enterprise_id)
    return [Option(str(m.id), m.name, f"许可证至 {m.licence_valid_to}{'，已过期' if m.licence_valid_to < now else ''}")
            for m in found]


@picker("jurisdiction_mine")
async def _jurisdiction_mines(ask: Ask) -> list[Option]:
    counties = await registry.counties(session=ask.console.session, within=ask.me.division_code)
    names = {c.code: c.name for c in counties}
    found = await registry.mines_in(session=ask.console.session, division_codes=list(names))
    return [Option(str(m.id), m.name, names.get(m.division_code, "")) for m in found]


@picker("my_right")
async def _my_rights(ask: Ask) -> list[Option]:
    found, _ = await rights.list_rights(ask.console.session, ask.console.principal, division_code=None,
                                        status=RightStatus.VALID, holder_enterprise_id=None, page=1, page_size=100)
    return [Option(str(r.id), f"{r.mine_name}（{r.licence_no}）", f"有效期至 {r.valid_to}") for r in found]


@picker("county")
async def _counties(ask: Ask) -> list[Option]:
    found = await registry.counties(session=ask.console.session, within=ask.me.division_code)
    return [Option(c.code, c.name) for c in found]  # the name alone: a code is no one's name for a county


@picker("campaign")
async def _campaigns(ask: Ask) -> list[Option]:
    found = await campaign_service.list_campaigns(session=ask.console.session, principal=ask.console.principal)
    return [Option(c.campaign_id, c.title, c.campaign_id) for c in found]


# ---- a rectification's items, a closure's step ------------------------------------------------------------------

def _item(i: Any) -> Option:
    return Option(str(i.no), f"第{i.no}项 {i.description}", i.department_name)


@picker("item")
async def _items(ask: Ask) -> list[Option]:
    return [_item(i) for i in getattr(ask.case, "items", [])]


@picker("item_no")
async def _my_open_items(ask: Ask) -> list[Option]:
    return [_item(i) for i in getattr(ask.case, "items", []) if i.status == "open"
            and (ask.me.role is not Role.DEPARTMENT_OFFICER or i.department_id == ask.me.department_id)]


@picker("closed_item")
async def _closed_items(ask: Ask) -> list[Option]:
    return [_item(i) for i in getattr(ask.case, "items", []) if i.status == "closed"]


@picker("lapsed_restoration_item")
async def _lapsed(ask: Ask) -> list[Option]:
    return [_item(i) for i in getattr(ask.case, "items", [])
            if i.link == "restoration" and i.status == "open" and i.escalated_at and i.third_party is None]


@picker("stage")
async def _current_step(ask: Ask) -> list[Option]:
    case = ask.case
    return [Option(str(s.stage), s.name, s.department_name) for s in getattr(case, "steps", [])
            if case is not None and str(s.stage) == str(case.stage)]


# ---- materials ---------------------------------------------------------------------------------------------------

@picker("case_material")
async def _case_materials(ask: Ask) -> list[Option]:
    """The material kinds of the field's enum, those the case requires (its view's `required_material_kinds`) and
    not yet submitted marked: the default to tick."""
    assert ask.widget is not None
    submitted = {str(m.kind) for m in getattr(ask.case, "materials", [])}
    required = ask.case.required_material_kinds() if ask.case is not None else None
    return [Option(o.value, o.label, "" if o.value in submitted else
                   "未提交" if required is None or o.value in required else "非必需") for o in ask.widget.options]


@picker("mine_required", MATERIAL_ROWS)
async def _mine_required(ask: Ask) -> list[Option]:
    mines = await registry.mines_of(session=ask.console.session, enterprise_id=ask.me.enterprise_id)
    chosen = str(ask.form.get("mine_id") or "")
    today = local_date(utcnow())
    mine = next((m for m in mines if str(m.id) == chosen), None) or next(
        (m for m in mines if m.licence_valid_to >= today), mines[0] if mines else None)
    if mine is None:
        return []
    ask.form.setdefault("mine_id", str(mine.id))
    return [Option(r.kind.value, r.name, cite(r.clause)) for r in required_materials(mine.method)]


@picker("case_required", MATERIAL_ROWS)
async def _case_required(ask: Ask) -> list[Option]:
    return [Option(r.kind.value, r.name, cite(r.clause)) for r in required_materials(ask.case.method)]


@picker("case_missing", MATERIAL_ROWS)
async def _case_missing(ask: Ask) -> list[Option]:
    names = {k.value: n for table in (MATERIAL_NAMES, TRANSFER_MATERIAL_NAMES) for k, n in table.items()}
    return [Option(str(k), names.get(str(k), str(k))) for k in getattr(ask.case, "missing", [])]


@picker("transfer_required", MATERIAL_ROWS)
async def _transfer_required(ask: Ask) -> list[Option]:
    return [Option(k.value, TRANSFER_MATERIAL_NAMES[k], cite(TRANSFER_MATERIALS_CLAUSE))
            for k in required_transfer_materials(state_owned=True)]


def today() -> date:
    return local_date(utcnow())

