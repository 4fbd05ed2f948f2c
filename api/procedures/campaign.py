"""治理整顿 (a city's campaign), seed 000 §二(一), §二(二), §三 and 附件: the city's bureau opens it with its dates
and one 督查组 per county, may impose the 两个暂停 moratorium, and concludes it once every rectification and
closure case it started is closed. Its cases: api/procedures/rectification.py and closure.py.

The workflow and its actions: workflows/campaign.py. Its wire models: models/campaign.py. Its records and views:
api/services/campaign.py.
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from activities.campaign import CampaignActivities
from api.deps import CurrentUser, SessionDep
from api.errors import ErrorBody
from api.kinds import Acting, Kind, Page, Start, Starting, activity_methods, prepares, register
from api.services import campaign as service
from api.services import cases
from domain.calendar import local_date
from domain.campaign import CAMPAIGN_STAGE_NAMES
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.campaign import CampaignCreate, CampaignStart, ConcludeInput, ConcludeRequest
from models.db import utcnow
from models.registry import Division, DivisionLevel
from workflows.campaign import CampaignWorkflow


async def build_start(starting: Starting, body: CampaignCreate) -> CampaignStart:
    """A city's bureau, its dates in order and not past, a group for each of its counties; one open campaign."""
    session, principal = starting.session, starting.principal
    city_code = principal.user.division_code or ""
    city = await session.get(Division, city_code)
    if city is None or city.level is not DivisionLevel.CITY:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "只有市自然资源局可以启动治理整顿")
    if body.results_due < local_date(utcnow()):
        raise DomainError(ErrorCode.DATE_INVALID, "取得实效期限不能早于今天", {"results_due": str(body.results_due)})
    if body.acceptance_due < body.results_due:
        raise DomainError(ErrorCode.DATE_INVALID, "自治区级验收销号期限不能早于取得实效期限",
                          {"results_due": str(body.results_due), "acceptance_due": str(body.acceptance_due)})
    await service.check_groups(session=session, city_code=city_code, groups=body.groups)
    if (open_campaign := await cases.open_case_of(session=session, kind=CAMPAIGN, city_code=city_code)) is not None:
        raise DomainError(ErrorCode.CAMPAIGN_ALREADY_OPEN, details={"case_id": open_campaign})
    return CampaignStart(case_id=cases.new_case_id(CAMPAIGN), title=body.title, city_code=city_code,
                         city_name=city.name, results_due=body.results_due, acceptance_due=body.acceptance_due,
                         groups=body.groups, moratorium=body.moratorium, note=body.note, opened_by=principal.actor())


@prepares(CampaignWorkflow.conclude)
async def conclude_input(acting: Acting, body: ConcludeRequest) -> ConcludeInput:
    """The workflow refuses while any case the campaign started is open: it is told how many there are."""
    total, open_ = await service.case_counts(session=acting.session, campaign_id=acting.case_id)
    return ConcludeInput(actor=acting.actor, summary=body.summary, total_cases=total, open_cases=open_)


CampaignId = Annotated[str, Path(max_length=40, pattern=r"^ZLZD-[0-9A-Z-]+$", description="治理整顿案件编号")]
ERRORS = {r: {"model": ErrorBody} for r in (401, 403, 404, 422)}


def routes() -> APIRouter:
    router = APIRouter(tags=["治理整顿"])

    @router.get("/campaigns", response_model=list[service.CampaignSummary], responses=ERRORS,
                summary="治理整顿列表（本人管辖范围内，含“两个暂停”状态）")
    async def campaigns(principal: CurrentUser, session: SessionDep) -> list[service.CampaignSummary]:
        if principal.role is Role.ENTERPRISE:
            raise DomainError(ErrorCode.FORBIDDEN_ROLE, "治理整顿列表仅供机关工作人员查阅")
        return await service.list_campaigns(session=session, principal=principal)

    @router.get("/campaigns/{campaign_id}/supervision", response_model=service.Supervision, responses=ERRORS,
                summary="督查视图：按县（区）列出各阶段矿山、各部门逾期事项、移交纪检监察和司法的记录、第三方修复追偿")
    async def supervision(campaign_id: CampaignId, principal: CurrentUser, session: SessionDep,
                          division_code: Annotated[str | None, Query(pattern=r"^\d{6}$", description="只看该县（区）")]
                          = None) -> service.Supervision:
        return await service.supervision(session=session, principal=principal, campaign_id=campaign_id,
                                         division_code=division_code)

    return router


CAMPAIGN = register(Kind(
    code="campaign", prefix="ZLZD", name="治理整顿", workflow=CampaignWorkflow, family="campaign",
    description="市自然资源局启动（时间节点、每县督查组、“两个暂停”）→ 各矿整治与关闭取缔 → 结束治理整顿",
    task_names={"conclude": "结束治理整顿"},
    flow=[s.value for s in CAMPAIGN_STAGE_NAMES],
    start=Start(path="/campaigns", request=CampaignCreate, roles=frozenset({Role.CITY_NR}), build=build_start,
                summary="市自然资源局启动治理整顿（时间节点、每县督查组，可实行“两个暂停”）", label="启动治理整顿"),
    routes=routes, page=Page("kinds/campaign.html"), activities=lambda db: activity_methods(CampaignActivities(db)),
))
