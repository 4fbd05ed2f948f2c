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
    ApprovalInput,
    ApprovalRequest,
    CityFilingInput,
    CityFilingRequest,
    CommitteeDecisionInput,
    CommitteeDecisionRequest,
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
    SignOffInput,
    SignOffRequest,
    WithdrawInput,
    WithdrawRequest,
)
from models.db import utcnow
from models.registry import User

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
)}
