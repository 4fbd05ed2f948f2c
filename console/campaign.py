"""The console's 治理整顿 pages: the campaigns in the caller's scope and each campaign's supervision view (per
county: mines by stage, overdue items by department, referrals, claims). A campaign's, a rectification's and a
closure's case page is the common one (console/routes.py)."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from api.procedures.campaign import CAMPAIGN
from api.services import campaign as campaign_service
from domain.campaign import CLOSURE_STAGE_NAMES, RECT_STAGE_NAMES
from domain.errors import DomainError, ErrorCode
from domain.roles import DEPARTMENT_KIND_NAMES, Role

from .batch import batch_kinds
from .web import PREFIX, Console, ConsoleDep, ConsoleRoute, render

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _official(console: Console) -> None:
    if console.role is Role.ENTERPRISE:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "治理整顿督查视图仅供机关工作人员使用")


@router.get("/campaigns", response_class=HTMLResponse)
async def campaigns(console: ConsoleDep) -> Response:
    _official(console)
    visible = await campaign_service.list_campaigns(session=console.session, principal=console.principal)
    start = CAMPAIGN.start
    return render(console.request, "campaigns.html", {
        "active": "campaigns", "campaigns": visible, "stage_names": CAMPAIGN.stage_names,
        "may_open": start is not None and console.role in start.roles, "batch_kinds": batch_kinds(console),
    }, console=console)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
async def supervision(campaign_id: str, console: ConsoleDep) -> Response:
    _official(console)
    view = await campaign_service.supervision(session=console.session, principal=console.principal,
                                              campaign_id=campaign_id[:40])
    return render(console.request, "campaign_supervision.html", {
        "active": "campaigns", "v": view, "stage_names": {**RECT_STAGE_NAMES, **CLOSURE_STAGE_NAMES},
        "department_names": {k.value: n for k, n in DEPARTMENT_KIND_NAMES.items()},
    }, console=console)
