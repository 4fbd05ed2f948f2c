"""采矿权转让 (transfer), 《探矿权采矿权转让管理办法》(国务院令第242号): the holder applies with the transferee,
the issuing bureau reviews it (第八条 documents), the county 三重一大 (and, for a city-issued right, the city
government meeting) decides, the bureau approves within 40 days (第十条), the parties register the change within
60 days, and a county's transfer is filed with the city.

The workflow and its actions: workflows/transfer.py. Its wire models: models/rights_cases.py. Its rules:
domain/rights.py. The registry of rights: api/services/rights.py.
"""

from dataclasses import asdict

from activities.rights import RightsActivities
from api.kinds import Kind, Page, Start, Starting, activity_methods, register
from api.services import cases, registry
from domain.errors import DomainError, ErrorCode
from domain.rights import (
    TRANSFER_MATERIAL_NAMES,
    TRANSFER_MATERIALS_CLAUSE,
    TRANSFER_TASK_NAMES,
    AuthorityLevel,
    RightKind,
    RightStatus,
    TransferPeriods,
    TransferStage,
    periods_with,
)
from domain.roles import Role
from models.rights import MiningRight
from models.rights_cases import TransferCreate, TransferPolicy, TransferRightFacts, TransferStart
from settings import Settings
from workflows.transfer import TransferWorkflow


def transfer_policy(settings: Settings) -> TransferPolicy:
    return TransferPolicy(**asdict(periods_with(TransferPeriods(), settings.policy_overrides("transfer"))))


async def build_start(starting: Starting, body: TransferCreate) -> TransferStart:
    """Only the holder of a valid mining right applies, naming another enterprise; one open transfer per right."""
    session, principal = starting.session, starting.principal
    right = await session.get(MiningRight, body.right_id)
    if right is None:
        raise DomainError(ErrorCode.RIGHT_NOT_FOUND, details={"right_id": body.right_id})
    if right.kind is not RightKind.MINING:
        raise DomainError(ErrorCode.RIGHT_NOT_VALID, "探矿权转让（第五条）尚未开通，本流程办理采矿权转让",
                          {"kind": right.kind.value})
    if right.holder_enterprise_id != principal.user.enterprise_id:
        raise DomainError(ErrorCode.NOT_YOUR_CASE, "只有采矿权人（转让人）可以提出转让申请")
    if right.status is not RightStatus.VALID:
        raise DomainError(ErrorCode.RIGHT_NOT_VALID, details={"status": right.status.value})
    if body.transferee_enterprise_id == right.holder_enterprise_id:
        raise DomainError(ErrorCode.TRANSFER_PARTIES_INVALID, "受让人不能是转让人本人")
    transferor = await registry.enterprise(session=session, enterprise_id=right.holder_enterprise_id)
    transferee = await registry.enterprise(session=session, enterprise_id=body.transferee_enterprise_id,
                                           field="transferee_enterprise_id")
    if (open_case := await cases.open_case_of(session=session, kind=TRANSFER, licence_no=right.licence_no)) \
            is not None:
        raise DomainError(ErrorCode.TRANSFER_ALREADY_OPEN, details={"case_id": open_case})
    county = await registry.county(session=session, code=right.division_code)
    city = await registry.city_of_county(session=session, county=county)
    authority = city if right.authority_level is AuthorityLevel.CITY else county
    assert right.id is not None
    facts = TransferRightFacts(
        right_id=right.id, licence_no=right.licence_no, mine_name=right.mine_name, mine_id=right.mine_id,
        mineral=right.mineral, scale=right.scale, authority_level=right.authority_level,
        division_code=county.code, division_name=county.name, city_code=city.code, city_name=city.name,
        state_owned=right.state_owned, ownership_dispute=right.ownership_dispute,
        production_started_on=right.production_started_on, valid_to=right.valid_to,
        authority_code=authority.code, authority_short_name=authority.short_name)
    return TransferStart(case_id=cases.new_case_id(TRANSFER), right=facts, transferor_id=transferor.id or 0,
                         transferor_name=transferor.name, transferee_id=transferee.id or 0,
                         transferee_name=transferee.name, reason=body.reason, price_wan_yuan=body.price_wan_yuan,
                         evidence=body.evidence, materials=body.materials, applicant=principal.actor(),
                         policy=transfer_policy(starting.settings))


TRANSFER = register(Kind(
    code="transfer", prefix="ZR", name="采矿权转让", workflow=TransferWorkflow, family="rights",
    description=("转让人申请、受让人确认 → 受理审查 → 县三重一大（市级发证另经市政府会议）→ 准予或不准转让 → 变更登记"
                 " → 市局备案"),
    short_stage_names={"joint_application": "共同申请", "committee_review": "三重一大", "city_meeting": "市政府会议",
                       "decision": "审批决定", "suspended": "期限中止"},
    task_names=TRANSFER_TASK_NAMES,
    final_stages=frozenset({TransferStage.COMPLETED, TransferStage.REFUSED, TransferStage.LAPSED}),
    flow=[TransferStage.JOINT_APPLICATION, TransferStage.REVIEW, TransferStage.COMMITTEE_REVIEW,
          TransferStage.CITY_MEETING, TransferStage.DECISION, TransferStage.REGISTRATION, TransferStage.CITY_FILING,
          TransferStage.COMPLETED],
    side_loops={TransferStage.CORRECTION: (TransferStage.REVIEW, "correction_requested"),
                TransferStage.SUSPENDED: (TransferStage.DECISION, "clock_paused")},
    start=Start(path="/transfers", request=TransferCreate, roles=frozenset({Role.ENTERPRISE}), build=build_start,
                summary="转让人（采矿权人）提交采矿权转让申请（受让人确认后视为共同申请）", label="申请采矿权转让"),
    policy=transfer_policy, page=Page("kinds/transfer.html", context=lambda case: {
        "transfer_material": {k.value: n for k, n in TRANSFER_MATERIAL_NAMES.items()},
        "transfer_material_clause": dict.fromkeys((k.value for k in TRANSFER_MATERIAL_NAMES),
                                                  TRANSFER_MATERIALS_CLAUSE)}),
    activities=lambda db: activity_methods(RightsActivities(db)),
))
