"""Console forms, generated from request models: one form for every action of every procedure (the action's
`request`, workflows/parts/actions.py) and for every way a case starts (`Kind.start.request`, `Kind.batch.request`).

A field's widget follows its type — text, long text, number, date, yes/no, a choice (a `Literal` or an enum: radios
or a select, multiple: checkboxes), a list of lines, a nested model (a fieldset), a list of nested models (rows) —
its label and help come from `Field(title=…, description=…)`, and hints in `json_schema_extra` (which also reach
the OpenAPI document) pick what a type cannot say:

- `x-choices`: the Chinese name of each value of a choice (enums take theirs from `ENUM_NAMES` below);
- `x-picker`: the field names a person, party, enterprise, mine, right, item…: its options come from
  console/pickers.py for this caller and case;
- `x-widget`: "materials" (a row per material kind, each with its reference and its uploaded files), "lines",
  "coordinates", "files" (a file picker: console.js uploads each chosen file at once, with its progress, and the
  form posts their ids);
- `x-rows`: for "materials", which kinds to list (console/pickers.py `MATERIAL_ROWS`); for a list of rows, how many.

Parsing is the reverse: the posted form becomes the model's input and the model validates it, so the console
refuses exactly what the API refuses, in the same words.
"""

import dataclasses
import enum
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from domain.campaign import (
    CLOSURE_STAGE_NAMES,
    FINDING_NAMES,
    KEY_CHECKS,
    RECT_STAGE_NAMES,
    ClosureStage,
    FindingKind,
    KeyCheck,
    RectStage,
)
from domain.citations import cite
from domain.mines import METHOD_NAMES, MineMethod
from domain.reopening import MATERIAL_NAMES, MaterialKind
from domain.rights import (
    GRANT_MODE_NAMES,
    PAUSE_NAMES,
    SCALE_NAMES,
    TRANSFER_MATERIAL_NAMES,
    GrantMode,
    PauseKind,
    Scale,
    TransferMaterial,
)
from domain.roles import DEPARTMENT_KIND_NAMES, DepartmentKind

# The Chinese names of every enum a form may offer, from the domain's own tables.
ENUM_NAMES: dict[type[enum.Enum], Mapping[Any, str]] = {
    MaterialKind: MATERIAL_NAMES,
    TransferMaterial: TRANSFER_MATERIAL_NAMES,
    PauseKind: PAUSE_NAMES,
    FindingKind: FINDING_NAMES,
    Scale: SCALE_NAMES,
    GrantMode: GRANT_MODE_NAMES,
    DepartmentKind: DEPARTMENT_KIND_NAMES,
    KeyCheck: {k: rule.name for k, rule in KEY_CHECKS.items()},
    RectStage: RECT_STAGE_NAMES,
    ClosureStage: CLOSURE_STAGE_NAMES,
    MineMethod: METHOD_NAMES,
}

Form = dict[str, Any]
LINE_SPLIT = re.compile(r"[\n\r,，、;；]+")


@dataclass
class Option:
    value: str
    label: str
    note: str = ""  # shown beside the label (e.g. 未提交, 已过期)


@dataclass
class Widget:
    """One input of a generated form."""

    name: str  # the posted field's name (dotted for nested fields: `evidence.fees_paid`, `items.0.check`)
    label: str
    kind: str = "text"  # text | textarea | number | date | checkbox | radio | select | checkboxes | lines |
    #                     coordinates | materials | fieldset | rows
    help: str = ""
    required: bool = False
    multiple: bool = False
    options: list[Option] = field(default_factory=list)
    picker: str | None = None
    rows: str | int | None = None
    default: Any = None
    step: str | None = None
    min: float | None = None
    max: float | None = None
    maxlength: int | None = None
    children: list["Widget"] = field(default_factory=list)  # a fieldset's fields; a row's fields (rows)
    count: int = 0  # rows: how many blank rows to offer
    today: bool = False  # a date that defaults to today (`x-default: today`)
    depends: str | None = None  # the field whose value decides this one's rows (`x-depends`): redrawn on change

    def renamed(self, name: str) -> "Widget":
        return dataclasses.replace(self, name=name)

    def in_row(self, name: str) -> "Widget":
        """The widget in one of a list's rows: never required in the page (a blank row is dropped when read,
        so a plan of two items is not blocked by its third row; a half-filled row is refused by the model)."""
        return dataclasses.replace(self, name=name, required=False)


