"""Conflicting actions fired together are linearizable: what each caller hears, and where the case ends up, is what
one serial order of the two would give — never both applied when either excludes the other, never a move
acknowledged that the case no longer shows.

Each race is repeated on fresh cases against the real dev server, through the HTTP API, the way two officials
clicking at once would meet it; every repetition is checked against the serial orders.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from api.kinds import KINDS
from tests.support.stack import Stack
from workflows.parts.countersign import CountersignMoves

pytestmark = pytest.mark.devserver
TIMES = 6  # repetitions of each race (each on its own case, prepared together)
LAST = "zn_expert3"  # the party left to sign


def test_the_reopening_is_the_only_countersigning_procedure():
    """The races below are driven through the reopening; a new countersigning procedure must join them."""
    assert {k.code for k in KINDS.values() if issubclass(k.workflow, CountersignMoves)} == {"reopening"}


async def _one_left(s: Stack) -> str:
    """A case in joint acceptance with every party signed but the last expert."""
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    await s.sign_all_except(case_id, LAST)
    return str(case_id)


async def _at_committee(s: Stack) -> str:
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    await s.sign_all(case_id)
    return str(case_id)


async def _race(s: Stack, prepare: Callable[[Stack], Awaitable[str]],
                first: Callable[[str], Awaitable[httpx.Response]], second: Callable[[str], Awaitable[httpx.Response]],
                check: Callable[[int, int, dict[str, Any]], None]) -> None:
    case_ids = await asyncio.gather(*(prepare(s) for _ in range(TIMES)))
    for case_id in case_ids:
        a, b = await asyncio.gather(first(case_id), second(case_id))
        assert a.status_code in (200, 403, 409) and b.status_code in (200, 403, 409), (a.text, b.text)
        check(a.status_code, b.status_code, await s.case(case_id))


def _actions(case: dict[str, Any]) -> list[str]:
    return [e["action"] for e in case["timeline"]]


async def test_last_sign_off_against_a_return(dev_stack: Stack):
    s = dev_stack

    def check(signed: int, returned: int, case: dict[str, Any]) -> None:
        assert [signed, returned].count(200) == 1, (signed, returned)  # the two exclude each other
        last_round = case["rounds"][-1]
        if signed == 200:  # sign-off first: the round passed, the return came too late
            assert returned == 409 and case["stage"] == "committee_review" and last_round["outcome"] == "pass"
            assert "returned" not in _actions(case)
        else:  # return first: the round closed as returned, the sign-off found no round
            assert case["stage"] == "intake" and last_round["outcome"] == "returned"
            assert _actions(case).count("signed_off") == 7

    await _race(s, _one_left, lambda c: s.sign(c, LAST),
                lambda c: s.post("zn_nr", f"/cases/{c}/return", {"to_stage": "intake", "reason": "材料需重新受理"}),
                check)


async def test_last_sign_off_against_removing_that_party(dev_stack: Stack):
    s = dev_stack

    def check(signed: int, removed: int, case: dict[str, Any]) -> None:
        assert [signed, removed].count(200) == 1, (signed, removed)
        task = next(p for p in case["rounds"][-1]["parties"] if p["party"] == f"expert:{LAST}")
        # either way the round is complete and the case moved on, with the party signed or removed — not both
        assert case["stage"] == "committee_review"
        assert (task["verdict"] == "pass") == (signed == 200) and (task["removed_at"] is not None) == (removed == 200)

    await _race(s, _one_left, lambda c: s.sign(c, LAST),
                lambda c: s.request("DELETE", "zn_nr", f"/cases/{c}/parties/expert:{LAST}", {"reason": "专家回避"}),
                check)


async def test_last_sign_off_against_adding_a_party(dev_stack: Stack):
    s = dev_stack

    def check(signed: int, added: int, case: dict[str, Any]) -> None:
        assert signed == 200  # nothing stops the last party signing
        parties = {p["party"] for p in case["rounds"][-1]["parties"]}
        if added == 200:  # 加签 first: the round waits on the new party
            assert case["stage"] == "joint_acceptance" and "forestry_grassland" in parties
            assert [p["party"] for p in case["pending"]] == ["forestry_grassland"]
        else:  # the round had closed: 加签 refused, nothing added to a closed round
            assert added == 409 and case["stage"] == "committee_review" and "forestry_grassland" not in parties

    await _race(s, _one_left, lambda c: s.sign(c, LAST),
                lambda c: s.post("zn_nr", f"/cases/{c}/parties", {"party": "forestry_grassland", "reason": "涉及林地"}),
                check)


async def test_return_against_withdrawal(dev_stack: Stack):
    s = dev_stack

    def check(returned: int, withdrawn: int, case: dict[str, Any]) -> None:
        assert withdrawn == 200 and case["status"] == "withdrawn"  # the enterprise may withdraw either way
        if returned == 200:  # returned first, then withdrawn from intake
            assert _actions(case).index("returned") < _actions(case).index("withdrawn")
        else:
            assert returned == 409 and "returned" not in _actions(case)

    await _race(s, _one_left,
                lambda c: s.post("zn_nr", f"/cases/{c}/return", {"to_stage": "intake", "reason": "重新受理"}),
                lambda c: s.post("zn_ent1", f"/cases/{c}/withdraw", {"reason": "企业决定暂不复工"}), check)


async def test_committee_decision_against_withdrawal(dev_stack: Stack):
    s = dev_stack

    def check(decided: int, withdrawn: int, case: dict[str, Any]) -> None:
        assert [decided, withdrawn].count(200) == 1, (decided, withdrawn)
        if decided == 200:  # approved first: past 批复's threshold nothing is withdrawn
            assert withdrawn == 409 and case["stage"] == "approval" and case["status"] == "active"
        else:
            assert decided == 409 and case["status"] == "withdrawn" and not case["committee_meetings"]

    async def decide(case_id: str) -> httpx.Response:
        return await s.decide(case_id)

    await _race(s, _at_committee, decide,
                lambda c: s.post("zn_ent1", f"/cases/{c}/withdraw", {"reason": "企业决定暂不复工"}), check)
