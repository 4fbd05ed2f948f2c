"""Refusals a user meets, each with its code and Chinese message, and nothing stored when refused."""

import asyncio

import pytest

from models.db import utcnow
from models.projection import IdempotencyRecord
from tests.support.stack import EXPIRED_MINE, SHIKONG_MINE, materials_for


async def test_expired_licence_is_refused_at_submission(stack):
    s = stack
    mine = await s.mine(EXPIRED_MINE)
    body = {"mine_id": mine.id, "reason": "申请复工", "materials": materials_for(mine.method)}
    error = await s.refused(await s.post("zn_ent1", "/reopenings", body), 422, "LICENCE_EXPIRED")
    assert error["details"] == {"licence_no": mine.licence_no, "licence_valid_to": "2025-12-31"}
    assert "2025-12-31" in error["message"]
    assert (await s.ok(await s.get("zn_ent1", "/cases")))["total"] == 0


async def test_unknown_mine_is_404(stack):
    await stack.refused(await stack.post("zn_ent1", "/reopenings", {"mine_id": 99999, "reason": "x"}),
                        404, "MINE_NOT_FOUND")


async def test_a_second_open_application_for_the_same_mine_is_refused(stack):
    first = await stack.submit()
    mine = await stack.mine(SHIKONG_MINE)
    response = await stack.post("zn_ent1", "/reopenings", {"mine_id": mine.id, "reason": "再次申请"})
    error = await stack.refused(response, 409, "CASE_ALREADY_OPEN")
    assert error["details"] == {"case_id": first["case_id"]}


async def test_idempotency_key_returns_the_first_case_and_never_a_second(stack):
    s = stack
    first = await s.submit(headers={"Idempotency-Key": "submit-1"})
    again = await s.submit(headers={"Idempotency-Key": "submit-1"})
    assert again["case_id"] == first["case_id"]
    assert (await s.ok(await s.get("zn_ent1", "/cases")))["total"] == 1
    mine = await s.mine(SHIKONG_MINE)
    different = await s.post("zn_ent1", "/reopenings", {"mine_id": mine.id, "reason": "另一个理由"},
                             {"Idempotency-Key": "submit-1"})
    await s.refused(different, 422, "IDEMPOTENCY_KEY_REUSED")


