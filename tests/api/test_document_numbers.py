"""批复文号: one gap-free sequence per county and year, never duplicated, even under concurrency and retries."""

import asyncio

from activities.cases import CaseActivities
from models.cases import DocumentNumberRequest


def request(case_id: str, division="640521", short="中宁", year=2026) -> DocumentNumberRequest:
    return DocumentNumberRequest(case_id=case_id, purpose="reopening_approval", division_code=division,
                                 county_short_name=short, doc_type="自然资复", year=year)


async def test_concurrent_draws_are_unique_and_gap_free(demo_db):
    activities = CaseActivities(demo_db)
    issued = await asyncio.gather(*(activities.issue_document_number(request(f"C{i}")) for i in range(25)))
    assert sorted(d.seq for d in issued) == list(range(1, 26))
    assert len({d.doc_no for d in issued}) == 25


async def test_a_retried_draw_returns_the_number_already_drawn(demo_db):
    activities = CaseActivities(demo_db)
    first = await activities.issue_document_number(request("CASE-A"))
    again = await asyncio.gather(*(activities.issue_document_number(request("CASE-A")) for _ in range(5)))
    assert {d.doc_no for d in again} == {first.doc_no} == {"中宁自然资复〔2026〕1号"}
    assert (await activities.issue_document_number(request("CASE-B"))).seq == 2


async def test_each_county_and_year_counts_on_its_own(demo_db):
    activities = CaseActivities(demo_db)
    zn = await activities.issue_document_number(request("Z1"))
    hy = await activities.issue_document_number(request("H1", "640522", "海原"))
    next_year = await activities.issue_document_number(request("Z2", year=2027))
    assert (zn.doc_no, hy.doc_no, next_year.doc_no) == (
        "中宁自然资复〔2026〕1号", "海原自然资复〔2026〕1号", "中宁自然资复〔2027〕1号")


async def test_concurrent_approvals_through_the_api_get_distinct_consecutive_numbers(stack):
    s = stack
    mines = ["中宁县石空镇双龙山石膏矿", "中宁县鸣沙镇建筑用白云岩矿", "中宁县余丁乡水泥用灰岩矿"]
    owners = {"中宁县石空镇双龙山石膏矿": ("zn_ent1", "zn_shikong"),
              "中宁县鸣沙镇建筑用白云岩矿": ("zn_ent2", "zn_mingsha"),
              "中宁县余丁乡水泥用灰岩矿": ("zn_ent2", "zn_yuding")}
    case_ids = []
    for mine in mines:
        owner, township = owners[mine]
        case_id = (await s.submit(mine, username=owner))["case_id"]
        await s.accept(case_id)
        await s.sign_all(case_id, township=township)
        await s.ok(await s.decide(case_id))
        case_ids.append(case_id)
    approved = await asyncio.gather(*(s.approve(c) for c in case_ids))
    year = (await s.today()).year
    assert sorted(c["document_no"] for c in approved) == [f"中宁自然资复〔{year}〕{n}号" for n in (1, 2, 3)]
