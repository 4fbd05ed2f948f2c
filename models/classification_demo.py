"""Demo facts for 四个一批 and a demo ledger for 中卫市 (called by models/demo.py; demo data only).

After seeding, a run over 中宁县 decides all four mines (one 引导退出, three 升级改造), 沙坡头区 has one 关闭取缔 and
one 引导退出, and 海原县 leaves three mines undecided with the facts still missing. The city ledger holds one exited,
restored mine (15 万吨/年 closed, so 22.5 万吨/年 may be granted).
"""

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.classification import AssessmentUpdate, record_assessment
from models.ledger import record_closed, record_restored
from models.registry import Mine

ALL_CLEAR: dict[str, Any] = {
    "has_safety_permit": True, "illegal_mining_unrectified": False, "safety_failed_after_suspension": False,
    "obsolete_process_unrectified": False, "accident_or_design_mismatch_unrectified": False,
    "in_ecological_red_line": False, "in_nature_reserve": False, "visible_from_major_road_or_railway": False,
    "resources_exhausted_uneconomic": False, "county_decided_closure": False, "long_suspended_own_reasons": False,
    "county_decided_exit": False, "environmental_violation_unrectified": False,
}

# mine name → recorded facts (the rest of the demo mines stay unknown: their runs list what is missing)
DEMO_FACTS: dict[str, dict[str, Any]] = {
    "中宁县石空镇双龙山石膏矿": {**ALL_CLEAR, "remaining_service_years": 8, "production_scale_class": "medium"},
    "中宁县鸣沙镇建筑用白云岩矿": {**ALL_CLEAR, "remaining_service_years": 12, "production_scale_class": "medium"},
    "中宁县余丁乡水泥用灰岩矿": {**ALL_CLEAR, "remaining_service_years": 15, "production_scale_class": "medium"},
    "中宁县石空镇红梁子石膏矿": {**ALL_CLEAR, "remaining_service_years": 3, "production_scale_class": "small",
                           "has_safety_permit": False},
    "沙坡头区常乐镇建筑用砂矿": {**ALL_CLEAR, "in_ecological_red_line": True, "production_scale_class": "small"},
    "沙坡头区香山乡黏土矿": {**ALL_CLEAR, "long_suspended_own_reasons": True, "production_scale_class": "small"},
    "海原县李旺镇石灰岩矿": {**ALL_CLEAR, "remaining_service_years": 10, "production_scale_class": "small"},
}
EXITED_MINE = "中宁县石空镇红梁子石膏矿"  # licence lapsed at the end of 2025 and not renewed (§03(一) 小矿到期不续)


async def seed_classification_demo(session: AsyncSession) -> None:
    mines = {m.name: m for m in (await session.exec(select(Mine))).all()}
    for name, facts in DEMO_FACTS.items():
        await record_assessment(session, mine=mines[name], update=AssessmentUpdate(**facts, note="演示数据"),
                                actor="zn_nr", role="county_nr")
    exited = mines[EXITED_MINE]
    assert exited.id is not None
    await record_closed(session, mine_id=exited.id, reference="demo:closure:hongliangzi", actor="zn_nr",
                        role="county_nr", note="采矿许可证2025年底到期不续，引导退出（演示数据）")
    await record_restored(session, mine_id=exited.id, reference="demo:restored:hongliangzi", actor="city_nr",
                          role="city_nr", note="生态修复通过验收（演示数据）")
