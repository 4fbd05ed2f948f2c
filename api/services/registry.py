"""Registry look-ups every procedure needs, each once: the facts of a mine, a county, a user an action names, a
countersign party, an expert panel, the departments of a county — as keyword-only functions that refuse with a
clear code when the registry has no such thing; and the registry as a caller may read it (their jurisdiction, or
their own enterprise), for `api/routes/registry.py` and the console's registry pages alike."""

from collections.abc import Iterable
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import Principal
from api.scope import can_view, division_filter, ensure_can_view
from domain.divisions import city_of, covers
from domain.errors import DomainError, ErrorCode
from domain.roles import DEPARTMENT_KIND_NAMES, DepartmentKind, Role
from models.cases import MineFacts, PartySpec, UserRef
from models.registry import Department, Division, DivisionLevel, Enterprise, Mine, User
from workflows.parts.countersign import expert_party


async def mine(*, session: AsyncSession, mine_id: int) -> Mine:
    found = await session.get(Mine, mine_id)
    if found is None:
        raise DomainError(ErrorCode.MINE_NOT_FOUND, details={"mine_id": mine_id})
    return found


async def mine_facts(*, session: AsyncSession, mine: Mine) -> MineFacts:
    """What a case keeps of its mine, copied at the start so the case reads the same forever."""
    enterprise = await session.get(Enterprise, mine.enterprise_id)
    county = await session.get(Division, mine.division_code)
    township = await session.get(Department, mine.township_id)
    assert enterprise is not None and county is not None and township is not None  # foreign keys
    return MineFacts(
        mine_id=mine.id or 0, mine_name=mine.name, enterprise_id=enterprise.id or 0, enterprise_name=enterprise.name,
        division_code=county.code, division_name=county.name, county_short_name=county.short_name,
        city_code=county.parent_code or city_of(county.code), township_id=township.id or 0,
        township_name=township.name, mineral=mine.mineral, method=mine.method, scale_wt=mine.scale_wt,
        licence_no=mine.licence_no, licence_valid_to=mine.licence_valid_to,
    )


async def county(*, session: AsyncSession, code: str) -> Division:
    found = await session.get(Division, code)
    if found is None or found.level is not DivisionLevel.COUNTY:
        raise DomainError(ErrorCode.DIVISION_NOT_FOUND, f"县（区）{code} 不存在", {"division_code": code})
    return found


async def city_of_county(*, session: AsyncSession, county: Division) -> Division:
    """The county's city (itself, should the registry lack it)."""
    return await session.get(Division, county.parent_code or city_of(county.code)) or county


async def enterprise(*, session: AsyncSession, enterprise_id: int, field: str = "enterprise_id") -> Enterprise:
    found = await session.get(Enterprise, enterprise_id)
    if found is None:
        raise DomainError(ErrorCode.ENTERPRISE_NOT_FOUND, details={field: enterprise_id})
    return found


async def user_ref(*, session: AsyncSession, username: str) -> UserRef:
    """A user an action names (reassign, delegate, copy), who must exist and be active."""
    user = (await session.exec(select(User).where(User.username == username))).first()
    if user is None or not user.is_active:
        raise DomainError(ErrorCode.USER_NOT_FOUND, f"用户 {username} 不存在或已停用", {"username": username})
    return UserRef(username=user.username, display_name=user.display_name, role=user.role,
                   department_id=user.department_id, division_code=user.division_code)


def is_expert_for(user: User | None, division_code: str) -> bool:
    """Experts of the case's county, or of the city pool above it."""
    return (user is not None and user.is_active and user.role is Role.EXPERT and user.division_code is not None
            and covers(user.division_code, division_code))


async def experts(*, session: AsyncSession, division_code: str, usernames: list[str]) -> list[PartySpec]:
    """An expert panel named by usernames: each an active expert of the case's county or its city, once."""
    users = {u.username: u for u in (await session.exec(select(User).where(col(User.username).in_(usernames)))).all()}
    unknown = [name for name in usernames if not is_expert_for(users.get(name), division_code)]
    if unknown:
        raise DomainError(ErrorCode.EXPERT_PANEL_INVALID, f"以下用户不是本县（市）可用的专家：{'、'.join(unknown)}",
                          {"unknown_experts": unknown})
    panel = [PartySpec(party=expert_party(name), name=f"专家 {users[name].display_name}", assignee=name)
             for name in dict.fromkeys(usernames)]
    if len(panel) != len(usernames):
        raise DomainError(ErrorCode.EXPERT_PANEL_INVALID, "专家名单有重复", {"experts": usernames})
    return panel


