"""Schemathesis against the OpenAPI document, logged in as each role: no request it generates yields a 5xx.

Runs the `st` CLI against the real app on a loopback socket (real Temporal dev server, worker, database), with a
time budget per role; `--checks not_a_server_error` is the property under test.
"""

import asyncio
import sys
from pathlib import Path

import pytest

from tests.support.serve import serve

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
    st = Path(sys.executable).parent / "st"
    async for base in serve(s.app):
        process = await asyncio.create_subprocess_exec(
            str(st), "--config-file", str(config), "run", f"{base}/openapi.json", "--checks", "not_a_server_error",
            "--header", f"Authorization: {s.auth(ROLES[role])['Authorization']}",
            "--max-time", str(SECONDS_PER_ROLE), "--workers", "1", "--request-timeout", "20",
            "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        report = output.decode(errors="replace")
        assert process.returncode == 0, report[-6000:]
