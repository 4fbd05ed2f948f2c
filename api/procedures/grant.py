"""采矿权出让 (grant), seed 000 §二(三), seed 002 §03, §04(二)4: a county (or city) bureau proposes a block that
passes the pre-grant checks (净矿, scale, service life); the capacity ledger reserves its capacity (双挂钩一达标);
the county 三重一大 (and the city government meeting for a city-issued right) decides; 招拍挂 runs its 公告, 竞价
and 公示 periods; the contract, the fee, and the registration that issues the new right.

The workflow and its actions: workflows/grant.py. Its wire models: models/rights_cases.py. Its rules:
domain/rights.py and domain/ledger.py.
"""

from dataclasses import asdict

from activities.rights import RightsActivities
from api.kinds import Acting, Kind, Page, Start, Starting, activity_methods, prepares, register
from api.services import cases, registry, rights
from domain.errors import DomainError, ErrorCode
from domain.rights import GRANT_TASK_NAMES, GrantPeriods, GrantStage, authority_level, periods_with
from domain.roles import Role
from models.rights_cases import (
    GrantCreate,
    GrantPolicy,
    GrantRegistrationInput,
    GrantRegistrationRequest,
    GrantResultInput,
    GrantResultRequest,
    GrantStart,
)
from settings import Settings
from workflows.grant import GrantWorkflow


def grant_policy(settings: Settings) -> GrantPolicy:
    return GrantPolicy(**asdict(periods_with(GrantPeriods(), settings.policy_overrides("grant"))))


async def build_start(starting: Starting, body: GrantCreate) -> GrantStart:
    """The proposing bureau's jurisdiction, then the pre-grant checks (every failure at once, with its clause)."""
    session, principal = starting.session, starting.principal
    rights.ensure_registrar(principal, body.division_code)
    county = await registry.county(session=session, code=body.division_code)
    city = await registry.city_of_county(session=session, county=county)
    level = authority_level(body.mineral, body.production_scale, rights.authority_rules(starting.settings))
    # A county proposes city-level blocks too: they pass its 三重一大, then the city government meeting.
    await rights.grant_prechecks(session, body)
    return GrantStart(case_id=cases.new_case_id(GRANT), block=body, authority_level=level, division_name=county.name,
                      city_code=city.code, city_name=city.name, county_short_name=county.short_name,
                      proposer=principal.actor(), policy=grant_policy(starting.settings))


@prepares(GrantWorkflow.grant_result)
async def grant_result_input(acting: Acting, body: GrantResultRequest) -> GrantResultInput:
    """The winner is a registered enterprise; the case carries its name."""
    winner = await registry.enterprise(session=acting.session, enterprise_id=body.winner_enterprise_id,
                                       field="winner_enterprise_id")
    return GrantResultInput(actor=acting.actor, winner_enterprise_id=body.winner_enterprise_id,
                            winner_name=winner.name, price_wan_yuan=body.price_wan_yuan, note=body.note)


@prepares(GrantWorkflow.grant_registration)
async def grant_registration_input(acting: Acting, body: GrantRegistrationRequest) -> GrantRegistrationInput:
    """A licence number not yet in the registry (the issuing activity guards it again, once)."""
    if await rights.licence_taken(session=acting.session, licence_no=body.licence_no):
        raise DomainError(ErrorCode.LICENCE_NO_TAKEN, details={"licence_no": body.licence_no})
    return GrantRegistrationInput(actor=acting.actor, **body.model_dump())


GRANT = register(Kind(
    code="grant", prefix="CR", name="采矿权出让", workflow=GrantWorkflow, family="rights",
    description=("出让前审查 → 产能台账校验 → 县三重一大（市级发证另经市政府会议）→ 公告 → 竞价 → 结果公示 → 合同"
                 " → 出让收益 → 设立登记"),
    short_stage_names={"capacity_check": "产能校验", "committee_review": "三重一大", "city_meeting": "市政府会议",
                       "bidding": "招拍挂", "objection_review": "异议处理", "fee_payment": "缴纳收益"},
    task_names=GRANT_TASK_NAMES,
    final_stages=frozenset({GrantStage.COMPLETED, GrantStage.REFUSED, GrantStage.LAPSED}),
    flow=[GrantStage.CAPACITY_CHECK, GrantStage.COMMITTEE_REVIEW, GrantStage.CITY_MEETING, GrantStage.ANNOUNCEMENT,
          GrantStage.BIDDING, GrantStage.PUBLICITY, GrantStage.CONTRACT, GrantStage.FEE_PAYMENT,
          GrantStage.REGISTRATION, GrantStage.COMPLETED],
    side_loops={GrantStage.OBJECTION_REVIEW: (GrantStage.PUBLICITY, "objection_received")},
    start=Start(path="/grants", request=GrantCreate, roles=frozenset({Role.COUNTY_NR, Role.CITY_NR, Role.ADMIN}),
                build=build_start, summary="县（市）自然资源局提出出让区块（出让前审查：净矿、规模、服务年限）",
                label="提出出让区块"),
    policy=grant_policy, page=Page("kinds/grant.html"), activities=lambda db: activity_methods(RightsActivities(db)),
))