async def available_experts(*, session: AsyncSession, division_code: str) -> list[User]:
    """The experts a case of this county may call on (its own and its city's pool)."""
    rows = (await session.exec(select(User).where(User.role == Role.EXPERT, col(User.is_active).is_(True))
                               .order_by(col(User.username)))).all()
    return [u for u in rows if is_expert_for(u, division_code)]


async def department(*, session: AsyncSession, division_code: str, kind: DepartmentKind) -> Department | None:
    """The county's department of a kind (the first, should there be several)."""
    found: Department | None = (await session.exec(select(Department).where(
        Department.division_code == division_code, Department.kind == kind).order_by(col(Department.id)))).first()
    return found


async def departments_of(*, session: AsyncSession, division_code: str) -> dict[DepartmentKind, Department]:
    """The county's departments by kind (the first of each)."""
    found: dict[DepartmentKind, Department] = {}
    for dept in (await session.exec(select(Department).where(Department.division_code == division_code)
                                    .order_by(col(Department.id)))).all():
        found.setdefault(dept.kind, dept)
    return found


async def parties(*, session: AsyncSession, division_code: str, township_id: int,
                  kinds: Iterable[DepartmentKind], purpose: str) -> list[PartySpec]:
    """A countersign roster: the county's department of each kind (the mine's own township for 乡镇); a county
    lacking one is refused (REGISTRY_INCOMPLETE) naming what it lacks and what it was for."""
    by_kind = await departments_of(session=session, division_code=division_code)
    township = await session.get(Department, township_id)
    roster = []
    for kind in kinds:
        dept = township if kind is DepartmentKind.TOWNSHIP else by_kind.get(kind)
        if dept is None:
            county_ = await session.get(Division, division_code)
            raise DomainError(ErrorCode.REGISTRY_INCOMPLETE,
                              f"{county_.name if county_ else division_code}缺少{DEPARTMENT_KIND_NAMES[kind]}部门，"
                              f"无法{purpose}", {"missing_kind": kind.value})
        roster.append(PartySpec(party=kind.value, name=dept.name, department_id=dept.id))
    return roster


async def party_spec(*, session: AsyncSession, division_code: str, party: str) -> PartySpec:
    """The party a 加签 names: `expert:<username>` (an expert of the county or its city), or a department kind of
    the case's county (e.g. `forestry_grassland`, `power_supply`)."""
    if party.startswith("expert:"):
        username = party.removeprefix("expert:")
        user = (await session.exec(select(User).where(User.username == username))).first()
        if not is_expert_for(user, division_code):
            raise DomainError(ErrorCode.EXPERT_PANEL_INVALID, f"{username} 不是本县（市）可用的专家",
                              {"party": party})
        assert user is not None
        return PartySpec(party=expert_party(username), name=f"专家 {user.display_name}", assignee=username)
    try:
        kind = DepartmentKind(party)
    except ValueError as exc:
        raise DomainError(ErrorCode.VALIDATION_FAILED, f"未知的会签方：{party}", {"field": "party"}) from exc
    if kind is DepartmentKind.TOWNSHIP:
        raise DomainError(ErrorCode.VALIDATION_FAILED, "乡镇已是会签方；其他乡镇请以部门编号加签", {"field": "party"})
    dept = await department(session=session, division_code=division_code, kind=kind)
    if dept is None:
        raise DomainError(ErrorCode.DEPARTMENT_NOT_FOUND, f"本县（区）没有{DEPARTMENT_KIND_NAMES[kind]}部门",
                          {"party": party})
    return PartySpec(party=kind.value, name=dept.name, department_id=dept.id)


# ---- lists a form offers (the console's pickers) ---------------------------------------------------------------------

async def users(*, session: AsyncSession, roles: Iterable[Role], department_ids: Iterable[int] | None = None
                ) -> list[User]:
    """Active users of these roles (of these departments), by username."""
    statement = select(User).where(col(User.role).in_(list(roles)), col(User.is_active).is_(True))
    if department_ids is not None:
        statement = statement.where(col(User.department_id).in_(list(department_ids)))
    return list((await session.exec(statement.order_by(col(User.username)))).all())


async def enterprises(*, session: AsyncSession) -> list[Enterprise]:
    return list((await session.exec(select(Enterprise).order_by(col(Enterprise.id)))).all())


async def mines_of(*, session: AsyncSession, enterprise_id: int | None) -> list[Mine]:
    return list((await session.exec(select(Mine).where(Mine.enterprise_id == enterprise_id)
                                    .order_by(col(Mine.id)))).all())