async def test_retried_action_with_the_same_key_is_applied_once(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    body = {"verdict": "pass", "opinion": "同意"}
    key = {"Idempotency-Key": "sign-police-1"}
    first = await s.ok(await s.post("zn_police", f"/cases/{case_id}/acceptance/sign-offs", body, key))
    second = await s.ok(await s.post("zn_police", f"/cases/{case_id}/acceptance/sign-offs", body, key))
    assert len(second["pending"]) == len(first["pending"]) == 7
    signed = [e for e in second["timeline"] if e["action"] == "signed_off"]
    assert len(signed) == 1


async def test_an_action_key_reused_for_another_request_is_refused_and_a_refused_request_binds_no_key(stack):
    """The same key with a different body (a pass, then a fail) is refused, not silently answered with the first
    result; a request the workflow refused binds nothing, so its corrected form may go with the same key."""
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    path, key = f"/cases/{case_id}/acceptance/sign-offs", {"Idempotency-Key": "sign-police-2"}
    refused = await s.post("zn_police", path, {"verdict": "fail"}, key)  # a fail must give its reasons
    await s.refused(refused, 422, "VALIDATION_FAILED")
    signed = await s.ok(await s.post("zn_police", path, {"verdict": "pass", "opinion": "同意"}, key))
    reused = await s.post("zn_police", path, {"verdict": "fail", "opinion": "存在隐患"}, key)
    error = await s.refused(reused, 422, "IDEMPOTENCY_KEY_REUSED")
    assert error["details"]["case_id"] == case_id
    case = await s.case(case_id)
    police = [e for e in case["timeline"] if e["action"] == "signed_off"]
    assert len(police) == 1 and police[0]["data"]["verdict"] == "pass" and len(signed["pending"]) == 7


async def test_accepting_an_incomplete_application_is_refused_with_what_is_missing(stack):
    s = stack
    case_id = (await s.submit(materials=[{"kind": "mining_licence", "ref": "证-1"}]))["case_id"]
    error = await s.refused(await s.post("zn_nr", f"/cases/{case_id}/intake",
                                         {"decision": "accept", "experts": ["zn_expert1", "zn_expert2", "zn_expert3"]}),
                            422, "MATERIALS_MISSING")
    assert "safety_facility_design" in error["details"]["missing"]
    assert "forest_grassland" not in error["details"]["missing"]  # underground mine
    assert (await s.case(case_id))["stage"] == "intake"


async def test_correction_lists_everything_at_once_and_must_be_answered_in_full(stack):
    s = stack
    case_id = (await s.submit(materials=[{"kind": "mining_licence", "ref": "证-1"}]))["case_id"]
    await s.refused(await s.post("zn_nr", f"/cases/{case_id}/intake", {"decision": "request_correction"}),
                    422, "CORRECTION_LIST_EMPTY")
    missing = ["safety_facility_design", "safety_assessment"]
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake",
                                   {"decision": "request_correction", "missing": missing}))
    assert case["stage"] == "correction" and case["missing"] == missing
    partial = await s.post("zn_ent1", f"/cases/{case_id}/corrections",
                           {"materials": [{"kind": "safety_assessment", "ref": "安评"}]})
    error = await s.refused(partial, 422, "MATERIALS_MISSING")
    assert error["details"] == {"missing": ["safety_facility_design"]}
    case = await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/corrections",
                                   {"materials": [{"kind": k, "ref": f"补-{k}"} for k in missing]}))
    assert case["stage"] == "intake" and case["missing"] == []


@pytest.mark.parametrize(("experts", "code"), [
    (["zn_expert1", "zn_expert2"], "EXPERT_PANEL_INVALID"),  # fewer than the panel size (3)
    (["zn_expert1", "zn_expert1", "zn_expert2"], "EXPERT_PANEL_INVALID"),
    (["zn_expert1", "zn_expert2", "zn_police"], "EXPERT_PANEL_INVALID"),  # not an expert
    (["zn_expert1", "zn_expert2", "hy_expert1"], "EXPERT_PANEL_INVALID"),  # another county's expert
    (["zn_expert1", "zn_expert2", "nobody"], "EXPERT_PANEL_INVALID"),
])
async def test_expert_panel_rules(stack, experts, code):
    case_id = (await stack.submit())["case_id"]
    response = await stack.post("zn_nr", f"/cases/{case_id}/intake", {"decision": "accept", "experts": experts})
    await stack.refused(response, 422, code)
    assert (await stack.case(case_id))["stage"] == "intake"


async def test_wrong_stage_is_409_with_the_stage_named(stack):
    case_id = (await stack.submit())["case_id"]
    error = await stack.refused(await stack.approve_raw(case_id), 409, "WRONG_STAGE")
    assert error["details"] == {"stage": "intake"} and "受理" in error["message"]


async def test_resumption_date_must_follow_the_approval(stack):
    s = stack
    case_id = await s.to_committee()
    await s.ok(await s.decide(case_id))
    await s.approve(case_id)
    response = await s.post("zn_ent1", f"/cases/{case_id}/resumption", {"resumed_on": "2020-01-01"})
    await s.refused(response, 422, "DATE_INVALID")


async def test_unknown_case_is_404(stack):
    await stack.refused(await stack.get("zn_nr", "/cases/KFG-20260101-NOSUCH"), 404, "CASE_NOT_FOUND")
    await stack.refused(await stack.post("zn_nr", "/cases/KFG-20260101-NOSUCH/approval"), 404, "CASE_NOT_FOUND")


