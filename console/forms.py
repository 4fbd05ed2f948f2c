"""The case page's action forms, one entry per action code of `api.actions.available_actions`.

Each entry names its form template, what the template needs (`context`), and how a submitted form becomes the
workflow update's input — the same request models (`models.cases.*Request`) and inputs the HTTP routes build, so
every rule and refusal stays the workflow's. A new action is one entry here plus one template in
`templates/actions/`; an action without an entry is listed on the page as not yet available in the console.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlmodel import col, select

from api import case_service
from api.schemas import CaseOut
from domain.calendar import local_date
from domain.divisions import covers
from domain.reopening import MATERIAL_NAMES, MaterialKind, missing_materials, required_materials
from domain.roles import Role
from models.cases import (
    AddPartyInput,
    AddPartyRequest,
    CommitteeDecisionInput,
    CommitteeDecisionRequest,
    CopyInput,
    CopyRequest,
    DelegateInput,
    DelegateRequest,
    DraftInput,
    DraftRequest,
    ReassignInput,
    ReassignRequest,
    RemovePartyInput,
    RemovePartyRequest,
    SignOffInput,
    SignOffRequest,
    UrgeInput,
    UrgeRequest,
)
from models.db import utcnow
from models.registry import User
from models.reopening import (
    ApprovalInput,
    ApprovalRequest,
    CityFilingInput,
    CityFilingRequest,
    CommitteeMaterialInput,
    CommitteeMaterialRequest,
    CorrectionInput,
    CorrectionRequest,
    IntakeRequest,
    MaterialRef,
    RectificationDoneInput,
    RectificationDoneRequest,
    ResumptionInput,
    ResumptionRequest,
    ReturnInput,
    ReturnRequest,
    WithdrawInput,
    WithdrawRequest,
)

from .web import Console

Form = dict[str, Any]

# Form field → label, for naming fields in validation messages.
LABELS = {
    "decision": "办理决定", "missing": "需补正材料", "experts": "专家组", "note": "说明", "materials": "材料",
    "ref": "材料编号", "verdict": "验收结论", "opinion": "验收意见", "findings": "问题清单",
    "meeting_no": "会议编号", "meeting_date": "会议日期", "attendees": "出席成员", "members_total": "应到会人数",
    "minutes_ref": "会议纪要文号", "recused": "回避成员", "resumed_on": "复工日期", "reason": "理由",
    "mine_id": "矿山",
}


def values(form: Form, name: str) -> list[str]:
    raw = form.get(name)
    items = raw if isinstance(raw, list) else [] if raw is None else [raw]
    return [str(v).strip() for v in items if str(v).strip()]


def text(form: Form, name: str) -> str:
    found = values(form, name)
    return found[0] if found else ""


def lines(form: Form, name: str) -> list[str]:
    """A textarea or field listing names or items: one per line, or separated by 、 ， , ；"""
    return [part.strip() for part in re.split(r"[\n\r,，、;；]+", text(form, name)) if part.strip()]


def materials(form: Form) -> list[MaterialRef]:
    """Material references from the `ref_<kind>` fields that were filled in."""
    return [MaterialRef(kind=kind, ref=ref) for kind in MaterialKind if (ref := text(form, f"ref_{kind.value}"))]


def material_rows(kinds: list[MaterialKind]) -> list[tuple[str, str]]:
    return [(k.value, MATERIAL_NAMES[k]) for k in kinds]


@dataclass
class Acting:
    console: Console
    case: CaseOut
    form: Form = field(default_factory=dict)


Builder = Callable[[Acting], Awaitable[BaseModel]]
Context = Callable[[Acting], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class ActionForm:
    action: str  # the code in `available_actions`
    update: str  # the workflow update it sends
    title: str
    template: str
    build: Builder
    context: Context | None = None
    danger: bool = False


def _simple(request_model: type[BaseModel], input_model: type[BaseModel],
            read: Callable[[Form], dict[str, Any]]) -> Builder:
    """Form → request body (validated as the API validates it) → workflow input with the caller as actor."""

    async def build(acting: Acting) -> BaseModel:
        body = request_model(**read(acting.form))
        return input_model(actor=acting.console.principal.actor(), **body.model_dump())

    return build


# ---- intake (受理 / 补正) -------------------------------------------------------------------------------------

async def _intake_context(acting: Acting) -> dict[str, Any]:
    case = acting.case
    experts = (await acting.console.session.exec(
        select(User).where(User.role == Role.EXPERT, col(User.is_active).is_(True)).order_by(col(User.username))
    )).all()
    submitted = {m.kind for m in case.materials}
    lacking = missing_materials(case.method, submitted)
    return {
        "experts": [u for u in experts if u.division_code and covers(u.division_code, case.division_code)],
        "required": material_rows([r.kind for r in required_materials(case.method)]),
        "lacking": [k.value for k in lacking],
    }


async def _intake_build(acting: Acting) -> BaseModel:
    body = IntakeRequest(decision=text(acting.form, "decision") or "accept",  # type: ignore[arg-type]
                         missing=values(acting.form, "missing"),  # type: ignore[arg-type]
                         experts=values(acting.form, "experts"), note=text(acting.form, "note"))
    return await case_service.intake_input(acting.console.session, acting.console.principal.actor(),
                                           acting.case.division_code, body)


# ---- the others ------------------------------------------------------------------------------------------------

async def _correction_context(acting: Acting) -> dict[str, Any]:
    return {"rows": material_rows(acting.case.missing)}


async def _materials_context(acting: Acting) -> dict[str, Any]:
    case = acting.case
    failed = []
    if case.rounds:
        failed = [p for p in case.rounds[-1].parties if p.verdict == "fail"]
    return {"rows": material_rows([r.kind for r in required_materials(case.method)]), "failed": failed}


async def _today_context(acting: Acting) -> dict[str, Any]:
    approved = acting.case.approved_at
    return {"today": local_date(utcnow()), "approved_on": local_date(approved) if approved else None}


def _meeting(form: Form) -> dict[str, Any]:
    return {"meeting_no": text(form, "meeting_no"), "meeting_date": text(form, "meeting_date") or None,
            "attendees": lines(form, "attendees"), "members_total": text(form, "members_total") or None,
            "decision": text(form, "decision"), "minutes_ref": text(form, "minutes_ref"),
            "recused": lines(form, "recused"), "note": text(form, "note")}


# ---- the moves of a case (会签 operations, 退回, 催办, 抄送) -----------------------------------------------------

def _my_parties(acting: Acting, task: str = "sign_off") -> list[Any]:
    """Pending countersign parties the caller may move: all of them for county NR, their own for an officer."""
    user = acting.console.principal.user
    pending = [p for p in acting.case.pending if p.task == task and p.department_id is not None]
    if user.role is Role.DEPARTMENT_OFFICER:
        pending = [p for p in pending if p.department_id == user.department_id
                   and (p.assignee in (None, user.username) if task == "sign_off" else p.assignee == user.username)]
    return pending


async def _officers(acting: Acting, department_ids: set[int]) -> list[User]:
    return list((await acting.console.session.exec(
        select(User).where(User.role == Role.DEPARTMENT_OFFICER, col(User.department_id).in_(department_ids),
                           col(User.is_active).is_(True)).order_by(col(User.username)))).all())


async def _handover_context(acting: Acting) -> dict[str, Any]:
    parties = _my_parties(acting)
    me = acting.console.principal.username
    officers = [u for u in await _officers(acting, {p.department_id for p in parties}) if u.username != me]
    return {"parties": parties, "officers": officers}


async def _draft_context(acting: Acting) -> dict[str, Any]:
    return {"parties": _my_parties(acting, task="draft_opinion")}


async def _add_party_context(acting: Acting) -> dict[str, Any]:
    from models.registry import Department

    case = acting.case
    in_round = {p.party for p in (case.rounds[-1].parties if case.rounds else []) if p.removed_at is None}
    departments = (await acting.console.session.exec(
        select(Department).where(Department.division_code == case.division_code).order_by(col(Department.id)))).all()
    kinds = {d.kind.value: d.name for d in departments if d.kind.value not in in_round and d.kind.value != "township"}
    experts = (await acting.console.session.exec(
        select(User).where(User.role == Role.EXPERT, col(User.is_active).is_(True)).order_by(col(User.username)))).all()
    return {"departments": sorted(kinds.items()),
            "experts": [u for u in experts if u.division_code and covers(u.division_code, case.division_code)
                        and f"expert:{u.username}" not in in_round]}


async def _pending_context(acting: Acting) -> dict[str, Any]:
    return {"pending": [p for p in acting.case.pending if p.task != "draft_opinion"],
            "removable": [p for p in acting.case.pending if p.task == "sign_off"]}


async def _return_context(acting: Acting) -> dict[str, Any]:
    if acting.case.stage.value == "committee_review":
        options = [("joint_acceptance", "退回联合验收（开启新一轮会签）")]
    else:
        options = [("intake", "退回受理（重新受理后开启新一轮会签）"),
                   ("correction", "退回补正（一次性告知需补正的材料）")]
    return {"options": options, "rows": material_rows([r.kind for r in required_materials(acting.case.method)])}


async def _copy_context(acting: Acting) -> dict[str, Any]:
    copied = {c.username for c in acting.case.copies}
    roles = [Role.SUPERVISOR, Role.CITY_NR, Role.COUNTY_NR, Role.COMMITTEE_SECRETARY]
    officials = (await acting.console.session.exec(
        select(User).where(col(User.role).in_(roles), col(User.is_active).is_(True)).order_by(col(User.username))
    )).all()
    me = acting.console.principal.username
    return {"officials": [u for u in officials if u.username not in copied and u.username != me]}


async def _reassign_build(acting: Acting) -> BaseModel:
    body = ReassignRequest(to=text(acting.form, "to"), reason=text(acting.form, "reason"))
    to = await case_service.user_ref(acting.console.session, body.to)
    return ReassignInput(actor=acting.console.principal.actor(), party=text(acting.form, "party"), to=to,
                         reason=body.reason)


async def _delegate_build(acting: Acting) -> BaseModel:
    body = DelegateRequest(to=text(acting.form, "to"), reason=text(acting.form, "reason"))
    to = await case_service.user_ref(acting.console.session, body.to)
    return DelegateInput(actor=acting.console.principal.actor(), party=text(acting.form, "party"), to=to,
                         reason=body.reason)


async def _draft_build(acting: Acting) -> BaseModel:
    body = DraftRequest(verdict=text(acting.form, "verdict"),  # type: ignore[arg-type]
                        opinion=text(acting.form, "opinion"), findings=lines(acting.form, "findings"))
    return DraftInput(actor=acting.console.principal.actor(), party=text(acting.form, "party"), **body.model_dump())


async def _add_party_build(acting: Acting) -> BaseModel:
    body = AddPartyRequest(party=text(acting.form, "party"), reason=text(acting.form, "reason"))
    spec = await case_service.party_spec(acting.console.session, acting.case.division_code, body.party)
    return AddPartyInput(actor=acting.console.principal.actor(), spec=spec, reason=body.reason)


async def _remove_party_build(acting: Acting) -> BaseModel:
    body = RemovePartyRequest(reason=text(acting.form, "reason"))
    return RemovePartyInput(actor=acting.console.principal.actor(), party=text(acting.form, "party"),
                            reason=body.reason)


async def _copy_build(acting: Acting) -> BaseModel:
    body = CopyRequest(to=text(acting.form, "to"), note=text(acting.form, "note"))
    to = await case_service.user_ref(acting.console.session, body.to)
    return CopyInput(actor=acting.console.principal.actor(), to=to, note=body.note)


FORMS: dict[str, ActionForm] = {f.action: f for f in (
    ActionForm("intake", "intake", "受理审查", "actions/intake.html", _intake_build, _intake_context),
    ActionForm("correction", "correction", "提交补正材料", "actions/correction.html",
               _simple(CorrectionRequest, CorrectionInput,
                       lambda f: {"materials": materials(f), "note": text(f, "note")}), _correction_context),
    ActionForm("sign_off", "sign_off", "签署联合验收意见", "actions/sign_off.html",
               _simple(SignOffRequest, SignOffInput,
                       lambda f: {"verdict": text(f, "verdict"), "opinion": text(f, "opinion"),
                                  "findings": lines(f, "findings")})),
    ActionForm("rectification_done", "rectification_done", "报告整改完成，申请复验", "actions/rectification_done.html",
               _simple(RectificationDoneRequest, RectificationDoneInput,
                       lambda f: {"note": text(f, "note"), "materials": materials(f)}), _materials_context),
    ActionForm("committee_decision", "committee_decision", "录入三重一大会议决定", "actions/committee_decision.html",
               _simple(CommitteeDecisionRequest, CommitteeDecisionInput, _meeting), _today_context),
    ActionForm("committee_material", "committee_material", "补充上会材料", "actions/committee_material.html",
               _simple(CommitteeMaterialRequest, CommitteeMaterialInput,
                       lambda f: {"note": text(f, "note"), "materials": materials(f)}), _materials_context),
    ActionForm("approval", "approval", "下发开复工批复", "actions/approval.html",
               _simple(ApprovalRequest, ApprovalInput, lambda f: {"note": text(f, "note")})),
    ActionForm("resumption", "resumption", "报告复工", "actions/resumption.html",
               _simple(ResumptionRequest, ResumptionInput, lambda f: {"resumed_on": text(f, "resumed_on") or None}),
               _today_context),
    ActionForm("city_filing", "city_filing", "确认备案", "actions/city_filing.html",
               _simple(CityFilingRequest, CityFilingInput, lambda f: {"note": text(f, "note")})),
    ActionForm("withdraw", "withdraw", "撤回申请", "actions/withdraw.html",
               _simple(WithdrawRequest, WithdrawInput, lambda f: {"reason": text(f, "reason")}), danger=True),
    ActionForm("reassign", "reassign", "转办", "actions/reassign.html", _reassign_build, _handover_context),
    ActionForm("delegate", "delegate", "委派同事起草意见", "actions/delegate.html", _delegate_build, _handover_context),
    ActionForm("draft", "draft", "提交起草的意见", "actions/draft.html", _draft_build, _draft_context),
    ActionForm("add_party", "add_party", "加签", "actions/add_party.html", _add_party_build, _add_party_context),
    ActionForm("remove_party", "remove_party", "减签", "actions/remove_party.html", _remove_party_build,
               _pending_context, danger=True),
    ActionForm("return", "return", "退回", "actions/return.html",
               _simple(ReturnRequest, ReturnInput,
                       lambda f: {"to_stage": text(f, "to_stage"), "reason": text(f, "reason"),
                                  "missing": values(f, "missing")}), _return_context, danger=True),
    ActionForm("urge", "urge", "催办", "actions/urge.html",
               _simple(UrgeRequest, UrgeInput,
                       lambda f: {"parties": values(f, "parties"), "message": text(f, "message")}), _pending_context),
    ActionForm("copy", "copy", "抄送", "actions/copy.html", _copy_build, _copy_context),
)}
