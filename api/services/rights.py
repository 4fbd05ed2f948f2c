"""Mining rights: the registry (register, read, correct, history), its rules for who issues a right, and the
checks a grant's block passes before it is proposed.

Registry writes are guarded by jurisdiction (the county's or city's bureau, or an admin) and checked against the
registered rights' ranges (no overlap).
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from api.scope import division_filter
from api.services import registry
from domain.citations import cite
from domain.divisions import covers
from domain.errors import DomainError, ErrorCode
from domain.rights import (
    DEFAULT_AUTHORITY_RULES,
    AuthorityRule,
    BlockFacts,
    RightStatus,
    authority_level,
    coordinates_problem,
    grant_findings,
    overlaps,
    parse_authority_rules,
)
from domain.roles import Role
from models.db import Database, utcnow
from models.registry import Enterprise, Mine
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
)
from settings import Settings

REGISTRARS = (Role.COUNTY_NR, Role.CITY_NR, Role.ADMIN)


def authority_rules(settings: Settings) -> Sequence[AuthorityRule]:
    return parse_authority_rules(settings.rights_authority_rules) if settings.rights_authority_rules \
        else DEFAULT_AUTHORITY_RULES


def ensure_registrar(principal: Principal, division_code: str) -> None:
    if principal.role not in REGISTRARS:
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "只有县、市自然资源局可以办理矿业权登记",
                          {"allowed": [r.value for r in REGISTRARS]})
    if principal.role is not Role.ADMIN and not (
            principal.user.division_code and covers(principal.user.division_code, division_code)):
        raise DomainError(ErrorCode.OUT_OF_JURISDICTION)


async def overlapping_rights(session: AsyncSession, area: list[list[float]], *, exclude: int | None = None
                             ) -> list[str]:
    """Licence numbers of valid rights whose range overlaps `area` (shapely; shared edges do not count)."""
    rows = (await session.exec(select(MiningRight).where(MiningRight.status == RightStatus.VALID))).all()
    return [r.licence_no for r in rows if r.id != exclude and overlaps(area, r.area) > 0]


async def licence_taken(*, session: AsyncSession, licence_no: str) -> bool:
    taken = (await session.exec(select(MiningRight.id).where(MiningRight.licence_no == licence_no))).first()
    await session.commit()
    return taken is not None


async def public(session: AsyncSession, right: MiningRight) -> MiningRightPublic:
    holder = await session.get(Enterprise, right.holder_enterprise_id)
    return MiningRightPublic(**right.model_dump(), holder_name=holder.name if holder else "")


def check_coordinates(area: list[list[float]], division_code: str) -> None:
    """422 naming `area` when the 拐点坐标 cannot lie in the division (domain/rights.py's extents). Checked here,
    at the API, not in the `Ring` type: grants carry their block into workflow histories, which must replay."""
    if problem := coordinates_problem(area, division_code):
        raise DomainError(ErrorCode.VALIDATION_FAILED, problem, {"errors": [
            {"field": "body.area", "type": "coordinates_out_of_range", "message": problem}]})


async def register_right(*, db: Database, principal: Principal, body: MiningRightCreate,
                         settings: Settings) -> MiningRightPublic:
    ensure_registrar(principal, body.division_code)
    check_coordinates(body.area, body.division_code)
    async with db.write() as session:
        await registry.county(session=session, code=body.division_code)
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
        ensure_registrar(principal, right.division_code)
        if body.area is not None:
            check_coordinates(body.area, right.division_code)
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


# ---- a grant's block, before it is proposed ----------------------------------------------------------------

async def grant_prechecks(session: AsyncSession, body: GrantCreate) -> None:
    """净矿, scale, service life and scale class (seed 002 §02(二)2, §04(二)4): every failure at once, each with its
    clause (422 GRANT_PRECHECK_FAILED)."""
    check_coordinates(body.area, body.division_code)
    block = BlockFacts(mineral=body.mineral, open_pit=body.open_pit, production_wt=body.production_wt,
                       service_years=body.service_years, deposit_scale=body.deposit_scale,
                       production_scale=body.production_scale, land_use_cleared=body.land_use_cleared,
                       forest_grassland_cleared=body.forest_grassland_cleared, outside_red_line=body.outside_red_line)
    findings = grant_findings(block, await overlapping_rights(session, body.area))
    if findings:
        raise DomainError(ErrorCode.GRANT_PRECHECK_FAILED,
                          "出让区块未通过出让前审查："
                          + "；".join(f"{f.message}（{cite(f.clause)}）" for f in findings),
                          {"findings": [{"check": f.check.value, "message": f.message, "clause": f.clause}
                                        for f in findings]})
