"""四个一批 and the capacity ledger over HTTP: facts recorded by the county, a county run, its stored results,
the ledger's balance, history, entries and what-if — each in the caller's jurisdiction."""

from sqlmodel import select

from domain.classification import Category
from models.audit import AuditEntry, verify_chain
from models.classification import mine_ids_by_category
from models.registry import Division, DivisionLevel

ZN = "640521"
CLEAR = {"has_safety_permit": True, "illegal_mining_unrectified": False, "safety_failed_after_suspension": False,
         "obsolete_process_unrectified": False, "accident_or_design_mismatch_unrectified": False,
         "in_ecological_red_line": False, "in_nature_reserve": False,
         "visible_from_major_road_or_railway": False, "resources_exhausted_uneconomic": False,
         "county_decided_closure": False, "long_suspended_own_reasons": False, "county_decided_exit": False}


async def test_a_county_run_over_the_demo_registry(api):
    s = api
    run = await s.ok(await s.post("zn_nr", "/classifications", {"division_code": ZN, "as_of": "2026-11-25"}), 201)
    assert run["mine_count"] == 4 and run["city_code"] == "640500"
    assert run["counts"] == {"closure": 0, "guided_exit": 1, "upgrade": 3, "new_establishment": 0, "undecided": 0}
    by_name = {m["mine_name"]: m for m in run["mines"]}
    exited = by_name["中宁县石空镇红梁子石膏矿"]
    assert exited["category"] == "guided_exit" and exited["category_name"] == "引导退出"
    assert {m["code"] for m in exited["matched"]} == {"BELOW_PROVINCIAL_STANDARD", "SMALL_MINE_LICENCE_EXPIRED"}
    assert all(m["clause"].startswith("seed 002 §") for m in exited["matched"])
    upgraded = by_name["中宁县余丁乡水泥用灰岩矿"]
    assert upgraded["category"] == "upgrade" and upgraded["upgrade_tasks"] and upgraded["missing_facts"] == []
    haiyuan = await s.ok(await s.post("city_nr", "/classifications", {"division_code": "640522"}), 201)
    assert haiyuan["counts"]["guided_exit"] == 1 and haiyuan["counts"]["undecided"] == 3  # facts not yet recorded
    unknown = next(m for m in haiyuan["mines"] if not m["decided"])
    assert unknown["category"] is None and unknown["provisional_category"] and unknown["missing_facts"]
    # stored: the city reads the same run, and the lead's batch start gets the mine ids per category
    again = await s.ok(await s.get("city_nr", f"/classifications/{run['run_id']}"))
    assert again == run
    only_exit = await s.ok(await s.get("zn_nr", f"/classifications/{run['run_id']}", category="guided_exit"))
    assert [m["mine_id"] for m in only_exit["mines"]] == [exited["mine_id"]] and only_exit["counts"] == run["counts"]
    async with s.db.session() as session:
        assert await mine_ids_by_category(session, run["run_id"], Category.GUIDED_EXIT) == [exited["mine_id"]]
        assert await mine_ids_by_category(session, run["run_id"], Category.CLOSURE) == []
    listed = await s.ok(await s.get("zn_nr", "/classifications", division_code=ZN))
    assert [r["run_id"] for r in listed] == [run["run_id"]] and listed[0]["mines"] == []
    shapotou = await s.ok(await s.post("city_nr", "/classifications", {"division_code": "640502"}), 201)
    assert shapotou["counts"] | {"undecided": 0} == {"closure": 1, "guided_exit": 1, "upgrade": 0,
                                                     "new_establishment": 0, "undecided": 0}
    assert len(await s.ok(await s.get("city_nr", "/classifications"))) == 3


async def test_recording_facts_changes_the_outcome_and_is_audited(api):
    s = api
    mine = await s.mine("中宁县石空镇红梁子石膏矿")
    body = {**CLEAR, "in_nature_reserve": True, "production_scale_class": "small", "note": "林草局核查意见"}
    recorded = await s.ok(await s.post("zn_forestry", f"/mines/{mine.id}/assessment", body))
    assert recorded["version"] == 2 and recorded["recorded_by"] == "zn_forestry"
    assert recorded["classification"]["category"] == "closure"
    assert "PROHIBITED_ZONE" in {m["code"] for m in recorded["classification"]["matched"]}
    run = await s.ok(await s.post("city_nr", "/classifications", {"division_code": ZN}), 201)
    assert run["counts"]["closure"] == 1
    # a whole replacement: what is left out becomes unknown again
    emptied = await s.ok(await s.post("zn_nr", f"/mines/{mine.id}/assessment", {}))
    assert emptied["in_nature_reserve"] is None and not emptied["classification"]["decided"]
    history = await s.ok(await s.get("city_nr", f"/mines/{mine.id}/assessment/history"))
    assert [(v["version"], v["recorded_by"]) for v in history] == [(1, "zn_nr"), (2, "zn_forestry"), (3, "zn_nr")]
    assert history[1]["facts"]["in_nature_reserve"] is True and history[2]["facts"]["in_nature_reserve"] is None
    await s.refused(await s.get("hy_nr", f"/mines/{mine.id}/assessment/history"), 403, "OUT_OF_JURISDICTION")
    async with s.db.session() as session:
        actions = (await session.exec(select(AuditEntry.action).where(
            AuditEntry.action == "mine_assessment_recorded", AuditEntry.actor != "zn_nr"))).all()
        assert len(actions) == 1
        assert (await verify_chain(session)).ok


