"""Steps of the mining-right procedures, so tests state only what matters to them."""

from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from domain.calendar import CHINA_TZ
from domain.rights import required_transfer_materials
from models.ledger import record_closed, record_restored
from models.registry import Enterprise, Mine, User
from models.rights import MiningRight, MiningRightHistory
from tests.support.stack import SHIKONG_MINE, Stack

XINYUAN = "中宁县鑫源矿业有限公司"  # zn_ent1
MINGSHA = "宁夏鸣沙建材集团有限公司"  # zn_ent2


def materials(state_owned: bool = False, skip: tuple[str, ...] = ()) -> list[dict[str, str]]:
    return [{"kind": m.value, "ref": f"档案-{m.value}"} for m in required_transfer_materials(state_owned)
            if m.value not in skip]


def evidence(**overrides: Any) -> dict[str, Any]:
    return {"fees_paid": True, "transferee_qualified": True, "supervisor_consent": False, **overrides}


def square(x: float, y: float, side: float = 400.0) -> list[list[float]]:
    return [[x, y], [x + side, y], [x + side, y + side], [x, y + side]]


async def enterprise_id(s: Stack, name: str) -> int:
    async with s.db.session() as session:
        found = (await session.exec(select(Enterprise).where(Enterprise.name == name))).one()
    assert found.id is not None
    return found.id


async def right_by_licence(s: Stack, licence_no: str) -> MiningRight:
    async with s.db.session() as session:
        return (await session.exec(select(MiningRight).where(MiningRight.licence_no == licence_no))).one()


async def right_of_mine(s: Stack, mine_name: str = SHIKONG_MINE) -> MiningRight:
    async with s.db.session() as session:
        return (await session.exec(select(MiningRight).where(MiningRight.mine_name == mine_name))).one()


async def history(s: Stack, right_id: int) -> list[MiningRightHistory]:
    async with s.db.session() as session:
        return list((await session.exec(select(MiningRightHistory).where(MiningRightHistory.right_id == right_id)
                                        .order_by(MiningRightHistory.id))).all())


async def county_right(s: Stack, *, licence_no: str = "C6405212024017130999001", started: date | None = None,
                       state_owned: bool = False, x: float = 4_000_000.0) -> dict[str, Any]:
    """A small 建筑用砂 right in 中宁县 held by zn_ent1: county-issued under the default rules."""
    today = await s.today()
    body = {"licence_no": licence_no, "mine_name": "中宁县石空镇建筑用砂矿", "holder_enterprise_id":
            await enterprise_id(s, XINYUAN), "division_code": "640521", "mineral": "建筑用砂", "open_pit": True,
            "scale": "small", "scale_wt": 20, "valid_from": str(today - timedelta(days=800)),
            "valid_to": str(today + timedelta(days=3000)), "state_owned": state_owned,
            "production_started_on": str(started or today - timedelta(days=700)), "area": square(x, 36_400_000.0)}
    return await s.ok(await s.post("zn_nr", "/mining-rights", body), 201)


async def submit_transfer(s: Stack, right_id: int, *, username: str = "zn_ent1", state_owned: bool = False,
                          skip: tuple[str, ...] = (), **evidence_overrides: Any) -> dict[str, Any]:
    body = {"right_id": right_id, "transferee_enterprise_id": await enterprise_id(s, MINGSHA),
            "reason": "企业资产出售，变更采矿权主体", "price_wan_yuan": 1200,
            "evidence": evidence(**evidence_overrides), "materials": materials(state_owned, skip)}
    return await s.ok(await s.post(username, "/transfers", body), 201)


async def confirm(s: Stack, case_id: str) -> dict[str, Any]:
    return await s.ok(await s.post("zn_ent2", f"/cases/{case_id}/transferee-confirmation", {"note": "同意共同申请"}))


async def review(s: Stack, case_id: str) -> dict[str, Any]:
    return await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-review", {"decision": "accept"}))


async def city_meeting(s: Stack, case_id: str, decision: str = "approve") -> dict[str, Any]:
    return await s.ok(await s.post("city_nr", f"/cases/{case_id}/city-meeting", {
        "meeting_no": "中卫市政府常务会议〔2026〕8次", "meeting_date": str(await s.today()), "decision": decision,
        "minutes_ref": "中卫纪要〔2026〕8号"}))


