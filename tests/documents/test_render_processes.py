"""PDFs render in processes of their own (documents/issue.py), so a render never holds the worker's GIL. A render
process that dies (killed by the OOM killer or an operator) fails that one attempt with a retryable error, and the
next render gets a fresh process."""

import os
import signal
from datetime import date
from functools import partial

import psutil
import pytest
from temporalio.exceptions import ApplicationError

from documents import issue
from documents.builders import Content, Issue, Table
from documents.render import render_pdf


def _die() -> bytes:
    os.kill(os.getpid(), signal.SIGKILL)
    return b""


def _pdf_like() -> bytes:
    return b"%PDF-1.7 rendered in " + str(os.getpid()).encode()


def _pid() -> bytes:
    return str(os.getpid()).encode()


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


async def test_a_render_process_frees_each_documents_memory():
    """WeasyPrint leaves reference cycles behind each document: left to Python's generational collector they took a
    render process from ≈ 200 MB to ≈ 800 MB within a dozen documents, per worker; collected after each, ≈ 150 MB."""
    content = Content(title="关于中宁县某某矿业有限公司开复工的批复", addressee="中宁县某某矿业有限公司",
                      blocks=["你公司报来的开复工申请及相关材料收悉。经联合验收并经集体决策研究，现批复如下：" * 4,
                              ["同意你公司所属矿山开复工。", "严格落实安全生产主体责任。"],
                              Table(header=["单位", "意见", "日期"],
                                    rows=[["中宁县应急管理局", "同意", "2026年12月4日"]] * 8)],
                      cc=["中卫市自然资源局"], closing="此复。")
    facts = Issue(doc_no="中宁自然资复〔2026〕1号", issued_on=date(2026, 12, 4), issuer="中宁县自然资源局",
                  government="中宁县人民政府", city_bureau="中卫市自然资源局")
    try:
        renderer = psutil.Process(int(await issue._render(1, _pid)))
        for n in range(12):
            pdf = await issue._render(1, partial(render_pdf, content, facts, code=f"ABCD-{n:04d}", url=f"https://x/{n}"))
            assert pdf.startswith(b"%PDF")
        assert int(await issue._render(1, _pid)) == renderer.pid  # the same process all along
        assert renderer.memory_info().rss < 250 * 2**20, f"{renderer.memory_info().rss / 2**20:.0f} MB"
    finally:
        issue.stop_renderers()
