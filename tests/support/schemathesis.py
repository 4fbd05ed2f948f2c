"""Schemathesis' `st` CLI against an app served on loopback: the property is `not_a_server_error` (no 5xx)."""

import asyncio
import sys
from pathlib import Path

from fastapi import FastAPI

from tests.support.serve import serve


async def run_schemathesis(app: FastAPI, *, config: Path, authorization: str, seconds: int,
                           include_path_regex: str | None = None) -> tuple[int, str]:
    """Generated requests as one logged-in caller for `seconds`: st's exit code and its report."""
    st = Path(sys.executable).parent / "st"
    include = ["--include-path-regex", include_path_regex] if include_path_regex else []
    async for base in serve(app):
        process = await asyncio.create_subprocess_exec(
            str(st), "--config-file", str(config), "run", f"{base}/openapi.json", "--checks", "not_a_server_error",
            *include, "--header", f"Authorization: {authorization}",
            "--max-time", str(seconds), "--workers", "1", "--request-timeout", "20",
            "--phases", "examples,coverage,fuzzing", "--suppress-health-check", "all",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        assert process.returncode is not None  # communicate() waits for the exit
        return process.returncode, output.decode(errors="replace")
    raise AssertionError("the app was not served")
