"""A whole campaign over the demo city (中卫市, 33 mines: the demo's twelve and 21 more): opened with the 两个暂停,
every mine rectified (一矿一策, 逐项销号, county and 自治区 acceptance) or closed (关闭取缔), then concluded."""

from datetime import date, timedelta

from sqlmodel import select

from domain.mines import MineMethod
from models.registry import Department, Enterprise, Mine, MineStatus, User
from tests.campaign.support import COUNTY_NR, open_campaign

PREFIX = {"640502": "spt", "640521": "zn", "640522": "hy"}
ITEMS = [
    {"check": "safety", "link": "suspension", "description": "排查整治安全隐患", "working_days": 10},
    {"check": "expired_mines", "link": "restoration", "description": "三不留治理并恢复植被", "working_days": 20},
]
CLOSURE_STEPS = ["power_cut", "explosives", "safety_permit", "licence", "clearance", "restoration",
                 "restoration_acceptance"]


async def add_mines(db, per_county: int) -> None:
    async with db.write() as session:
        enterprises = (await session.exec(select(Enterprise))).all()
        townships = (await session.exec(select(Department).where(Department.kind == "township"))).all()
        serial = 900000
        for county in PREFIX:
            ents = [e for e in enterprises if e.division_code == county]
            towns = [t for t in townships if t.division_code == county]
            for i in range(per_county):
                serial += 1
                town = towns[i % len(towns)]
                session.add(Mine(name=f"{town.name[:-4]}第{i + 1}号采石场", enterprise_id=ents[i % 2].id,
                                 division_code=county, township_id=town.id, mineral="建筑石料用灰岩",
                                 method=MineMethod.OPEN_PIT, scale_wt=10 + i, licence_no=f"C{county}2020017130{serial}",
                                 licence_valid_from=date(2020, 1, 1), licence_valid_to=date(2030, 12, 31),
                                 status=MineStatus.SUSPENDED))


async def users_by_department(db) -> dict[int, str]:
    async with db.session() as session:
        return {u.department_id: u.username for u in (await session.exec(select(User).where(
            User.role == "department_officer"))).all()}


