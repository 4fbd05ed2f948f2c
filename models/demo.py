"""Demo registry for 中卫市 (seed 000): its three counties, their departments, a dozen mines, one user per role.

Names of people and enterprises are fictitious. Every demo user's password is `DEMO_PASSWORD`.
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.credit_code import check_character
from domain.mines import MineMethod
from domain.roles import DepartmentKind, Role
from models.classification_demo import seed_classification_demo
from models.registry import Department, Division, DivisionLevel, Enterprise, Mine, MineStatus, User
from models.rights_demo import seed_rights

DEMO_PASSWORD = "mineflow-demo"
CITY = "640500"


@dataclass(frozen=True)
class CountyDemo:
    code: str
    name: str
    short: str
    prefix: str  # username prefix
    inspection_group: str  # 督查组 (seed 000 附件)
    townships: tuple[tuple[str, str], ...]  # (name, username suffix)
    enterprises: tuple[str, ...]
    # (name, enterprise index, township index, mineral, method, 万吨/年, licence from, licence to)
    mines: tuple[tuple[str, int, int, str, MineMethod, float, date, date], ...]


OPEN, UNDER = MineMethod.OPEN_PIT, MineMethod.UNDERGROUND

COUNTIES: tuple[CountyDemo, ...] = (
    CountyDemo(
        "640502", "沙坡头区", "沙坡头", "spt", "第一督查组",
        (("香山乡", "xiangshan"), ("兴仁镇", "xingren"), ("常乐镇", "changle")),
        ("中卫市香山建材有限公司", "宁夏兴仁矿业有限公司"),
        (
            ("沙坡头区香山乡建筑石料用灰岩矿", 0, 0, "建筑石料用灰岩", OPEN, 50, date(2022, 3, 1), date(2030, 2, 28)),
            ("沙坡头区兴仁镇石膏矿", 1, 1, "石膏", UNDER, 30, date(2020, 7, 1), date(2030, 6, 30)),
            ("沙坡头区常乐镇建筑用砂矿", 0, 2, "建筑用砂", OPEN, 20, date(2023, 1, 1), date(2028, 12, 31)),
            ("沙坡头区香山乡黏土矿", 1, 0, "砖瓦用黏土", OPEN, 10, date(2021, 9, 1), date(2029, 8, 31)),
        ),
    ),
    CountyDemo(
        "640521", "中宁县", "中宁", "zn", "第二督查组",
        (("石空镇", "shikong"), ("鸣沙镇", "mingsha"), ("余丁乡", "yuding")),
        ("中宁县鑫源矿业有限公司", "宁夏鸣沙建材集团有限公司"),
        (
            ("中宁县石空镇双龙山石膏矿", 0, 0, "石膏", UNDER, 30, date(2021, 5, 1), date(2031, 4, 30)),
            ("中宁县鸣沙镇建筑用白云岩矿", 1, 1, "建筑用白云岩", OPEN, 50, date(2022, 6, 1), date(2032, 5, 31)),
            ("中宁县余丁乡水泥用灰岩矿", 1, 2, "水泥用灰岩", OPEN, 60, date(2020, 1, 1), date(2035, 12, 31)),
            # Licence lapsed: a reopening for it is refused at submission (LICENCE_EXPIRED).
            ("中宁县石空镇红梁子石膏矿", 0, 0, "石膏", UNDER, 15, date(2015, 1, 1), date(2025, 12, 31)),
        ),
    ),
    CountyDemo(
        "640522", "海原县", "海原", "hy", "第三督查组",
        (("李旺镇", "liwang"), ("关桥乡", "guanqiao"), ("史店乡", "shidian")),
        ("海原县恒达矿业有限公司", "宁夏西华山资源开发有限公司"),
        (
            ("海原县李旺镇石灰岩矿", 0, 0, "建筑石料用灰岩", OPEN, 30, date(2022, 8, 1), date(2030, 7, 31)),
            ("海原县关桥乡建筑用砂矿", 0, 1, "建筑用砂", OPEN, 20, date(2023, 4, 1), date(2029, 3, 31)),
            ("海原县史店乡铁矿", 1, 2, "铁矿", UNDER, 30, date(2019, 10, 1), date(2029, 9, 30)),
            ("海原县李旺镇白云岩矿", 1, 0, "建筑用白云岩", OPEN, 50, date(2024, 2, 1), date(2034, 1, 31)),
        ),
    ),
)

# (kind, name pattern, officer username suffix — None: the department's users are created separately)
DEPARTMENTS: tuple[tuple[DepartmentKind, str, str | None], ...] = (
    (DepartmentKind.NATURAL_RESOURCES, "{county}自然资源局", None),
    (DepartmentKind.EMERGENCY_MANAGEMENT, "{county}应急管理局", "emergency"),
    (DepartmentKind.ECOLOGY_ENVIRONMENT, "中卫市生态环境局{short}分局", "ecology"),
    (DepartmentKind.PUBLIC_SECURITY, "{county}公安局", "police"),
    (DepartmentKind.WATER_RESOURCES, "{county}水务局", "water"),
    (DepartmentKind.FORESTRY_GRASSLAND, "{county}林业和草原局", "forestry"),
    (DepartmentKind.POWER_SUPPLY, "国网{short}供电公司", "power"),
)


def org_code(serial: int) -> str:
    """A 9-character 组织机构代码 with its GB 11714 check character."""
    body = f"{serial:08d}"
    total = sum(int(ch) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(division_code: str, serial: int) -> str:
    """A valid 统一社会信用代码 for an enterprise (登记管理部门 9 工商, 机构类别 1 企业)."""
    first17 = "91" + division_code + org_code(serial)[:9]
    return first17[:17] + check_character(first17[:17])


def licence_no(division_code: str, valid_from: date, serial: int) -> str:
    return f"C{division_code}{valid_from.year}{valid_from.month:02d}7130{serial:06d}"


async def seed_demo(session: AsyncSession, password_hash: str) -> bool:
    """Insert the demo registry unless the city is already there; returns whether anything was inserted."""
    if await session.get(Division, CITY) is not None:
        return False
    session.add(Division(code="640000", name="宁夏回族自治区", short_name="宁夏", level=DivisionLevel.PROVINCE))
    session.add(Division(code=CITY, name="中卫市", short_name="中卫", level=DivisionLevel.CITY, parent_code="640000"))
    for county in COUNTIES:
        session.add(Division(code=county.code, name=county.name, short_name=county.short,
                             level=DivisionLevel.COUNTY, parent_code=CITY))
    await session.flush()

    def user(username: str, name: str, role: Role, division: str | None = None, department: int | None = None,
             enterprise: int | None = None) -> None:
        session.add(User(username=username, display_name=name, role=role, division_code=division,
                         department_id=department, enterprise_id=enterprise, password_hash=password_hash))

    user("admin", "系统管理员", Role.ADMIN)
    city_nr = Department(name="中卫市自然资源局", kind=DepartmentKind.NATURAL_RESOURCES, division_code=CITY)
    session.add(city_nr)
    await session.flush()
    user("city_nr", "中卫市自然资源局矿管科", Role.CITY_NR, CITY, city_nr.id)

    serial = 100
    for county in COUNTIES:
        p = county.prefix
        departments: dict[DepartmentKind, Department] = {}
        for kind, pattern, _ in DEPARTMENTS:
            departments[kind] = Department(name=pattern.format(county=county.name, short=county.short), kind=kind,
                                           division_code=county.code)
            session.add(departments[kind])
        townships = [Department(name=f"{county.name}{name}人民政府", kind=DepartmentKind.TOWNSHIP,
                                division_code=county.code) for name, _ in county.townships]
        session.add_all(townships)
        await session.flush()

        nr = departments[DepartmentKind.NATURAL_RESOURCES]
        user(f"{p}_nr", f"{county.name}自然资源局矿管股", Role.COUNTY_NR, county.code, nr.id)
        user(f"{p}_committee", f"{county.name}党委政府办公室（三重一大秘书）", Role.COMMITTEE_SECRETARY, county.code)
        user(f"{p}_supervisor", f"中卫市矿产资源开采治理整顿{county.inspection_group}", Role.SUPERVISOR, county.code)
        for kind, _, suffix in DEPARTMENTS:
            if suffix is not None:
                dept = departments[kind]
                user(f"{p}_{suffix}", f"{dept.name}经办人", Role.DEPARTMENT_OFFICER, county.code, dept.id)
        for (name, suffix), dept in zip(county.townships, townships, strict=True):
            user(f"{p}_{suffix}", f"{name}经办人", Role.DEPARTMENT_OFFICER, county.code, dept.id)
        for i in range(1, 4):
            user(f"{p}_expert{i}", f"{county.name}专家{'甲乙丙'[i - 1]}", Role.EXPERT, county.code)

        enterprises = []
        for i, name in enumerate(county.enterprises, start=1):
            serial += 1
            enterprise = Enterprise(name=name, credit_code=credit_code(county.code, serial), division_code=county.code)
            session.add(enterprise)
            await session.flush()
            enterprises.append(enterprise)
            user(f"{p}_ent{i}", f"{name}（企业经办人）", Role.ENTERPRISE, county.code, enterprise=enterprise.id)
        for name, ent, town, mineral, method, scale, valid_from, valid_to in county.mines:
            serial += 1
            session.add(Mine(name=name, enterprise_id=enterprises[ent].id, division_code=county.code,
                             township_id=townships[town].id, mineral=mineral, method=method, scale_wt=scale,
                             licence_no=licence_no(county.code, valid_from, serial),
                             licence_valid_from=valid_from, licence_valid_to=valid_to, status=MineStatus.SUSPENDED))
    await session.flush()
    await seed_rights(session)
    await seed_classification_demo(session)
    return True

