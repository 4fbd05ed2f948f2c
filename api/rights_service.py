"""Mining rights: the registry (register, read, correct, history) and starting transfer and grant cases.

Registry writes are guarded by jurisdiction (the county's or city's bureau, or an admin) and checked against the
registered rights' ranges (no overlap). Starting a case checks the facts only the registry knows, then hands over
to `case_service.start_case`.
"""

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.case_service import new_case_id, start_case
from api.deps import Principal
from api.rights_kinds import GRANT, TRANSFER
from api.scope import division_filter
from domain.cases import Status
from domain.divisions import city_of, covers
from domain.errors import DomainError, ErrorCode
from domain.rights import (
    DEFAULT_AUTHORITY_RULES,
    AuthorityLevel,
    AuthorityRule,
    BlockFacts,
    GrantPeriods,
    RightKind,
    RightStatus,
    TransferPeriods,
    authority_level,
    grant_findings,
    overlaps,
    parse_authority_rules,
    periods_with,
)
from domain.roles import Role
from models.db import Database, utcnow
from models.projection import CaseRecord
from models.registry import Division, Enterprise, Mine
from models.rights import (
    RIGHT_CHANGE_NAMES,
    MiningRight,
    MiningRightCreate,
    MiningRightHistory,
    MiningRightHistoryPublic,
    MiningRightPublic,
    MiningRightUpdate,
    RightChange,
    add_right,
)
from models.rights_cases import (
    GrantCreate,
    GrantPolicy,
    GrantStart,
    GrantView,
    TransferCreate,
    TransferPolicy,
    TransferRightFacts,
    TransferStart,
    TransferView,
)
from settings import Settings

REGISTRARS = (Role.COUNTY_NR, Role.CITY_NR, Role.ADMIN)


def authority_rules(settings: Settings) -> Sequence[AuthorityRule]:
    return parse_authority_rules(settings.rights_authority_rules) if settings.rights_authority_rules \
        else DEFAULT_AUTHORITY_RULES


def transfer_policy(settings: Settings) -> TransferPolicy:
    return TransferPolicy(**asdict(periods_with(TransferPeriods(), settings.transfer_periods)))


def grant_policy(settings: Settings) -> GrantPolicy:
    return GrantPolicy(**asdict(periods_with(GrantPeriods(), settings.grant_periods)))


def _ensure_registrar(principal: Principal, division_code: str) -> None:
    if principal.role not in REGISTRARS:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "只有县、市自然资源局可以办理矿业权登记",
                          {"allowed": [r.value for r in REGISTRARS]})
    if principal.role is not Role.ADMIN and not (
            principal.user.division_code and covers(principal.user.division_code, division_code)):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)


async def _county(session: AsyncSession, code: str) -> Division:
    county = await session.get(Division, code)
    if county is None or county.level.value != "county":
        raise DomainError(ErrorCode.DIVISION_NOT_FOUND, f"县（区）{code} 不存在", {"division_code": code})
    return county


async def overlapping_rights(session: AsyncSession, area: list[list[float]], *, exclude: int | None = None
                             ) -> list[str]:
    """Licence numbers of valid rights whose range overlaps `area` (shapely; shared edges do not count)."""
    rows = (await session.exec(select(MiningRight).where(MiningRight.status == RightStatus.VALID))).all()
    return [r.licence_no for r in rows if r.id != exclude and overlaps(area, r.area) > 0]


async def public(session: AsyncSession, right: MiningRight) -> MiningRightPublic:
    holder = await session.get(Enterprise, right.holder_enterprise_id)
    return MiningRightPublic(**right.model_dump(), holder_name=holder.name if holder else "")


async def register_right(*, db: Database, principal: Principal, body: MiningRightCreate,
                         settings: Settings) -> MiningRightPublic:
    _ensure_registrar(principal, body.division_code)
    async with db.write() as session:
        await _county(session, body.division_code)
        if await session.get(Enterprise, body.holder_enterprise_id) is None:
            raise DomainError(ErrorCode.ENTERPRISE_NOT_FOUND,
                              details={"holder_enterprise_id": body.holder_enterprise_id})
        if body.mine_id is not None and await session.get(Mine, body.mine_id) is None:
            raise DomainError(ErrorCode.MINE_NOT_FOUND, details={"mine_id": body.mine_id})
        if (await session.exec(select(MiningRight.id).where(MiningRight.licence_no == body.licence_no))).first():
            raise DomainError(ErrorCode.LICENCE_NO_TAKEN, details={"licence_no": body.licence_no})
        if clash := await overlapping_rights(session, body.area):
            raise DomainError(ErrorCode.RIGHT_AREA_OVERLAPS, f"矿区范围与已登记的矿业权重叠：{'、'.join(clash)}",
                              {"overlapping": clash})
        right = await add_right(session, MiningRight(**body.model_dump(), authority_level=authority_level(
            body.mineral, body.scale, authority_rules(settings))), reason="登记簿录入", by_username=principal.username)
        return await public(session, right)