def _extra(info: FieldInfo) -> dict[str, Any]:
    extra = info.json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the type without `| None` and `Annotated`, whether None is allowed)."""
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation, optional
        else:
            return annotation, optional


def _choices(annotation: Any, info: FieldInfo) -> list[Option] | None:
    labels: Mapping[Any, str] = _extra(info).get("x-choices", {})
    if get_origin(annotation) is Literal:
        return [Option(str(v), labels.get(v, str(v))) for v in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        names = labels or ENUM_NAMES.get(annotation, {})
        return [Option(str(m.value), names.get(m, names.get(m.value, str(m.value)))) for m in annotation]
    return None


def _without_codes(help_text: str, options: list[Option]) -> str:
    """A choice's API description often lists its codes ("approve 准予转让 / refuse 不准转让"); the form names each
    choice already, and a code never reaches a reader."""
    words = set(re.findall(r"[A-Za-z_]{2,}", help_text))
    return "" if words & {o.value for o in options} else help_text


def _bounds(info: FieldInfo) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for meta in info.metadata:
        for attr, key in (("ge", "min"), ("gt", "min"), ("le", "max"), ("lt", "max"), ("max_length", "maxlength")):
            value = getattr(meta, attr, None)
            if value is not None:
                found[key] = value
        for inner in getattr(meta, "metadata", ()) or ():  # StringConstraints inside Annotated
            if getattr(inner, "max_length", None) is not None:
                found["maxlength"] = inner.max_length
    return found


def _string_limit(annotation: Any) -> int | None:
    for arg in get_args(annotation)[1:] if get_origin(annotation) is typing.Annotated else ():
        if (limit := getattr(arg, "max_length", None)) is not None:
            return int(limit)
    return None


def widgets(model: type[BaseModel], *, prefix: str = "", skip: Sequence[str] = ()) -> list[Widget]:
    """The form of a request model, field by field."""
    return [widget_for(name, info, prefix=prefix) for name, info in model.model_fields.items() if name not in skip]


def widget_for(name: str, info: FieldInfo, *, prefix: str = "") -> Widget:
    extra = _extra(info)
    raw = info.annotation
    annotation, optional = _unwrap(raw)
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    base = Widget(name=f"{prefix}{name}", label=info.title or name, help=cite(info.description or ""),
                  required=info.is_required() and not optional, picker=extra.get("x-picker"),
                  rows=extra.get("x-rows"), default=default, today=extra.get("x-default") == "today",
                  depends=extra.get("x-depends"),
                  **_bounds(info))
    if (limit := _string_limit(raw)) is not None:
        base.maxlength = limit
    hint = extra.get("x-widget")
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (str,)
        item_type, _ = _unwrap(item)
        base.multiple = True
        if hint == "materials":
            base.kind = "materials"
            return base
        if hint in ("coordinates", "files"):
            base.kind = hint
            if hint == "files":  # the API's description names its upload endpoint; a form uploads on choosing
                base.help = "选择文件后即上传，可多个（PDF、图片、OFD、Word、Excel）；上传完成后再提交"
            return base
        if base.picker:  # a picker may narrow or annotate the item type's own choices (case_material does)
            base.kind, base.options = "checkboxes", _choices(item_type, info) or []
            return base
        if (options := _choices(item_type, info)) is not None:
            base.kind, base.options = "checkboxes", options
            return base
        if isinstance(item_type, type) and issubclass(item_type, BaseModel):
            base.kind = "rows"
            base.children = widgets(item_type)
            base.count = int(extra.get("x-rows", 3)) if isinstance(extra.get("x-rows", 3), int) else 3
            return base
        base.kind = "lines"
        return base
    if base.picker:
        base.kind = "select"
        return base
    if (options := _choices(annotation, info)) is not None:
        base.kind, base.options = ("radio" if len(options) <= 3 else "select"), options
        base.help = _without_codes(base.help, options)
        return base
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        base.kind = "fieldset"
        base.children = widgets(annotation, prefix=f"{base.name}.")
        return base
    if annotation is bool:
        base.kind = "checkbox"
    elif annotation is date:
        base.kind = "date"
    elif annotation in (int, float):
        base.kind, base.step = "number", ("1" if annotation is int else "any")
    else:
        long = (base.maxlength or 200) > 200
        base.kind = "textarea" if long else "text"
    return base


# ---- parsing ---------------------------------------------------------------------------------------------------

def values(form: Form, name: str) -> list[str]:
    raw = form.get(name)
    items = raw if isinstance(raw, list) else [] if raw is None else [raw]
    return [str(v).strip() for v in items if str(v).strip()]


def text(form: Form, name: str) -> str:
    found = values(form, name)
    return found[0] if found else ""


def lines(raw: str) -> list[str]:
    """A textarea listing names or items: one per line, or separated by 、 ， , ；"""
    return [part.strip() for part in LINE_SPLIT.split(raw) if part.strip()]


def parse(model: type[BaseModel], form: Form, *, prefix: str = "", skip: Sequence[str] = ()) -> BaseModel:
    """The posted form as the model (raises pydantic's ValidationError, as the API would)."""
    return model.model_validate(data_of(widgets(model, prefix=prefix, skip=skip), form, prefix=prefix))


def data_of(fields: list[Widget], form: Form, *, prefix: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {}
    for w in fields:
        key = w.name.removeprefix(prefix)
        value = _value(w, form)
        if value is not None:
            data[key] = value
    return data


def _value(w: Widget, form: Form) -> Any:
    match w.kind:
        case "checkbox":
            return text(form, w.name) in ("1", "true", "on", "yes")
        case "checkboxes":
            return values(form, w.name)
        case "lines":
            return lines(text(form, w.name))
        case "files":  # one hidden field per uploaded file
            return [part for raw in values(form, w.name) for part in lines(raw)]
        case "coordinates":
            points = []
            for line in text(form, w.name).splitlines():
                parts = [p for p in re.split(r"[\s,，]+", line.strip()) if p]
                if parts:
                    points.append(parts)
            return points
        case "materials":  # `<name>.<kind>`: its reference; `<name>.<kind>.files`: one hidden field per upload
            prefix = f"{w.name}."
            kinds = dict.fromkeys(key.removeprefix(prefix).removesuffix(".files") for key in form
                                  if key.startswith(prefix))
            rows = [{"kind": kind, "ref": text(form, f"{prefix}{kind}"), "files": values(form, f"{prefix}{kind}.files")}
                    for kind in kinds]
            return [row for row in rows if row["ref"] or row["files"]]
        case "fieldset":
            nested = data_of(w.children, form, prefix=f"{w.name}.")
            return nested if any(v not in (None, "", [], False) for v in nested.values()) or w.required else None
        case "rows":
            out = []
            for i in range(max(_row_count(form, w), w.count)):
                row_prefix = f"{w.name}.{i}."
                children = [c.renamed(f"{row_prefix}{c.name}") for c in w.children]
                row = data_of(children, form, prefix=row_prefix)
                if any(v not in (None, "", [], False) for v in row.values()):
                    out.append(row)
            return out
        case "text" | "textarea":
            # sent empty: the model says what is wrong with that (as the API would); not sent or optional: omitted
            raw = text(form, w.name)
            return raw if raw or (w.required and w.name in form) else None
        case _:
            raw = text(form, w.name)
            return raw if raw else None


def _row_count(form: Form, w: Widget) -> int:
    indexes = [int(m.group(1)) for key in form if (m := re.match(rf"^{re.escape(w.name)}\.(\d+)\.", key))]
    return max(indexes, default=-1) + 1


def labels_of(model: type[BaseModel]) -> dict[str, str]:
    """Field name → label, for naming fields in validation messages."""
    found: dict[str, str] = {}
    for name, info in model.model_fields.items():
        found[name] = info.title or name
        annotation, _ = _unwrap(info.annotation)
        if get_origin(annotation) is list:
            annotation, _ = _unwrap((get_args(annotation) or (str,))[0])
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.update({k: v for k, v in labels_of(annotation).items() if k not in found})
    return found
