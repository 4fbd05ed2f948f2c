"""The console's 治理整顿 pages: the campaigns in the caller's scope, each campaign's supervision view (per county:
mines by stage, overdue items by department, referrals, claims), and a read-only page for a campaign, rectification
or closure case (their actions go through the API; see docs/api.md ## Campaign)."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from api import campaign_service
from api.schemas import CaseOutFields
from domain.campaign import CLOSURE_STAGE_NAMES, KEY_CHECKS, RECT_STAGE_NAMES
from domain.errors import DomainError, ErrorCode
from domain.roles import DEPARTMENT_KIND_NAMES, Role

from .web import PREFIX, Console, ConsoleDep, ConsoleRoute, render

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _official(console: Console) -> None:
    if console.role is Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "治理整顿督查视图仅供机关工作人员使用")


@router.get("/campaigns", response_class=HTMLResponse)
async def campaigns(console: ConsoleDep) -> Response:
    _official(console)
    visible = await campaign_service.list_campaigns(console.session, console.principal)
    return render(console.request, "campaigns.html", {"active": "campaigns", "campaigns": visible}, console=console)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
async def supervision(campaign_id: str, console: ConsoleDep) -> Response:
    _official(console)
    view = await campaign_service.supervision(console.session, console.principal, campaign_id[:40])
    return render(console.request, "campaign_supervision.html", {
        "active": "campaigns", "v": view, "stage_names": {**RECT_STAGE_NAMES, **CLOSURE_STAGE_NAMES},
        "department_names": {k.value: n for k, n in DEPARTMENT_KIND_NAMES.items()},
    }, console=console)


def campaign_case_page(console: Console, case: CaseOutFields, status: int = 200) -> HTMLResponse:
    """A campaign, rectification or closure case, read-only."""
    return render(console.request, "campaign_case.html", {
        "active": "cases", "case": case, "stage_names": {**RECT_STAGE_NAMES, **CLOSURE_STAGE_NAMES},
        "check_names": {k.value: r.name for k, r in KEY_CHECKS.items()},
    }, status=status, console=console)