async def test_who_may_record_and_run(api):
    s = api
    mine = await s.mine("中宁县石空镇红梁子石膏矿")
    other = await s.mine("海原县史店乡铁矿")
    path = f"/mines/{mine.id}/assessment"
    await s.refused(await s.post("zn_ent1", path, {}), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("city_nr", path, {}), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("hy_nr", path, {}), 403, "OUT_OF_JURISDICTION")
    await s.refused(await s.get("hy_nr", path), 403, "OUT_OF_JURISDICTION")
    await s.refused(await s.get("zn_ent1", path), 403, "FORBIDDEN_ROLE")
    await s.ok(await s.get("city_nr", f"/mines/{other.id}/assessment"))
    await s.refused(await s.post("zn_nr", "/mines/999999/assessment", {}), 404, "MINE_NOT_FOUND")
    await s.refused(await s.post("zn_nr", path, {"remaining_service_years": -1}), 422,
                    "VALIDATION_FAILED")
    await s.refused(await s.post("zn_nr", path, {"in_red_line": True}), 422, "VALIDATION_FAILED")
    await s.refused(await s.post("zn_emergency", "/classifications", {"division_code": ZN}), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("hy_nr", "/classifications", {"division_code": ZN}), 403, "OUT_OF_JURISDICTION")
    await s.refused(await s.post("city_nr", "/classifications", {"division_code": "640500"}), 422,
                    "INVALID_DIVISION_CODE")
    await s.refused(await s.post("city_nr", "/classifications", {"division_code": "110101"}), 404,
                    "DIVISION_NOT_FOUND")
    run = await s.ok(await s.post("zn_nr", "/classifications", {"division_code": ZN}), 201)
    await s.refused(await s.get("hy_nr", f"/classifications/{run['run_id']}"), 403, "OUT_OF_JURISDICTION")
    await s.refused(await s.get("zn_nr", "/classifications/nope"), 404, "CLASSIFICATION_RUN_NOT_FOUND")
    await s.refused(await s.get("zn_nr", "/classifications/" + "x" * 300), 404, "CLASSIFICATION_RUN_NOT_FOUND")
    assert [r["division_code"] for r in await s.ok(await s.get("hy_nr", "/classifications"))] == []


async def test_a_run_honours_its_idempotency_key(api):
    s = api
    key = {"Idempotency-Key": "run-zn-2026-11"}
    first = await s.ok(await s.post("zn_nr", "/classifications", {"division_code": ZN}, key), 201)
    second = await s.ok(await s.post("zn_nr", "/classifications", {"division_code": ZN}, key), 201)
    assert first["run_id"] == second["run_id"]
    assert len(await s.ok(await s.get("zn_nr", "/classifications"))) == 1