async def mines_in(*, session: AsyncSession, division_codes: Iterable[str]) -> list[Mine]:
    return list((await session.exec(select(Mine).where(col(Mine.division_code).in_(list(division_codes)))
                                    .order_by(col(Mine.division_code), col(Mine.id)))).all())


async def counties(*, session: AsyncSession, within: str | None = None) -> list[Division]:
    """Counties, all or those a division (a city, a county itself) covers, by code."""
    rows = (await session.exec(select(Division).where(Division.level == DivisionLevel.COUNTY)
                               .order_by(col(Division.code)))).all()
    return [d for d in rows if within is None or covers(within, d.code)]


async def division_names(*, session: AsyncSession) -> dict[str, str]:
    return {d.code: d.name for d in (await session.exec(select(Division))).all()}


# ---- the registry as the caller may read it (GET /divisions, /departments, /enterprises, /mines) ------------------

def enterprise_scope(principal: Principal) -> Any:
    """An enterprise user sees its own enterprise; officials the enterprises of their jurisdiction."""
    if principal.role is Role.ENTERPRISE:
        return col(Enterprise.id) == principal.user.enterprise_id
    return division_filter(principal, Enterprise.division_code)


def mine_scope(principal: Principal) -> Any:
    """An enterprise user sees its own mines; officials the mines of their jurisdiction."""
    if principal.role is Role.ENTERPRISE:
        return col(Mine.enterprise_id) == principal.user.enterprise_id
    return division_filter(principal, Mine.division_code)


async def divisions(*, session: AsyncSession) -> list[Division]:
    return list((await session.exec(select(Division).order_by(col(Division.code)))).all())


async def departments(*, session: AsyncSession, principal: Principal, kind: DepartmentKind | None = None,
                      division_code: str | None = None) -> list[Department]:
    """Departments of the caller's jurisdiction (an enterprise sees them all: it needs to know whom it deals with)."""
    query = select(Department)
    if principal.role is not Role.ENTERPRISE:
        query = query.where(division_filter(principal, Department.division_code))
    if kind:
        query = query.where(col(Department.kind) == kind)
    if division_code:
        query = query.where(col(Department.division_code) == division_code)
    return list((await session.exec(query.order_by(col(Department.id)))).all())


async def enterprises_in_scope(*, session: AsyncSession, principal: Principal, page: int = 1,
                               page_size: int = 100) -> list[Enterprise]:
    query = select(Enterprise).where(enterprise_scope(principal)).order_by(col(Enterprise.id))
    return list((await session.exec(query.offset((page - 1) * page_size).limit(page_size))).all())


async def enterprise_in_scope(*, session: AsyncSession, principal: Principal, enterprise_id: int) -> Enterprise:
    """One enterprise the caller may see; any other is not found (its existence is not disclosed)."""
    found = await session.get(Enterprise, enterprise_id) if 0 < enterprise_id < 2**31 else None
    if found is None or not can_view(principal, found.division_code, found.id):
        raise DomainError(ErrorCode.ENTERPRISE_NOT_FOUND, details={"enterprise_id": enterprise_id})
    return found


async def mines_in_scope(*, session: AsyncSession, principal: Principal, page: int = 1, page_size: int = 100,
                         division_code: str | None = None, enterprise_id: int | None = None) -> list[Mine]:
    query = select(Mine).where(mine_scope(principal))
    if division_code:
        query = query.where(col(Mine.division_code) == division_code)
    if enterprise_id is not None:
        query = query.where(col(Mine.enterprise_id) == enterprise_id)
    query = query.order_by(col(Mine.id)).offset((page - 1) * page_size).limit(page_size)
    return list((await session.exec(query)).all())


async def mine_in_scope(*, session: AsyncSession, principal: Principal, mine_id: int) -> Mine:
    """One mine the caller may see (404 for an unknown id, 403 outside the caller's scope, as `GET /mines/{id}`)."""
    found = await session.get(Mine, mine_id) if 0 < mine_id < 2**31 else None
    if found is None:
        raise DomainError(ErrorCode.MINE_NOT_FOUND)
    ensure_can_view(principal, found.division_code, found.enterprise_id)
    return found


async def display_names(*, session: AsyncSession, usernames: Iterable[str]) -> dict[str, str]:
    """username → display name, for pages that show who did something (never `zn_police`)."""
    wanted = sorted(set(usernames))
    if not wanted:
        return {}
    rows = (await session.exec(select(User.username, User.display_name).where(col(User.username).in_(wanted)))).all()
    return dict(rows)


async def department_name(*, session: AsyncSession, department_id: int) -> str:
    """A department's (a township's) name, or "" for none."""
    found = await session.get(Department, department_id)
    return found.name if found else ""
