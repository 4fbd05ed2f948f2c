"""Schemathesis over the classification and ledger routes, as county and city officials: no generated request
yields a 5xx (the same property as tests/reliability/test_schemathesis.py, without Temporal)."""

import re

import pytest

from tests.support.schemathesis import run_schemathesis

SECONDS_PER_ROLE = 8
# Starting cases from a run needs Temporal: tests/reliability/test_schemathesis.py covers it with the engine up.
PATHS = r"^/api/v1/(classifications(?!/\{run_id\}/cases)|ledger|mines/\{mine_id\}/assessment)"


@pytest.mark.parametrize("username", ["zn_nr", "city_nr"])
async def test_no_generated_request_yields_a_server_error(api, username, tmp_path):
    s = api
    mine = await s.mine("中宁县石空镇红梁子石膏矿")
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.mine_id" = {mine.id}\n"query.city" = "640500"\n', encoding="utf-8")
    code, report = await run_schemathesis(s.app, config=config, authorization=s.auth(username)["Authorization"],
                                          seconds=SECONDS_PER_ROLE, include_path_regex=PATHS)
    assert code == 0, report[-6000:]
    operations = sum(len(methods) for path, methods in s.app.openapi()["paths"].items() if re.match(PATHS, path))
    assert f"Tested: {operations}" in report, report[-3000:]  # every classification and ledger operation
