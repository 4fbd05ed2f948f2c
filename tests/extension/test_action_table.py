"""Every action of every procedure is served: an API route, and a console form a person can fill in Chinese.

The table is the workflow's (workflows/parts/actions.py); the routes, the console's forms and the offered actions
are derived from it. These tests read the registered kinds, so a procedure added tomorrow is checked the same way.
"""

import enum
import re
from typing import Literal, get_args, get_origin

import pytest

import api.procedures  # noqa: F401  (registers the procedures)
from api.app import create_app
from api.kinds import KINDS
from console import forms
from console.action_forms import PARAM_LABELS
from console.pickers import MATERIAL_ROWS, PICKERS
from tests.support.stack import settings_for_tests

ACTIONS = [(kind.code, action) for kind in KINDS.values() for action in kind.actions().values()]
STARTS = [(kind.code, kind.start.request) for kind in KINDS.values() if kind.start] + \
         [(kind.code, kind.batch.request) for kind in KINDS.values() if kind.batch]


def _ids(pairs):
    return [f"{code}.{getattr(x, 'name', getattr(x, '__name__', ''))}" for code, x in pairs]


@pytest.fixture(scope="module")
def openapi():
    app = create_app(settings_for_tests("sqlite+aiosqlite:///:memory:", "unused"))
    return app.openapi()["paths"]


@pytest.mark.parametrize(("kind", "action"), ACTIONS, ids=_ids(ACTIONS))
def test_every_action_has_its_api_route(openapi, kind, action):
    path = f"/api/v1{action.route.path}"
    assert path in openapi, f"{kind}.{action.name}: no route {path}"
    operation = openapi[path][action.route.method.lower()]
    assert operation["summary"], "a summary in Chinese for the API docs"
    assert action.request.__name__ in str(operation["requestBody"]), "the route takes the action's request model"
    for name in action.route.params:
        assert "{" + name + "}" in action.route.path


def _problems(widgets, where):
    """What a person could not fill in: an English label, a code without its Chinese name, a picker or a list of
    materials the console does not know."""
    found = []
    for w in widgets:
        name = w.name.rsplit(".", 1)[-1]
        if w.label == name or w.label.isascii():
            found.append(f"{where}.{w.name}: no Chinese title")
        if w.kind in ("radio", "select", "checkboxes") and w.picker is None:
            unnamed = [o.value for o in w.options if o.label == o.value]
            if unnamed or not w.options:
                found.append(f"{where}.{w.name}: choices without Chinese names {unnamed}")
        codes = {o.value for o in w.options if o.value.isascii() and not o.value.isdigit()}
        if codes & set(re.findall(r"[A-Za-z_]{2,}", w.help)):
            found.append(f"{where}.{w.name}: codes in the help text {w.help!r}")
        if w.picker is not None and w.picker not in PICKERS:
            found.append(f"{where}.{w.name}: unknown picker {w.picker}")
        if w.kind == "materials" and w.rows not in MATERIAL_ROWS:
            found.append(f"{where}.{w.name}: unknown material rows {w.rows}")
        found += _problems(w.children, where)
    return found


@pytest.mark.parametrize(("kind", "action"), ACTIONS, ids=_ids(ACTIONS))
def test_every_action_has_a_console_form_in_chinese(kind, action):
    widgets = forms.widgets(action.request)
    assert [w.name for w in widgets] == list(action.request.model_fields), "a widget for every field"
    assert not _problems(widgets, f"{kind}.{action.name}")
    assert action.label and not action.label.isascii()
    for name in action.route.params:  # a path parameter is a field of the form, chosen from a list
        assert name in PARAM_LABELS and name in PICKERS, f"{kind}.{action.name}: no picker for {{{name}}}"


@pytest.mark.parametrize(("kind", "request_model"), STARTS, ids=_ids(STARTS))
def test_every_start_has_a_console_form_in_chinese(kind, request_model):
    assert not _problems(forms.widgets(request_model), f"{kind}.{request_model.__name__}")


def test_the_form_checks_see_a_missing_title_and_an_unnamed_code():
    """The checks above can fail: a field without a title, a choice whose values have no names."""
    from pydantic import BaseModel

    class Colour(enum.StrEnum):
        RED = "red"

    class Careless(BaseModel):
        note: str
        colour: Colour
        mood: Literal["happy", "sad"]

    problems = _problems(forms.widgets(Careless), "careless")
    assert len(problems) == 5, problems  # three untitled fields, two unnamed choices
    assert get_origin(Careless.model_fields["mood"].annotation) is Literal
    assert get_args(Careless.model_fields["mood"].annotation) == ("happy", "sad")


@pytest.mark.parametrize(("kind", "action"), ACTIONS, ids=_ids(ACTIONS))
def test_every_action_is_declared_whole(kind, action):
    """Label, roles, input model, its check; a side action applies itself, a step is taken by the procedure."""
    assert action.roles and action.check is not None and action.handler is not None
    assert action.input.model_fields.get("actor") is not None, "the workflow learns who acts"
    workflow = KINDS[kind].workflow
    assert getattr(workflow, action.handler.__name__) is action.handler, "clients call it as Workflow.<action>"
