"""The steps of the 治理整顿 procedures over HTTP, so campaign tests state only what matters to them."""

from datetime import date
from typing import Any

from tests.support.stack import Stack

COUNTY_NR = {"640502": "spt_nr", "640521": "zn_nr", "640522": "hy_nr"}
SUPERVISOR = {"640502": "spt_supervisor", "640521": "zn_supervisor", "640522": "hy_supervisor"}


def groups() -> list[dict[str, Any]]:
    """The three 督查组 of seed 000 附件."""
    def members(*names: str) -> list[dict[str, str]]:
        return [{"name": names[0], "title": "市自然资源局法制科科长", "department": "natural_resources"},
                {"name": names[1], "title": "市自然资源局干部", "department": "natural_resources"},
                {"name": "市应急管理局干部", "department": "emergency_management"},
                {"name": "市生态环境局干部", "department": "ecology_environment"}]

    return [
        {"county_code": "640502", "name": "第一督查组", "leader": "祁少波", "members": members("崔永东", "徐海珠")},
        {"county_code": "640521", "name": "第二督查组", "leader": "王东山", "members": members("魏春勇", "杨旭虎")},
        {"county_code": "640522", "name": "第三督查组", "leader": "王东山", "members": members("蔡永慧", "周莹")},
    ]


async def open_campaign(s: Stack, *, moratorium: bool = True, results_due: date | None = None,
                        acceptance_due: date | None = None) -> dict[str, Any]:
    today = await s.today()
    body = {"title": "中卫市矿产资源开采治理整顿",
            "results_due": str(results_due or today.replace(year=today.year + 1)),
            "acceptance_due": str(acceptance_due or today.replace(year=today.year + 1, month=12, day=31)),
            "groups": groups(), "moratorium": moratorium}
    return await s.ok(await s.post("city_nr", "/campaigns", body), 201)


async def start_rectifications(s: Stack, mine_ids: list[int], campaign_id: str | None,
                               username: str = "city_nr") -> dict[str, Any]:
    return await s.ok(await s.post(username, "/rectifications/batch",
                                   {"mine_ids": mine_ids, "campaign_id": campaign_id}))


PLAN_ITEMS = [
    {"check": "safety", "link": "suspension", "description": "更新安全设施设计并排查整治安全隐患", "working_days": 10},
    {"check": "development_restoration", "link": "restoration", "description": "按恢复治理方案完成边坡治理",
     "working_days": 20},
    {"check": "environment", "link": "regulation", "description": "落实环评要求的降尘措施", "working_days": 15},
]


async def submit_plan(s: Stack, case_id: str, nr: str = "zn_nr",
                      items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    body = {"responsible_person": "张建国", "responsible_title": "矿长", "measures": "停产整治，逐项销号",
            "items": items or PLAN_ITEMS}
    return await s.ok(await s.post(nr, f"/cases/{case_id}/plan", body))


def officer_for(item: dict[str, Any], county_prefix: str) -> str:
    return {"emergency_management": f"{county_prefix}_emergency", "ecology_environment": f"{county_prefix}_ecology",
            "natural_resources": f"{county_prefix}_nr", "water_resources": f"{county_prefix}_water",
            "public_security": f"{county_prefix}_police", "forestry_grassland": f"{county_prefix}_forestry",
            "power_supply": f"{county_prefix}_power"}[item["department"]]


async def close_all_items(s: Stack, case: dict[str, Any], county_prefix: str = "zn") -> dict[str, Any]:
    for item in case["items"]:
        if item["status"] == "open":
            case = await s.ok(await s.post(officer_for(item, county_prefix),
                                           f"/cases/{case['case_id']}/items/{item['no']}/close",
                                           {"evidence": [f"佐证-{item['no']}"], "note": "已整改到位"}))
    return case


async def accept(s: Stack, case_id: str, nr: str = "zn_nr") -> dict[str, Any]:
    await s.ok(await s.post(nr, f"/cases/{case_id}/county-acceptance", {"verdict": "pass", "opinion": "整改到位"}))
    return await s.ok(await s.post("city_nr", f"/cases/{case_id}/region-acceptance",
                                   {"verdict": "pass", "opinion": "自治区验收合格",
                                    "acceptance_ref": "宁自然资验〔2026〕1号"}))
