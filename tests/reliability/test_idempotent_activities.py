"""Activities are idempotent by design (keyed writes): Temporal may run one twice, and nothing doubles."""

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select

from activities.cases import CaseActivities
from domain.cases import Status
from models.audit import AuditEntry, verify_chain
from models.cases import ProjectionRow, SyncCaseInput, TaskRow, TimelineEntry
from models.db import utcnow
from models.projection import CaseRecord, CaseTask


def payload(version: int, stage: str, entries: list[int]) -> SyncCaseInput:
    now = utcnow()
    row = ProjectionRow(case_id="KFG-TEST-1", kind="reopening", title="测试矿山 开复工", mine_id=None, mine_name=None,
                        licence_no=None, enterprise_id=None, enterprise_name=None, division_code="640521",
                        city_code="640500", stage=stage, status=Status.ACTIVE, overdue=False, deadline=None,
                        next_due_at=None, round_no=1, document_no=None, summary="", version=version,
                        submitted_at=now - timedelta(days=1), updated_at=now, closed_at=None)
    tasks = [TaskRow(task="sign_off", party=p, name=p, role="department_officer", division_code="640521")
             for p in ("public_security", "water_resources")]
    return SyncCaseInput(record=row, tasks=tasks, new_entries=[
        TimelineEntry(seq=n, at=now, actor="zn_nr", actor_name="县局", role="county_nr", action="test",
                      detail=f"第{n}条") for n in entries])


async def counts(db):
    async with db.session() as session:
        records = (await session.exec(select(func.count()).select_from(CaseRecord))).one()
        tasks = (await session.exec(select(func.count()).select_from(CaseTask))).one()
        audit = (await session.exec(select(func.count()).select_from(AuditEntry)
                                    .where(col(AuditEntry.case_id) == "KFG-TEST-1"))).one()
        stage = (await session.get(CaseRecord, "KFG-TEST-1")).stage
        chain = await verify_chain(session)
    return records, tasks, audit, stage, chain.ok


async def test_sync_case_run_twice_writes_once(db):
    activities = CaseActivities(db)
    first = payload(1, "intake", [1, 2])
    await activities.sync_case(first)
    await activities.sync_case(first)  # a retry after the first attempt committed
    assert await counts(db) == (1, 2, 2, "intake", True)


async def test_a_late_stale_write_never_rolls_the_projection_back(db):
    activities = CaseActivities(db)
    await activities.sync_case(payload(1, "intake", [1]))
    await activities.sync_case(payload(2, "joint_acceptance", [2, 3]))
    await activities.sync_case(payload(1, "intake", [1]))  # the retried first write arrives last
    assert await counts(db) == (1, 2, 3, "joint_acceptance", True)