async def update_right(*, db: Database, principal: Principal, right_id: int,
                       body: MiningRightUpdate) -> MiningRightPublic:
    """A registry correction: one history row per kind of change (scale, area, validity, status)."""
    async with db.write() as session:
        right = await session.get(MiningRight, right_id)
        if right is None:
            raise DomainError(ErrorCode.RIGHT_NOT_FOUND, details={"right_id": right_id})
        _ensure_registrar(principal, right.division_code)
        groups: dict[RightChange, tuple[str, ...]] = {
            RightChange.SCALE: ("scale", "scale_wt"), RightChange.AREA: ("area",),
            RightChange.VALIDITY: ("valid_from", "valid_to"), RightChange.STATUS: ("ownership_dispute",),
        }
        # null means "unchanged": every registry field is required
        changes = {k: v for k, v in body.model_dump(exclude_unset=True, exclude={"reason"}, mode="json").items()
                   if v is not None}
        if body.area is not None and (clash := await overlapping_rights(session, body.area, exclude=right_id)):
            raise DomainError(ErrorCode.RIGHT_AREA_OVERLAPS, f"矿区范围与已登记的矿业权重叠：{'、'.join(clash)}",
                              {"overlapping": clash})
        current = right.model_dump(mode="json")
        new_from = body.valid_from or right.valid_from
        new_to = body.valid_to or right.valid_to
        if new_to <= new_from:
            raise DomainError(ErrorCode.DATE_INVALID, "有效期止日必须晚于起日")
        for change, names in groups.items():
            touched = {n: changes[n] for n in names if n in changes and changes[n] != current[n]}
            if not touched:
                continue
            session.add(MiningRightHistory(right_id=right_id, change=change,
                                           before={n: current[n] for n in touched}, after=touched,
                                           reason=body.reason, by_username=principal.username))
            for name in touched:
                setattr(right, name, getattr(body, name))
        right.version += 1
        right.updated_at = utcnow()
        session.add(right)
        return await public(session, right)


def _can_read(principal: Principal, right: MiningRight) -> bool:
    if principal.role is Role.ENTERPRISE:
        return principal.user.enterprise_id == right.holder_enterprise_id
    if principal.role is Role.ADMIN:
        return True
    return principal.user.division_code is not None and covers(principal.user.division_code, right.division_code)


async def read_right(session: AsyncSession, principal: Principal, right_id: int) -> MiningRight:
    right = await session.get(MiningRight, right_id)
    if right is None or not _can_read(principal, right):
        raise DomainError(ErrorCode.RIGHT_NOT_FOUND, details={"right_id": right_id})
    return right


async def list_rights(session: AsyncSession, principal: Principal, *, division_code: str | None,
                      status: RightStatus | None, holder_enterprise_id: int | None, page: int, page_size: int
                      ) -> tuple[list[MiningRightPublic], int]:
    conditions: list[Any] = []
    if principal.role is Role.ENTERPRISE:
        conditions.append(col(MiningRight.holder_enterprise_id) == principal.user.enterprise_id)
    else:
        conditions.append(division_filter(principal, MiningRight.division_code))
    if division_code:
        conditions.append(col(MiningRight.division_code) == division_code)
    if status:
        conditions.append(col(MiningRight.status) == status)
    if holder_enterprise_id:
        conditions.append(col(MiningRight.holder_enterprise_id) == holder_enterprise_id)
    total = (await session.exec(select(func.count()).select_from(MiningRight).where(*conditions))).one()
    rows = (await session.exec(select(MiningRight).where(*conditions).order_by(col(MiningRight.id))
                               .offset((page - 1) * page_size).limit(page_size))).all()
    return [await public(session, r) for r in rows], total


async def right_history(session: AsyncSession, principal: Principal, right_id: int) -> list[MiningRightHistoryPublic]:
    await read_right(session, principal, right_id)
    rows = (await session.exec(select(MiningRightHistory).where(MiningRightHistory.right_id == right_id)
                               .order_by(col(MiningRightHistory.id)))).all()
    return [MiningRightHistoryPublic(**r.model_dump(), change_name=RIGHT_CHANGE_NAMES[r.change]) for r in rows]


# ---- starting a transfer -----------------------------------------------------------------------------------------