async def test_the_ledger_over_http(api):
    s = api
    ledger = await s.ok(await s.get("hy_nr", "/ledger", city="640500"))  # the demo's exited, restored mine
    assert ledger["balance"] | {} == ledger["balance"]
    assert (ledger["balance"]["closed_wt"], ledger["balance"]["allowed_wt"]) == (15, 22.5)
    assert [e["kind"] for e in ledger["entries"]] == ["closed", "restored"]
    what_if = await s.ok(await s.post("city_nr", "/ledger/check", {"city_code": "640500", "added_wt": 30,
                                                                    "purpose": "new"}))
    assert what_if["allowed"] is False and what_if["asked_wt"] == 30 and what_if["available_wt"] == 22.5
    assert "22.5" in what_if["reasons"][0]
    fits = await s.ok(await s.post("zn_nr", "/ledger/check", {"city_code": "640521", "added_wt": 22.5,
                                                               "purpose": "expansion"}))
    assert fits["allowed"] is True and fits["city_code"] == "640500"
    grant = {"kind": "granted", "city_code": "640500", "amount_wt": 20, "purpose": "new",
             "reference": "grant:zn-2026-1", "case_id": "CR-2026-1"}
    entry = await s.ok(await s.post("city_nr", "/ledger/entries", grant), 201)
    assert (await s.ok(await s.post("city_nr", "/ledger/entries", grant), 201))["id"] == entry["id"]
    refused = await s.refused(await s.post("city_nr", "/ledger/entries", {**grant, "reference": "grant:2",
                                                                          "amount_wt": 5}),
                              409, "CAPACITY_LEDGER_UNBALANCED")
    assert refused["details"]["available_wt"] == 2.5 and refused["details"]["asked_wt"] == 5
    assert "2.5" in refused["message"]
    await s.refused(await s.post("city_nr", "/ledger/entries", {**grant, "amount_wt": 21}), 409,
                    "LEDGER_REFERENCE_CONFLICT")
    mine = await s.mine("中宁县余丁乡水泥用灰岩矿")
    closed = await s.ok(await s.post("zn_nr", "/ledger/entries", {"kind": "closed", "mine_id": mine.id,
                                                                  "reference": "closure:yuding"}), 201)
    assert closed["amount_wt"] == 60 and closed["division_code"] == ZN
    correction = {"kind": "correction", "corrects_entry_id": closed["id"], "amount_wt": -10,
                  "reference": "corr:yuding", "note": "核定规模以50万吨/年为准"}
    await s.refused(await s.post("zn_nr", "/ledger/entries", correction), 403, "FORBIDDEN_ROLE")
    corrected = await s.ok(await s.post("city_nr", "/ledger/entries", correction), 201)
    assert corrected["kind"] == "correction" and corrected["mine_id"] == mine.id
    final = await s.ok(await s.get("city_nr", "/ledger", city="640500"))
    assert final["balance"]["closed_wt"] == 65 and final["balance"]["restoration_pct"] == round(15 / 65 * 100, 4)
    assert len(final["entries"]) == 5


async def test_ledger_refusals_and_scope(api):
    s = api
    mine = await s.mine("海原县史店乡铁矿")
    await s.refused(await s.get("zn_ent1", "/ledger", city="640500"), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.get("zn_nr", "/ledger", city="110100"), 404, "DIVISION_NOT_FOUND")
    await s.refused(await s.get("zn_nr", "/ledger", city="999999"), 422, "INVALID_DIVISION_CODE")
    await s.refused(await s.get("zn_nr", "/ledger", city="640000"), 422, "INVALID_DIVISION_CODE")
    await s.refused(await s.get("zn_nr", "/ledger"), 422, "VALIDATION_FAILED")
    closed = {"kind": "closed", "mine_id": mine.id, "reference": "closure:shidian"}
    await s.refused(await s.post("zn_nr", "/ledger/entries", closed), 403, "OUT_OF_JURISDICTION")
    await s.refused(await s.post("zn_emergency", "/ledger/entries", closed), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("hy_nr", "/ledger/entries", {**closed, "mine_id": 99999}), 404, "MINE_NOT_FOUND")
    await s.refused(await s.post("hy_nr", "/ledger/entries", {**closed, "kind": "restored"}), 409,
                    "LEDGER_NOTHING_CLOSED")
    for bad in ({**closed, "amount_wt": 0}, {**closed, "amount_wt": -5}, {**closed, "reference": "<x>"},
                {"kind": "closed", "reference": "closure:1"}, {"kind": "granted", "reference": "grant:1"},
                {"kind": "correction", "reference": "corr:1", "corrects_entry_id": 1, "amount_wt": 1},
                {**closed, "kind": "bogus"}, {**closed, "extra": 1}, {**closed, "amount_wt": "NaN"},
                {**closed, "reference": "r" * 101}):
        await s.refused(await s.post("hy_nr", "/ledger/entries", bad), 422, "VALIDATION_FAILED")
    await s.refused(await s.post("city_nr", "/ledger/entries", {
        "kind": "correction", "reference": "corr:1", "corrects_entry_id": 99999, "amount_wt": 1, "note": "x"}),
        404, "LEDGER_ENTRY_NOT_FOUND")
    await s.refused(await s.post("zn_nr", "/ledger/check", {"city_code": "640500", "added_wt": 0,
                                                            "purpose": "new"}), 422, "VALIDATION_FAILED")
    # no route changes or removes an entry
    for method in ("PUT", "PATCH", "DELETE"):
        response = await s.request(method, "city_nr", "/ledger/entries/1", {})
        assert response.status_code in (404, 405)


async def test_a_run_is_audited_and_a_county_without_mines_is_refused(api):
    s = api
    run = await s.ok(await s.post("city_nr", "/classifications", {"division_code": ZN}), 201)
    async with s.db.write() as session:
        entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "classification_run"))).one()
        assert entry.actor == "city_nr" and run["run_id"] in entry.data
        session.add(Division(code="640523", name="测试县", short_name="测试", level=DivisionLevel.COUNTY,
                             parent_code="640500"))
    await s.refused(await s.post("city_nr", "/classifications", {"division_code": "640523"}), 409,
                    "NO_MINES_TO_CLASSIFY")