async def to_decision(s: Stack, right_id: int, **kwargs: Any) -> str:
    """A county-level transfer submitted, confirmed, reviewed and approved by the county meeting."""
    case_id = str((await submit_transfer(s, right_id, **kwargs))["case_id"])
    await confirm(s, case_id)
    await review(s, case_id)
    case = await s.ok(await s.decide(case_id))
    assert case["stage"] == "decision", case["stage"]
    return case_id


async def skip_to_local(env: Any, s: Stack, day: date, hour: int = 12) -> None:
    now = await s.now()
    target = now.astimezone(CHINA_TZ).replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=0)
    assert target > now
    await env.sleep(target - now)


def entries(case: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [e for e in case["timeline"] if e["action"] == action]


async def user(s: Stack, username: str) -> User:
    return await s.user(username)


# ---- grants -------------------------------------------------------------------------------------------------------

def block(**overrides: Any) -> dict[str, Any]:
    """A block that passes every precheck: open-pit 建筑用白云岩, 60 万吨/年, 8 years, medium — city-issued."""
    return {"block_name": "中宁县鸣沙镇北山建筑用白云岩矿", "division_code": "640521", "mineral": "建筑用白云岩",
            "open_pit": True, "area": square(4_090_000.0, 36_400_000.0, 800.0), "production_wt": 60,
            "service_years": 8, "deposit_scale": "medium", "production_scale": "medium", "land_use_cleared": True,
            "forest_grassland_cleared": True, "outside_red_line": True, "mode": "listing", "valid_years": 10,
            "reason": "矿产资源总体规划（2021—2025年）开采规划区块，市场供给需要", **overrides}


async def ledger_room(s: Stack, closed_wt: float = 100) -> None:
    """中卫市 closed (and restored) a clay pit of `closed_wt` 万吨/年, so the capacity ledger has room for the
    test blocks (双挂钩一达标: granted ≤ 150% of closed). Idempotent by reference."""
    async with s.db.write() as session:
        mine = (await session.exec(select(Mine).where(Mine.name == "沙坡头区香山乡黏土矿"))).one()
        assert mine.id is not None
        await record_closed(session, mine_id=mine.id, amount_wt=closed_wt, reference="test:closed:xiangshan",
                            actor="zn_nr", role="county_nr")
        await record_restored(session, mine_id=mine.id, reference="test:restored:xiangshan", actor="city_nr",
                              role="city_nr")


async def propose(s: Stack, **overrides: Any) -> dict[str, Any]:
    await ledger_room(s)
    return await s.ok(await s.post("zn_nr", "/grants", block(**overrides)), 201)


async def skip_past(env: Any, s: Stack, moment: str, extra: timedelta = timedelta(minutes=5)) -> None:
    from datetime import datetime

    target = datetime.fromisoformat(moment)
    now = await s.now()
    assert target > now, (target, now)
    await env.sleep(target - now + extra)


async def wait_stage(s: Stack, case_id: str, stage: str) -> dict[str, Any]:
    async def reached() -> bool:
        return bool((await s.case(case_id))["stage"] == stage)
    await s.eventually(reached)
    return await s.case(case_id)


async def through_meetings(s: Stack) -> str:
    case = await propose(s)
    case_id = str(case["case_id"])
    await s.ok(await s.decide(case_id))
    case = await city_meeting(s, case_id)
    assert case["stage"] == "announcement", case["stage"]
    return case_id


async def to_publicity(env: Any, s: Stack, case_id: str) -> dict[str, Any]:
    case = await s.case(case_id)
    if case["stage"] == "announcement":
        await skip_past(env, s, case["period_clock"]["announcement"]["ends_at"])
        case = await wait_stage(s, case_id, "bidding")
    await skip_past(env, s, case["period_clock"]["bidding"]["ends_at"])
    await s.eventually(lambda: _bidding_over(s, case_id))
    return await s.ok(await s.post("city_nr", f"/cases/{case_id}/grant-result",
                                   {"winner_enterprise_id": await enterprise_id(s, MINGSHA), "price_wan_yuan": 3600}))


async def _bidding_over(s: Stack, case_id: str) -> bool:
    return bool((await s.case(case_id))["period_clock"]["bidding"]["finished"])