async def start_transfer(*, session: AsyncSession, db: Database, temporal: Client, settings: Settings,
                         principal: Principal, body: TransferCreate, idempotency_key: str | None) -> TransferView:
    async def build() -> TransferStart:
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
        transferor = await session.get(Enterprise, right.holder_enterprise_id)
        transferee = await session.get(Enterprise, body.transferee_enterprise_id)
        if transferee is None:
            raise DomainError(ErrorCode.ENTERPRISE_NOT_FOUND, details={"transferee_enterprise_id":
                                                                       body.transferee_enterprise_id})
        open_case = (await session.exec(select(CaseRecord.case_id).where(
            CaseRecord.kind == "transfer", CaseRecord.licence_no == right.licence_no,
            CaseRecord.status == Status.ACTIVE.value))).first()
        if open_case is not None:
            raise DomainError(ErrorCode.TRANSFER_ALREADY_OPEN, details={"case_id": open_case})
        county = await _county(session, right.division_code)
        authority = county
        if right.authority_level is AuthorityLevel.CITY:
            authority = await session.get(Division, county.parent_code or city_of(county.code)) or county
        assert transferor is not None and right.id is not None
        facts = TransferRightFacts(
            right_id=right.id, licence_no=right.licence_no, mine_name=right.mine_name, mine_id=right.mine_id,
            mineral=right.mineral, scale=right.scale, authority_level=right.authority_level,
            division_code=county.code, division_name=county.name, city_code=county.parent_code or city_of(county.code),
            state_owned=right.state_owned, ownership_dispute=right.ownership_dispute,
            production_started_on=right.production_started_on, valid_to=right.valid_to,
            authority_code=authority.code, authority_short_name=authority.short_name)
        return TransferStart(case_id=new_case_id(TRANSFER.prefix, utcnow()), right=facts,
                             transferor_id=transferor.id or 0, transferor_name=transferor.name,
                             transferee_id=transferee.id or 0, transferee_name=transferee.name, reason=body.reason,
                             price_wan_yuan=body.price_wan_yuan, evidence=body.evidence, materials=body.materials,
                             applicant=principal.actor(), policy=transfer_policy(settings))

    view = await start_case(kind=TRANSFER, session=session, db=db, temporal=temporal, settings=settings,
                            principal=principal, body=body, idempotency_key=idempotency_key, build=build,
                            start_type=TransferStart)
    assert isinstance(view, TransferView)
    return view


# ---- proposing a grant -------------------------------------------------------------------------------------------

async def grant_prechecks(session: AsyncSession, body: GrantCreate) -> None:
    """净矿, scale, service life and scale class (seed 002 §03, §04(二)4): every failure at once, each with its
    clause (422 GRANT_PRECHECK_FAILED)."""
    block = BlockFacts(mineral=body.mineral, open_pit=body.open_pit, production_wt=body.production_wt,
                       service_years=body.service_years, deposit_scale=body.deposit_scale,
                       production_scale=body.production_scale, land_use_cleared=body.land_use_cleared,
                       forest_grassland_cleared=body.forest_grassland_cleared, outside_red_line=body.outside_red_line)
    findings = grant_findings(block, await overlapping_rights(session, body.area))
    if findings:
        raise DomainError(ErrorCode.GRANT_PRECHECK_FAILED,
                          "出让区块未通过出让前审查：" + "；".join(f"{f.message}（{f.clause}）" for f in findings),
                          {"findings": [{"check": f.check.value, "message": f.message, "clause": f.clause}
                                        for f in findings]})


async def start_grant(*, session: AsyncSession, db: Database, temporal: Client, settings: Settings,
                      principal: Principal, body: GrantCreate, idempotency_key: str | None) -> GrantView:
    async def build() -> GrantStart:
        _ensure_registrar(principal, body.division_code)
        county = await _county(session, body.division_code)
        level = authority_level(body.mineral, body.production_scale, authority_rules(settings))
        # A county proposes city-level blocks too: they pass its 三重一大, then the city government meeting.
        await grant_prechecks(session, body)
        return GrantStart(case_id=new_case_id(GRANT.prefix, utcnow()), block=body, authority_level=level,
                          division_name=county.name, city_code=county.parent_code or city_of(county.code),
                          county_short_name=county.short_name, proposer=principal.actor(),
                          policy=grant_policy(settings))

    view = await start_case(kind=GRANT, session=session, db=db, temporal=temporal, settings=settings,
                            principal=principal, body=body, idempotency_key=idempotency_key, build=build,
                            start_type=GrantStart)
    assert isinstance(view, GrantView)
    return view

