"""Mining-right cases open read-only in the web console (their actions are taken through the API)."""

from tests.console.test_console_pages import web  # noqa: F401  (the cookie-keeping browser fixture)
from tests.rights.support import county_right, propose, submit_transfer


async def test_transfer_and_grant_pages_render(stack, web):  # noqa: F811
    s = stack
    right = await county_right(s)
    transfer = (await submit_transfer(s, right["id"]))["case_id"]
    grant = (await propose(s))["case_id"]
    await web.login("zn_nr")
    for case_id, words in ((transfer, "受让人共同申请"), (grant, "县三重一大集体研究")):
        page = await web.http.get(f"/console/cases/{case_id}")
        assert page.status_code == 200 and case_id in page.text and f'id="case-stage">{words}</span>' in page.text
    listed = await web.http.get("/console/cases")
    assert listed.status_code == 200 and transfer in listed.text and grant in listed.text
