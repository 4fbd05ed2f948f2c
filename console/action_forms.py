"""The forms a page shows: one per action the caller may take on the case (its `available_actions`), and the form
that starts a case of a kind — each generated from the request model (console/forms.py) with its choices found
for this caller and case (console/pickers.py), and read back into the same request model the API takes."""

import dataclasses
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from api.kinds import Kind
from domain.errors import DomainError
from workflows.parts.actions import Action

from . import forms
from .forms import Widget
from .pickers import MATERIAL_ROWS, PICKERS, Ask, today
from .web import PREFIX, Console

# The labels of an action route's path parameters, as a form field.
PARAM_LABELS = {"party": "会签任务", "item_no": "整改事项", "stage": "关闭步骤"}


@dataclass
class FormView:
    code: str  # the action's name, or "start"
    title: str
    target: str  # where it posts
    widgets: list[Widget]
    values: dict[str, Any]
    key: str  # the idempotency key this rendering of the form carries
    danger: bool = False
    error: DomainError | None = None
    submit: str = "提交"
    refresh: str = ""  # where a field others depend on re-draws the form (GET)

    @property
    def dependents(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for w in self.widgets:
            if w.depends:
                found.setdefault(w.depends, []).append(w.name)
        return found


def _params(action: Action) -> list[Widget]:
    return [Widget(name=name, label=PARAM_LABELS.get(name, name), kind="select", required=True, picker=name)
            for name in action.route.params]


async def _resolve(ask: Ask, widgets: list[Widget], values: dict[str, Any]) -> list[Widget]:
    """Fill each widget's options and defaults for this caller, case and what they sent."""
    out = []
    for w in widgets:
        w = dataclasses.replace(w)
        ask.widget = w
        if w.picker is not None:
            w.options = await PICKERS[w.picker](dataclasses.replace(ask, widget=w))
            if w.kind == "select" and w.multiple:
                w.kind = "checkboxes"
        if w.kind == "materials":
            source = MATERIAL_ROWS.get(str(w.rows), None)
            w.options = await source(ask) if source else []
        if w.kind in ("fieldset", "rows"):
            w.children = await _resolve(ask, w.children, values)
            if w.kind == "rows" and w.rows == "counties":
                w.count = len(await PICKERS["county"](ask))
        if w.name not in values:
            if w.default is not None and w.default != [] and w.default != "":
                values[w.name] = w.default
            elif w.today:
                values[w.name] = today()
            elif w.kind == "checkboxes" and w.picker == "case_material":
                values[w.name] = [o.value for o in w.options if o.note == "未提交"]
        out.append(w)
    return out


async def action_form(console: Console, case: Any, action: Action, *, form: dict[str, Any] | None = None,
                      error: DomainError | None = None) -> FormView:
    values = dict(form or {})
    ask = Ask(console=console, case=case, action=action.name, form=values)
    widgets = await _resolve(ask, _params(action) + forms.widgets(action.request), values)
    return FormView(code=action.name, title=action.label, target=f"cases/{case.case_id}/actions/{action.name}",
                    widgets=widgets, values=values, key=str(values.get("idempotency_key") or uuid.uuid4().hex),
                    danger=action.danger, error=error, submit=action.label)


async def start_form(console: Console, kind: Kind, request: type[BaseModel], target: str, title: str, *,
                     form: dict[str, Any] | None = None, error: DomainError | None = None) -> FormView:
    values = dict(form or {})
    ask = Ask(console=console, case=None, action=None, form=values)
    widgets = await _resolve(ask, forms.widgets(request), values)
    return FormView(code="start", title=title, target=target, widgets=widgets, values=values,
                    key=str(values.get("idempotency_key") or uuid.uuid4().hex), error=error, submit=title,
                    refresh=f"{PREFIX}/{target}/new")


async def model_form(console: Console, model: type[BaseModel], *, code: str, title: str, target: str,
                     form: dict[str, Any] | None = None, error: DomainError | None = None,
                     skip: tuple[str, ...] = (), submit: str | None = None, danger: bool = False) -> FormView:
    """The form of any request model that is neither a case's action nor its start (a registry entry, a ledger
    entry, a classification run…), posted to `PREFIX/target` and read back with `forms.parse(model, …)`."""
    values = dict(form or {})
    ask = Ask(console=console, case=None, action=None, form=values)
    widgets = await _resolve(ask, forms.widgets(model, skip=skip), values)
    return FormView(code=code, title=title, target=target, widgets=widgets, values=values,
                    key=str(values.get("idempotency_key") or uuid.uuid4().hex), error=error,
                    submit=submit or title, danger=danger)


def read_action(action: Action, form: dict[str, Any]) -> tuple[BaseModel, dict[str, Any]]:
    """The posted form as the action's request and its route's path parameters (ValidationError if invalid)."""
    params: dict[str, Any] = {}
    for name, kind in action.route.params.items():
        raw = forms.text(form, name)
        params[name] = _param_value(kind, raw)
    return forms.parse(action.request, form), params


def _param_value(kind: Any, raw: str) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(kind).validate_python(raw)

