"""四个一批 → cases in one action (issue 8): a county's classification run starts 关闭取缔 for the mines it decided to
close or to exit and 矿山整治 for those to upgrade — only decided mines, each once."""

ZN = "640521"
PLAN = "中宁县人民政府关于非煤矿山关闭方案的批复（中政函〔2026〕8号）"


async def test_a_run_starts_closures_for_exits_and_rectifications_for_upgrades_in_one_action(stack):
    s = stack
    run = await s.ok(await s.post("zn_nr", "/classifications", {"division_code": ZN}), 201)
    decided = {c: sorted(m["mine_id"] for m in run["mines"] if m["decided"] and m["category"] == c)
               for c in ("guided_exit", "upgrade")}
    assert decided["guided_exit"] and decided["upgrade"]  # the demo county has both
    path = f"/classifications/{run['run_id']}/cases"

    error = await s.refused(await s.post("zn_nr", path, {"category": "guided_exit"}), 422, "VALIDATION_FAILED")
    assert "关闭方案" in error["message"]  # a closure starts only on an approved closure plan (seed 002 §05)
    closures = await s.ok(await s.post("zn_nr", path, {"category": "guided_exit", "plan_ref": PLAN}))
    assert sorted(c["mine_id"] for c in closures["started"]) == decided["guided_exit"] and not closures["refused"]
    case = await s.case(closures["started"][0]["case_id"])
    assert case["kind"] == "closure" and case["mine_id"] == decided["guided_exit"][0]

    again = await s.ok(await s.post("zn_nr", path, {"category": "guided_exit", "plan_ref": PLAN}))
    assert again["started"] == [] and again["existing"] == closures["started"]  # never twice

    rectifications = await s.ok(await s.post("city_nr", path, {"category": "upgrade"}))
    assert sorted(c["mine_id"] for c in rectifications["started"]) == decided["upgrade"]
    assert {(await s.case(c["case_id"]))["kind"] for c in rectifications["started"]} == {"rectification"}

    await s.refused(await s.post("zn_nr", path, {"category": "new_establishment"}), 422, "VALIDATION_FAILED")
    await s.refused(await s.post("hy_nr", path, {"category": "upgrade"}), 403, "OUT_OF_JURISDICTION")
    await s.refused(await s.post("zn_ent1", path, {"category": "upgrade"}), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("zn_nr", "/classifications/nosuchrun/cases", {"category": "upgrade"}), 404,
                    "CLASSIFICATION_RUN_NOT_FOUND")
