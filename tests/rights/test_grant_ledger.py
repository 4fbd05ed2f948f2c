"""A grant against the 双挂钩一达标 capacity ledger (seed 002 §04(二)4(2)): refused with the ledger's numbers when the
city has not closed enough capacity; otherwise the block's capacity is reserved, and given back when the grant ends
without a right."""

from tests.rights.support import block, ledger_room


async def ledger(s, city: str = "640500") -> dict:
    return await s.ok(await s.get("city_nr", "/ledger", city=city))


async def test_a_grant_beyond_the_closed_capacity_is_refused_with_the_numbers(stack):
    s = stack
    before = await ledger(s)
    assert before["balance"]["closed_wt"] == 15 and before["balance"]["allowed_wt"] == 22.5  # the demo's exited mine
    case = await s.ok(await s.post("zn_nr", "/grants", block()), 201)  # asks 60 万吨/年
    case = await s.case(case["case_id"])
    assert case["status"] == "rejected" and case["stage"] == "refused"
    for figure in ("15", "22.5", "60"):  # closed, the 150% ceiling, asked
        assert figure in case["outcome_reason"], case["outcome_reason"]
    assert "§04(二)4(2)" in case["outcome_reason"]
    assert (await ledger(s))["balance"]["used_wt"] == 0  # nothing consumed by a refusal


async def test_a_grant_reserves_its_capacity_and_a_refused_one_gives_it_back(stack):
    s = stack
    await ledger_room(s)  # 100 more closed and restored: 172.5 allowed
    case = await s.ok(await s.post("zn_nr", "/grants", block()), 201)
    case_id = case["case_id"]
    assert case["stage"] == "committee_review" and "60" in case["capacity_verdict"]
    assert (await ledger(s))["balance"]["used_wt"] == 60
    listed = await s.ok(await s.get("zn_nr", "/cases", kind="grant", stage="committee_review"))
    assert [c["case_id"] for c in listed["items"]] == [case_id]  # a grant's own stages filter the list
    # a second block would now exceed what is left (172.5 - 60 = 112.5)
    second = await s.ok(await s.post("zn_nr", "/grants", block(block_name="中宁县鸣沙镇南山建筑用白云岩矿",
                                                                  production_wt=120, area=[[4_091_000.0, 36_410_000.0],
                                                                  [4_091_400.0, 36_410_000.0],
                                                                  [4_091_400.0, 36_410_400.0],
                                                                  [4_091_000.0, 36_410_400.0]])), 201)
    assert (await s.case(second["case_id"]))["status"] == "rejected"

    case = await s.ok(await s.decide(case_id, "reject"))  # the county 三重一大 says no
    assert case["status"] == "rejected"
    after = await ledger(s)
    assert after["balance"]["used_wt"] == 0
    assert any(e["kind"] == "correction" and e["amount_wt"] == -60 for e in after["entries"])
    assert [e["action"] for e in case["timeline"]].count("capacity_released") == 1
