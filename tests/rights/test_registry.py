"""The mining-right registry through the API: 拐点坐标 validated (closed ring, ≥ 3 distinct points, no
self-intersection), no overlap with registered rights, the authority level from the rule table, every change
in the history, and who may read what."""

import pytest

from tests.rights.support import XINYUAN, county_right, enterprise_id, square


async def _body(s, **overrides):
    return {"licence_no": "C6405212024017130999009", "mine_name": "中宁县测试建筑用砂矿",
            "holder_enterprise_id": await enterprise_id(s, XINYUAN), "division_code": "640521", "mineral": "建筑用砂",
            "scale": "small", "scale_wt": 20, "valid_from": "2024-01-01", "valid_to": "2030-12-31",
            "area": square(4_080_000.0, 36_400_000.0), **overrides}


BAD_AREAS = {
    "bow-tie": [[0, 0], [100, 100], [100, 0], [0, 100]],
    "two points": [[0, 0], [100, 0], [0, 0]],
    "collinear": [[0, 0], [50, 0], [100, 0]],
    "repeated point": [[0, 0], [100, 0], [100, 100], [100, 0], [0, 100]],
}


@pytest.mark.parametrize("name", list(BAD_AREAS))
async def test_invalid_areas_are_refused(stack, name):
    s = stack
    response = await s.post("zn_nr", "/mining-rights", await _body(s, area=BAD_AREAS[name]))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "VALIDATION_FAILED"


async def test_registering_a_right_its_authority_level_and_its_history(stack):
    s = stack
    open_ring = square(4_080_000.0, 36_400_000.0)
    right = await s.ok(await s.post("zn_nr", "/mining-rights", await _body(s, area=open_ring)), 201)
    assert right["authority_level"] == "county" and right["crs"] == "CGCS2000"
    assert right["area"] == [*open_ring, open_ring[0]]  # stored closed
    bigger = await s.ok(await s.post("zn_nr", "/mining-rights", await _body(
        s, licence_no="C6405212024017130999010", mineral="石膏", scale="medium", scale_wt=30,
        area=square(4_070_000.0, 36_400_000.0))), 201)
    assert bigger["authority_level"] == "city"

    corrected = await s.ok(await s.post("zn_nr", f"/mining-rights/{right['id']}/corrections", {
        "scale_wt": 25, "valid_to": "2031-12-31", "reason": "储量核实后变更"}))
    assert corrected["scale_wt"] == 25 and corrected["valid_to"] == "2031-12-31" and corrected["version"] == 2
    unchanged = await s.ok(await s.post("zn_nr", f"/mining-rights/{right['id']}/corrections",
                                        {"scale": None, "reason": "空值视为不变"}))
    assert unchanged["scale"] == "small"
    changes = await s.ok(await s.get("zn_nr", f"/mining-rights/{right['id']}/history"))
    assert [(c["change"], c["before"], c["after"]) for c in changes] == [
        ("created", {}, {"licence_no": right["licence_no"], "holder_enterprise_id": right["holder_enterprise_id"]}),
        ("scale", {"scale_wt": 20.0}, {"scale_wt": 25.0}),
        ("validity", {"valid_to": "2030-12-31"}, {"valid_to": "2031-12-31"}),
    ]


async def test_overlapping_ranges_are_refused_but_touching_ones_are_not(stack):
    s = stack
    await county_right(s, x=4_060_000.0)
    overlapping = square(4_060_000.0 + 200, 36_400_000.0 + 200)
    error = await s.refused(await s.post("zn_nr", "/mining-rights", await _body(s, area=overlapping)),
                            409, "RIGHT_AREA_OVERLAPS")
    assert error["details"]["overlapping"] == ["C6405212024017130999001"]
    touching = square(4_060_000.0 + 400, 36_400_000.0)  # shares one edge only
    await s.ok(await s.post("zn_nr", "/mining-rights", await _body(s, area=touching)), 201)
    await s.refused(await s.post("zn_nr", "/mining-rights", await _body(
        s, licence_no="C6405212024017130999001", area=square(4_050_000.0, 36_400_000.0))), 409, "LICENCE_NO_TAKEN")


async def test_who_may_register_and_read(stack):
    s = stack
    await s.refused(await s.post("zn_ent1", "/mining-rights", await _body(s)), 403, "FORBIDDEN_ROLE")
    await s.refused(await s.post("hy_nr", "/mining-rights", await _body(s)), 403, "OUT_OF_JURISDICTION")
    own = await s.ok(await s.get("zn_ent1", "/mining-rights"))
    assert own["total"] == 2 and all(r["holder_name"] == XINYUAN for r in own["items"])  # the two 鑫源 mines
    county = await s.ok(await s.get("zn_nr", "/mining-rights"))
    assert county["total"] == 4 and {r["division_code"] for r in county["items"]} == {"640521"}
    city = await s.ok(await s.get("city_nr", "/mining-rights", page_size=100))
    assert city["total"] == 12
    other = next(r for r in city["items"] if r["division_code"] == "640522")
    await s.refused(await s.get("zn_nr", f"/mining-rights/{other['id']}"), 404, "RIGHT_NOT_FOUND")
