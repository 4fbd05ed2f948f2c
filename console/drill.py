"""The cases behind a dashboard number (统计看板 → 案件): every figure of console/dashboard.py links here with its
query, and the list is read with the very conditions the figure was counted with (api/services/dashboard.py)."""

import math

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.kinds import KINDS
from api.schemas import CaseSummary
from api.services import dashboard as service
from api.services import registry
from domain.errors import DomainError, ErrorCode
from domain.roles import ROLE_NAMES, Role
from models.db import utcnow

from .web import DASHBOARD_ROLES, PREFIX, ConsoleDep, ConsoleRoute, form_problems, render

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)
PAGE_SIZE = 20


@router.get("/dashboard/cases", response_class=HTMLResponse)
async def figure_cases(console: ConsoleDep) -> Response:
    if console.role not in DASHBOARD_ROLES:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "统计看板仅供县、市主管部门使用")
    params = dict(console.request.query_params)
    try:
        page = max(1, min(int(params.pop("page", "1") or 1), 10_000))
    except ValueError:
        page = 1
    try:
        query = service.FigureQuery.model_validate(params)
    except ValidationError as exc:
        problems = form_problems(list(exc.errors()), {})
        raise DomainError(ErrorCode.VALIDATION_FAILED, f"统计口径不正确：{problems}") from exc
    kind = KINDS.get(query.kind)
    if kind is None:
        raise DomainError(ErrorCode.NOT_FOUND, "没有此类事项")
    rows, total = await service.figure_cases(session=console.session, principal=console.principal, query=query,
                                             now=utcnow(), page=page, page_size=PAGE_SIZE)
    divisions = await registry.division_names(session=console.session)
    # what the number was: the figure, and the county, stage, month or holder it was counted for
    parts = [kind.name, service.FIGURE_NAMES[query.figure]]
    if query.county:
        parts.append(divisions.get(query.county, query.county))
    if query.stage:
        parts.append(kind.stage_names.get(query.stage, query.stage))
    if query.month:
        parts.append(f"{query.month[:4]}年{int(query.month[5:])}月")
    if query.holder_name:
        role = ROLE_NAMES.get(Role(query.holder_role), "") if query.holder_role in Role.__members__.values() else ""
        parts.append(f"{query.holder_name}（{divisions.get(query.holder_division or '', '')}{role}）")
    pages = max(1, math.ceil(total / PAGE_SIZE))
    base = {k: v for k, v in query.model_dump().items() if v}
    return render(console.request, "oa/figure.html", {
        "active": "dashboard", "caption": " · ".join(parts), "items": [CaseSummary.of(r) for r in rows],
        "total": total, "page": page, "pages": pages, "base": base, "divisions": divisions, "kind": kind,
    }, console=console)
