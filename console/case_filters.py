"""The case list's filters, read once from the query string: the list page (console/routes.py), its Excel export
and its bulk 催办 (console/oa.py) all mean the same cases by the same filters."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from api.kinds import KINDS, Kind
from api.services import cases, registry
from domain.cases import Status
from domain.divisions import level
from domain.roles import Role

from .web import PREFIX, Console


def stage_choices(kind: Kind | None) -> dict[str, str]:
    """The stages the list filter offers: the chosen procedure's, or every procedure's (a stage code names the same
    step wherever it appears, so the first procedure's name for it stands)."""
    if kind is not None:
        return dict(kind.stage_names)
    choices: dict[str, str] = {}
    for each in KINDS.values():
        for code, name in each.stage_names.items():
            choices.setdefault(code, name)
    return choices


def _enum_or_none(enum: Any, raw: str | None) -> Any:
    try:
        return enum(raw) if raw else None
    except ValueError:
        return None


async def counties(console: Console) -> list[Any]:
    """The counties an official may filter by (none for an enterprise or a county's own official)."""
    user = console.principal.user
    if console.role is Role.ENTERPRISE or (user.division_code and level(user.division_code) == "county"):
        return []
    within = None if console.role is Role.ADMIN else user.division_code
    return await registry.counties(session=console.session, within=within)


@dataclass
class ListFilters:
    query: cases.CaseQuery
    filters: dict[str, str]  # as the form shows them (empty: not chosen)
    kind: Kind | None
    stages: dict[str, str]
    counties: list[Any]

    def url(self, path: str = "/cases", **extra: Any) -> str:
        """`PREFIX + path` with these filters (e.g. the export, another page)."""
        params = {k: v for k, v in self.filters.items() if v} | {k: v for k, v in extra.items() if v}
        return f"{PREFIX}{path}" + (f"?{urlencode(params)}" if params else "")


async def list_filters(console: Console, page_size: int) -> ListFilters:
    params = console.request.query_params
    chosen = KINDS.get(params.get("kind") or "")
    kind = chosen.code if chosen else None
    stages = stage_choices(chosen)
    # a stage the chosen procedure does not have (the procedure was changed after it) is dropped, not an error
    stage = params.get("stage") if params.get("stage") in stages else None
    status = _enum_or_none(Status, params.get("status"))
    found = await counties(console)
    county = params.get("county") if params.get("county") in {d.code for d in found} else None
    overdue = True if params.get("overdue") == "1" else None
    q = (params.get("q") or "").strip()[:50] or None
    try:
        page = max(1, min(int(params.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    query = cases.CaseQuery(kind=kind, stage=stage, status=status, division_code=county, overdue=overdue, q=q,
                            page=page, page_size=page_size)
    filters = {"kind": kind or "", "stage": stage or "", "status": status.value if status else "",
               "county": county or "", "overdue": "1" if overdue else "", "q": q or ""}
    return ListFilters(query=query, filters=filters, kind=chosen, stages=stages, counties=found)