async def test_whole_campaign_over_the_demo_city(timed):
    s, env = timed
    await add_mines(s.db, 7)  # 12 + 21 = 33 mines
    async with s.db.session() as session:
        mines = (await session.exec(select(Mine).order_by(Mine.id))).all()
    assert len(mines) >= 30
    officers = await users_by_department(s.db)
    campaign = await open_campaign(s)
    campaign_id = campaign["case_id"]

    # the city starts closure for one mine per county (方案已批复), rectification for all the others
    to_close = {next(m.id for m in mines if m.division_code == county and "采石场" in m.name) for county in PREFIX}
    closures = await s.ok(await s.post("city_nr", "/closures/batch", {
        "mine_ids": sorted(to_close), "campaign_id": campaign_id, "plan_ref": "卫政函〔2026〕5号"}))
    assert len(closures["started"]) == 3
    rest = [m.id for m in mines if m.id not in to_close]
    batch = await s.ok(await s.post("city_nr", "/rectifications/batch",
                                    {"mine_ids": rest + rest[:2], "campaign_id": campaign_id}))
    assert len(batch["started"]) == len(rest) and batch["refused"] == [] and batch["existing"] == []
    assert [b["mine_id"] for b in batch["started"]] == rest  # started in parallel, answered in the order asked
    assert len({b["case_id"] for b in batch["started"]}) == len(rest)
    again = await s.ok(await s.post("zn_nr", "/rectifications/batch", {"mine_ids": rest, "campaign_id": campaign_id}))
    assert again["started"] == [] and len(again["existing"]) == len([m for m in mines if m.id in rest
                                                                     and m.division_code == "640521"])
    assert {r["code"] for r in again["refused"]} == {"OUT_OF_JURISDICTION"}  # other counties' mines
    by_mine = {m.id: m for m in mines}

    view = await s.ok(await s.get("city_nr", f"/campaigns/{campaign_id}/supervision"))
    assert [c["total"] for c in view["counties"]] == [11, 11, 11]
    assert sum(c["stage_counts"].get("survey", 0) for c in view["counties"]) == len(rest)

    # every rectification: plan, items closed one by one, county acceptance, 自治区 acceptance → 销号
    for started in batch["started"]:
        mine = by_mine[started["mine_id"]]
        nr, prefix, case_id = COUNTY_NR[mine.division_code], PREFIX[mine.division_code], started["case_id"]
        case = await s.ok(await s.post(nr, f"/cases/{case_id}/plan", {
            "responsible_person": f"责任人{mine.id}", "items": ITEMS}))
        assert case["stage"] == "suspension"
        await s.ok(await s.post(f"{prefix}_emergency", f"/cases/{case_id}/items/1/close", {"evidence": ["隐患台账"]}))
        case = await s.ok(await s.post(nr, f"/cases/{case_id}/items/2/close", {"evidence": ["验收照片"]}))
        assert case["stage"] == "county_acceptance"
        await s.ok(await s.post(nr, f"/cases/{case_id}/county-acceptance", {"verdict": "pass"}))
        case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/region-acceptance",
                                       {"verdict": "pass", "acceptance_ref": "宁验〔2026〕1号"}))
        assert case["status"] == "completed" and case["stage"] == "closed"

    refused = await s.post("city_nr", f"/campaigns/{campaign_id}/conclusion", {"summary": "整顿完成"})
    error = await s.refused(refused, 409, "CAMPAIGN_CASES_OPEN")
    assert error["details"]["open_cases"] == 3

    # every closure: its steps in order by their departments, then the 公示
    for started in closures["started"]:
        mine, case_id = by_mine[started["mine_id"]], started["case_id"]
        prefix = PREFIX[mine.division_code]
        async with s.db.session() as session:
            ent_user = (await session.exec(select(User).where(User.enterprise_id == mine.enterprise_id))).first()
        doers = {"power_cut": f"{prefix}_power", "explosives": f"{prefix}_police",
                 "safety_permit": f"{prefix}_emergency", "licence": COUNTY_NR[mine.division_code],
                 "clearance": officers[mine.township_id], "restoration": ent_user.username,
                 "restoration_acceptance": COUNTY_NR[mine.division_code]}
        for step in CLOSURE_STEPS:
            await s.ok(await s.post(doers[step], f"/cases/{case_id}/closure-steps/{step}", {"evidence": [step]}))
    await env.sleep(timedelta(days=12))
    for started in closures["started"]:
        await s.eventually(lambda c=started["case_id"]: _completed(s, c))

    view = await s.ok(await s.get("city_nr", f"/campaigns/{campaign_id}/supervision"))
    assert [(c["total"], c["closed"], c["stage_counts"]) for c in view["counties"]] == [(11, 11, {})] * 3
    assert all(c["overdue_by_department"] == [] and c["referrals"] == [] for c in view["counties"])
    listed = await s.ok(await s.get("city_nr", "/cases", kind="rectification", status="completed", page_size=100))
    assert listed["total"] == len(rest)
    async with s.db.session() as session:
        closed = (await session.exec(select(Mine.id).where(Mine.status == MineStatus.CLOSED))).all()
    assert set(closed) == to_close

    case = await s.ok(await s.post("city_nr", f"/campaigns/{campaign_id}/conclusion", {"summary": "整顿完成"}))
    assert case["status"] == "completed" and case["stage"] == "completed"
    assert case["moratorium_active"] is False and case["moratorium_lift_reason"] == "治理整顿结束"
    assert [e["action"] for e in case["timeline"]][-2:] == ["moratorium_lifted", "concluded"]
    assert (await s.ok(await s.get("city_nr", f"/campaigns/{campaign_id}/supervision")))["stage"] == "completed"


async def _completed(s, case_id):
    return (await s.case(case_id, "city_nr"))["status"] == "completed"
