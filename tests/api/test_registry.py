"""The registry: reads scoped to the caller, admin writes validated and audited."""

from models.audit import verify_chain

VALID_CODE = "91350100M000100Y43"


async def test_divisions_are_the_demo_city_and_its_counties(stack):
    divisions = await stack.ok(await stack.get("zn_nr", "/divisions"))
    assert {d["code"]: d["name"] for d in divisions if d["level"] == "county"} == {
        "640502": "沙坡头区", "640521": "中宁县", "640522": "海原县"}


async def test_departments_cover_the_joint_acceptance_parties_in_every_county(stack):
    for county in ("640502", "640521", "640522"):
        kinds = {d["kind"] for d in await stack.ok(await stack.get("city_nr", "/departments", division_code=county))}
        assert {"natural_resources", "emergency_management", "ecology_environment", "public_security",
                "water_resources", "forestry_grassland", "township", "power_supply"} <= kinds


async def test_required_materials_depend_on_the_mining_method(stack):
    underground = await stack.mine("中宁县石空镇双龙山石膏矿")
    open_pit = await stack.mine("中宁县鸣沙镇建筑用白云岩矿")
    u = await stack.ok(await stack.get("zn_ent1", "/reopenings/required-materials", mine_id=underground.id))
    o = await stack.ok(await stack.get("zn_ent2", "/reopenings/required-materials", mine_id=open_pit.id))
    assert {i["kind"] for i in o["items"]} - {i["kind"] for i in u["items"]} == {"forest_grassland"}
    assert all(i["clause"].startswith("seed 000") for i in u["items"])


async def test_admin_creates_an_enterprise_and_a_mine_and_both_are_audited(stack):
    s = stack
    enterprise = await s.ok(await s.post("admin", "/enterprises", {
        "name": "中宁县新源矿业有限公司", "credit_code": VALID_CODE, "division_code": "640521"}), 201)
    townships = await s.ok(await s.get("zn_nr", "/departments", kind="township", division_code="640521"))
    mine = await s.ok(await s.post("admin", "/mines", {
        "name": "中宁县新源石膏矿", "enterprise_id": enterprise["id"], "division_code": "640521",
        "township_id": townships[0]["id"], "mineral": "石膏", "method": "underground", "scale_wt": 30,
        "licence_no": "C6405212026017130999999", "licence_valid_from": "2026-01-01",
        "licence_valid_to": "2036-01-01"}), 201)
    assert mine["status"] == "suspended"
    async with s.db.session() as session:
        report = await verify_chain(session)
    assert report.ok and report.checked >= 2


async def test_admin_writes_refuse_bad_references_and_duplicates(stack):
    s = stack
    bad_code = await s.post("admin", "/enterprises", {"name": "某公司", "credit_code": "91350100M000100Y44",
                                                      "division_code": "640521"})
    error = await s.refused(bad_code, 422, "VALIDATION_FAILED")
    assert error["details"]["errors"][0]["message"] == "统一社会信用代码校验位错误"
    unknown_division = await s.post("admin", "/enterprises", {"name": "某公司", "credit_code": VALID_CODE,
                                                              "division_code": "110101"})
    await s.refused(unknown_division, 404, "DIVISION_NOT_FOUND")
    await s.ok(await s.post("admin", "/enterprises", {"name": "某公司", "credit_code": VALID_CODE,
                                                      "division_code": "640521"}), 201)
    duplicate = await s.post("admin", "/enterprises", {"name": "另一公司", "credit_code": VALID_CODE,
                                                       "division_code": "640521"})
    await s.refused(duplicate, 409, "ALREADY_EXISTS")
    wrong_township = await s.post("admin", "/mines", {
        "name": "某矿", "enterprise_id": 1, "division_code": "640521", "township_id": 1, "mineral": "石膏",
        "method": "underground", "scale_wt": 30, "licence_no": "C1234567", "licence_valid_from": "2026-01-01",
        "licence_valid_to": "2030-01-01"})
    await s.refused(wrong_township, 404, "DEPARTMENT_NOT_FOUND")
    dates_reversed = await s.post("admin", "/mines", {
        "name": "某矿", "enterprise_id": 1, "division_code": "640521", "township_id": 1, "mineral": "石膏",
        "method": "underground", "scale_wt": 30, "licence_no": "C1234567", "licence_valid_from": "2030-01-01",
        "licence_valid_to": "2026-01-01"})
    await s.refused(dates_reversed, 422, "VALIDATION_FAILED")
