"""Schemathesis over the classification and ledger routes, as county and city officials: no generated request
yields a 5xx (the same property as tests/reliability/test_schemathesis.py, without Temporal)."""

import asyncio
import re
import sys
from pathlib import Path

import pytest

from tests.support.serve import serve

SECONDS_PER_ROLE = 8
# Starting cases from a run needs Temporal: tests/reliability/test_schemathesis.py covers it with the engine up.
PATHS = r"^/api/v1/(classifications(?!/\{run_id\}/cases)|ledger|mines/\{mine_id\}/assessment)"


@pytest.mark.parametrize("username", ["zn_nr", "city_nr"])
async def test_no_generated_request_yields_a_server_error(api, username, tmp_path):
    s = api
    mine = await s.mine("中宁县石空镇红梁子石膏矿")
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.mine_id" = {mine.id}\n"query.city" = "640500"\n', encoding="utf-8")
    st = Path(sys.executable).parent / "st"
    async for base in serve(s.app):
        process = await asyncio.create_subprocess_exec(
            str(st), "--config-file", str(config), "run", f"{base}/openapi.json", "--checks", "not_a_server_error",
            "--include-path-regex", PATHS,
            "--header", f"Authorization: {s.auth(username)['Authorization']}",
            "--max-time", str(SECONDS_PER_ROLE), "--workers", "1", "--request-timeout", "20",
            "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        report = output.decode(errors="replace")
        assert process.returncode == 0, report[-6000:]
        operations = sum(len(methods) for path, methods in s.app.openapi()["paths"].items()
                         if re.match(PATHS, path))
        assert f"Tested: {operations}" in report, report[-3000:]  # every classification and ledger operation
