"""PDFs render in processes of their own (documents/issue.py), so a render never holds the worker's GIL. A render
process that dies (killed by the OOM killer or an operator) fails that one attempt with a retryable error, and the
next render gets a fresh process."""

import os
import signal

import pytest
from temporalio.exceptions import ApplicationError

from documents import issue


def _die() -> bytes:
    os.kill(os.getpid(), signal.SIGKILL)
    return b""


def _pdf_like() -> bytes:
    return b"%PDF-1.7 rendered in " + str(os.getpid()).encode()


def _priority() -> bytes:
    return str(os.nice(0)).encode()


async def test_a_killed_render_process_fails_one_attempt_and_the_next_render_gets_a_new_one():
    first = await issue._render(1, _pdf_like)
    assert first.startswith(b"%PDF") and int(first.split()[-1]) != os.getpid()  # not this process
    assert int(await issue._render(1, _priority)) >= issue.RENDER_NICENESS  # below the worker's priority

    with pytest.raises(ApplicationError) as died:
        await issue._render(1, _die)
    assert died.value.type == "RENDER_PROCESS_DIED" and not died.value.non_retryable
    again = await issue._render(1, _pdf_like)
    assert again.startswith(b"%PDF") and again != first  # a new process
    issue.stop_renderers()