async def test_malformed_json_and_wrong_types_are_422_with_the_field(stack):
    raw = await stack.http.post("/api/v1/reopenings", content=b'{"mine_id": 1,', headers={
        **stack.auth("zn_ent1"), "Content-Type": "application/json"})
    await stack.refused(raw, 422, "MALFORMED_JSON")
    error = await stack.refused(await stack.post("zn_ent1", "/reopenings", {"mine_id": "五", "reason": "x"}),
                                422, "VALIDATION_FAILED")
    assert error["details"]["errors"][0]["field"] == "body.mine_id"
    assert error["details"]["errors"][0]["message"] == "应为整数"
    error = await stack.refused(await stack.post("zn_ent1", "/reopenings", {
        "mine_id": 1, "reason": "x", "materials": [{"kind": "bribe", "ref": "x"}]}), 422, "VALIDATION_FAILED")
    assert error["details"]["errors"][0]["field"].startswith("body.materials.0.kind")


async def test_a_retried_closing_action_gets_its_first_answer_not_case_closed(stack):
    """A client that lost the answer to the action that closed the case (a withdrawal, the last step) retries with
    the same Idempotency-Key: it must get what the first request got, not 409 CASE_CLOSED — it cannot tell a
    closed-by-me from a closed-by-someone-else otherwise. Another key, or the same key with another body, is refused."""
    s = stack
    case_id = (await s.submit())["case_id"]
    path, key = f"/cases/{case_id}/withdraw", {"Idempotency-Key": "withdraw-1"}
    first = await s.ok(await s.post("zn_ent1", path, {"reason": "企业决定暂不复工"}, key))
    assert first["status"] == "withdrawn"
    again = await s.ok(await s.post("zn_ent1", path, {"reason": "企业决定暂不复工"}, key))
    assert (again["case_id"], again["status"], again["stage"]) == (case_id, "withdrawn", first["stage"])
    assert again["timeline"] == (await s.case(case_id, "zn_ent1"))["timeline"]  # nothing applied twice
    await s.refused(await s.post("zn_ent1", path, {"reason": "企业决定暂不复工"}, {"Idempotency-Key": "withdraw-2"}),
                    409, "CASE_CLOSED")
    await s.refused(await s.post("zn_ent1", path, {"reason": "另一个理由"}, key), 422, "IDEMPOTENCY_KEY_REUSED")
    await s.refused(await s.post("zn_ent1", path, {"reason": "企业决定暂不复工"}), 409, "CASE_CLOSED")


async def test_refused_keyed_actions_release_their_keys_while_other_writers_commit(stack):
    """A refused request's key is released in a write of its own. Under SQLite WAL a read that then turns into a
    write fails at once (no busy wait) when another writer committed in between: here the documents and audit
    writers of a busy case are played by a loop committing as fast as it can."""
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    path = f"/cases/{case_id}/acceptance/sign-offs"
    stop = asyncio.Event()

    async def writer() -> int:
        n = 0
        while not stop.is_set():
            async with s.db.write() as session:  # another user's keys: a write this test's requests never read
                session.add(IdempotencyRecord(username="zn_nr", key=f"other-{n}", request_hash="0" * 64,
                                              case_id=case_id, request_body="", created_at=utcnow()))
            n += 1
            await asyncio.sleep(0)
        return n

    writes = asyncio.create_task(writer())
    try:
        answers = [await s.post("zn_police", path, {"verdict": "fail"}, {"Idempotency-Key": f"busy-{i}"})
                   for i in range(25)]
    finally:
        stop.set()
        committed = await writes
    assert committed > 25, "the other writer did not keep committing"
    assert [a.status_code for a in answers] == [422] * 25, [a.text for a in answers if a.status_code != 422]
    assert {a.json()["error"]["code"] for a in answers} == {"VALIDATION_FAILED"}
    # every key was released: its corrected request goes through with it
    signed = await s.ok(await s.post("zn_police", path, {"verdict": "pass", "opinion": "同意"},
                                     {"Idempotency-Key": "busy-24"}))
    assert len(signed["pending"]) == 7
