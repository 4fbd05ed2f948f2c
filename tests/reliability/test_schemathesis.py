"""Schemathesis against the OpenAPI document, logged in as each role: no request it generates yields a 5xx.

Runs the `st` CLI against the real app on a loopback socket (real Temporal dev server, worker, database), with a
time budget per role; `--checks not_a_server_error` is the property under test.
"""

import pytest

from tests.support.schemathesis import run_schemathesis

pytestmark = pytest.mark.devserver

ROLES = {
    "enterprise": "zn_ent1", "department_officer": "zn_police", "expert": "zn_expert1", "county_nr": "zn_nr",
    "committee_secretary": "zn_committee", "city_nr": "city_nr", "supervisor": "zn_supervisor", "admin": "admin",
}
SECONDS_PER_ROLE = 6


@pytest.mark.parametrize("role", list(ROLES))
async def test_no_generated_request_yields_a_server_error(dev_stack, role, tmp_path):
    s = dev_stack
    case = await s.submit()  # a real case in joint acceptance, so generated calls reach the workflow's validators
    await s.accept(case["case_id"])
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        f'"path.case_id" = "{case["case_id"]}"\n'
        '"path.party" = "public_security"\n'
        f'"path.mine_id" = {case["mine_id"]}\n'
        f'"query.mine_id" = {case["mine_id"]}\n', encoding="utf-8")
    code, report = await run_schemathesis(s.app, config=config, authorization=s.auth(ROLES[role])["Authorization"],
                                          seconds=SECONDS_PER_ROLE)
    assert code == 0, report[-6000:]
