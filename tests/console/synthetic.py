"""A projection of many cases (no workflows behind them) over the demo registry: for the pages that read only the
projection — list, inbox, dashboard — at the scale of a city's years of work, and for their screenshots."""

import random
from datetime import datetime, timedelta

from sqlmodel import select

from domain.calendar import local_date
from domain.reopening import Stage, Status
from domain.roles import DepartmentKind, Role
from models.db import Database, utcnow
from models.projection import CaseRecord, CaseTask
from models.registry import Department, Enterprise, Mine

OPEN = [Stage.INTAKE, Stage.CORRECTION, Stage.JOINT_ACCEPTANCE, Stage.RECTIFICATION, Stage.COMMITTEE_REVIEW,
        Stage.APPROVAL, Stage.RESUMPTION, Stage.CITY_FILING]
SIGNING = [DepartmentKind.EMERGENCY_MANAGEMENT, DepartmentKind.ECOLOGY_ENVIRONMENT, DepartmentKind.PUBLIC_SECURITY,
           DepartmentKind.WATER_RESOURCES]


async def fill_projection(db: Database, count: int, *, seed: int = 7, now: datetime | None = None) -> dict[str, int]:
    """`count` cases over the last ~14 months: most closed, the open ones spread over the stages, some of their
    inbox items overdue. Returns a few totals for the test to check against."""
    rng, now = random.Random(seed), now or utcnow()
    async with db.session() as session:
        mines = (await session.exec(select(Mine))).all()
        enterprises = {e.id: e for e in (await session.exec(select(Enterprise))).all()}
        departments = (await session.exec(select(Department))).all()
    by_county = {(d.division_code, d.kind): d for d in departments}
    totals = {"open": 0, "overdue_tasks": 0, "zn_open": 0}
    records, tasks = [], []
    for i in range(count):
        mine = rng.choice(mines)
        submitted = now - timedelta(days=rng.uniform(0, 420), hours=rng.uniform(0, 12))
        age = (now - submitted).days
        is_open = (age < 60 and rng.random() < 0.7) or rng.random() < 0.04
        if is_open:
            stage, status, closed = rng.choice(OPEN), Status.ACTIVE, None
        else:
            status = rng.choices([Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN], [8, 1, 1])[0]
            stage = Stage.COMPLETED if status is Status.COMPLETED else rng.choice(OPEN[:5])
            closed = min(now, submitted + timedelta(days=rng.uniform(15, 60)))
        case_id = f"KFG-{local_date(submitted):%Y%m%d}-S{i:05d}"
        overdue_days = rng.choice([0, 0, 0, 0, 2, 5, 9]) if is_open else 0
        due_at = now + timedelta(days=rng.uniform(1, 12)) if not overdue_days else now - timedelta(days=overdue_days)
        records.append(CaseRecord(
            case_id=case_id, kind="reopening", title=f"{mine.name} 开复工", mine_id=mine.id or 0, mine_name=mine.name,
            licence_no=mine.licence_no, enterprise_id=mine.enterprise_id,
            enterprise_name=enterprises[mine.enterprise_id].name, division_code=mine.division_code,
            city_code=mine.division_code[:4] + "00", stage=stage.value, status=status.value,
            overdue=bool(overdue_days), deadline=local_date(due_at) if is_open else None,
            next_due_at=due_at if is_open else None, round_no=1, summary="", version=1, submitted_at=submitted,
            updated_at=closed or now, closed_at=closed))
        if not is_open:
            continue
        totals["open"] += 1
        totals["zn_open"] += mine.division_code == "640521"
        totals["overdue_tasks"] += bool(overdue_days) and stage is Stage.JOINT_ACCEPTANCE
        if stage is Stage.JOINT_ACCEPTANCE:
            late_party = rng.choice(SIGNING)
            for kind in SIGNING:
                dept = by_county[(mine.division_code, kind)]
                late = bool(overdue_days) and kind is late_party
                tasks.append(CaseTask(
                    case_id=case_id, task="sign_off", party=kind.value, name=dept.name,
                    role=Role.DEPARTMENT_OFFICER.value, division_code=mine.division_code, department_id=dept.id,
                    due_at=due_at if late else now + timedelta(days=3), overdue=late))
        else:
            role = {Stage.INTAKE: Role.COUNTY_NR, Stage.APPROVAL: Role.COUNTY_NR, Stage.CITY_FILING: Role.CITY_NR,
                    Stage.COMMITTEE_REVIEW: Role.COMMITTEE_SECRETARY}.get(stage, Role.ENTERPRISE)
            name = {Role.COUNTY_NR: by_county[(mine.division_code, DepartmentKind.NATURAL_RESOURCES)].name,
                    Role.CITY_NR: "市自然资源局", Role.COMMITTEE_SECRETARY: "县党委政府（三重一大）"}.get(
                role, enterprises[mine.enterprise_id].name)
            tasks.append(CaseTask(
                case_id=case_id, task={Stage.INTAKE: "intake", Stage.APPROVAL: "approval"}.get(stage, stage.value),
                party=role.value, name=name, role=role.value, division_code=mine.division_code,
                enterprise_id=mine.enterprise_id if role is Role.ENTERPRISE else None,
                due_at=due_at, overdue=bool(overdue_days)))
    async with db.write() as session:
        session.add_all(records)
        await session.flush()
        session.add_all(tasks)
    return totals
