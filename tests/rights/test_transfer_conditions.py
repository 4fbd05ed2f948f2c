"""A transfer refused on each condition of 国务院令第242号 第六条、第七条: the approval is refused naming the condition
and its clause, and the refusal states them as its reasons."""

from datetime import timedelta

import pytest

from tests.rights.support import county_right, materials, submit_transfer, to_decision

CASES = {
    "produced_one_year": ({"started_days_ago": 200}, "第六条第（一）项"),
    "no_dispute": ({"dispute": True}, "第六条第（二）项"),
    "fees_paid": ({"fees_paid": False}, "第六条第（三）项"),
    "transferee_qualified": ({"transferee_qualified": False}, "第七条"),
    "supervisor_consent": ({"state_owned": True}, "第六条第二款"),
}


@pytest.mark.parametrize("condition", list(CASES))
async def test_transfer_refused_on_each_condition(timed, condition):
    s, _env = timed
    setup, clause = CASES[condition]
    today = await s.today()
    started = today - timedelta(days=setup.get("started_days_ago", 700))
    right = await county_right(s, started=started, state_owned=setup.get("state_owned", False))
    if setup.get("dispute"):
        await s.ok(await s.post("zn_nr", f"/mining-rights/{right['id']}/corrections",
                                {"ownership_dispute": True, "reason": "收到权属争议材料"}))
    evidence = {k: v for k, v in setup.items() if k in ("fees_paid", "transferee_qualified")}
    case_id = await to_decision(s, right["id"], state_owned=setup.get("state_owned", False), **evidence)
    case = await s.case(case_id)
    assert [c["condition"] for c in case["conditions"] if not c["met"]] == [condition]

    error = await s.refused(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision", {"decision": "approve"}),
                            422, "TRANSFER_CONDITION_NOT_MET")
    [failed] = error["details"]["conditions"]
    assert failed["condition"] == condition and clause in failed["clause"] and clause in error["message"]

    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision",
                                   {"decision": "refuse", "reasons": ["经审查不符合转让条件"]}))
    assert case["status"] == "rejected" and case["stage"] == "refused"
    assert clause in case["refusal_reasons"][0] and case["refusal_reasons"][1] == "经审查不符合转让条件"
    assert clause in case["outcome_reason"]
    # both parties read the reasons
    for username in ("zn_ent1", "zn_ent2"):
        assert clause in (await s.case(case_id, username))["outcome_reason"]


async def test_state_owned_holder_needs_the_consent_document_among_the_materials(timed):
    s, _env = timed
    right = await county_right(s, state_owned=True)
    case_id = (await submit_transfer(s, right["id"], state_owned=False, supervisor_consent=True))["case_id"]
    await s.ok(await s.post("zn_ent2", f"/cases/{case_id}/transferee-confirmation", {}))
    error = await s.refused(await s.post("zn_nr", f"/cases/{case_id}/transfer-review", {"decision": "accept"}),
                            422, "MATERIALS_MISSING")
    assert error["details"]["missing"] == ["supervisor_consent"] and "第八条" in error["message"]
    assert len(materials(True)) == len(materials(False)) + 1


async def test_a_transferee_that_is_the_holder_itself_or_a_stranger_is_refused(timed):
    s, _env = timed
    right = await county_right(s)
    body = {"right_id": right["id"], "transferee_enterprise_id": right["holder_enterprise_id"], "reason": "自转",
            "price_wan_yuan": 1, "evidence": {"fees_paid": True, "transferee_qualified": True},
            "materials": materials()}
    await s.refused(await s.post("zn_ent1", "/transfers", body), 422, "TRANSFER_PARTIES_INVALID")
    # only the holder may apply to transfer its right
    await s.refused(await s.post("zn_ent2", "/transfers", {**body, "transferee_enterprise_id": 1}),
                    403, "NOT_YOUR_CASE")
