"""Files carried by actions: an action (or an application) naming uploaded files gets them checked readable by its
caller first, recorded with their hashes on the act's timeline entry, and attached to the case once the workflow
accepted it — the same for every action; a refused action attaches nothing."""

from typing import Any, get_args

from sqlmodel import select

from models.audit import AuditEntry
from tests.files.test_upload import upload
from tests.support import samples
from tests.support.stack import SHIKONG_MINE, Stack, materials_for


async def uploaded(s: Stack, username: str, name: str, text: str = "mineflow") -> dict[str, Any]:
    return await s.ok(await upload(s, username, samples.pdf(text), name), 201)


async def case_file_ids(s: Stack, case_id: str, username: str = "zn_nr") -> list[str]:
    return [f["id"] for f in await s.ok(await s.get(username, f"/cases/{case_id}/files"))]


async def chain_entries(s: Stack, case_id: str, action: str) -> list[AuditEntry]:
    async with s.db.session() as session:
        return list((await session.exec(select(AuditEntry).where(AuditEntry.case_id == case_id,
                                                                 AuditEntry.action == action))).all())


async def test_an_action_carries_its_files_onto_the_case_and_into_the_chain(stack):
    s = stack
    mine = await s.mine(SHIKONG_MINE)
    materials = materials_for(mine.method)
    application = await uploaded(s, "zn_ent1", "开复工申请书.pdf", "application")
    case_id = (await s.ok(await s.post("zn_ent1", "/reopenings", {
        "mine_id": mine.id, "reason": "停产整顿完成，申请复工", "materials": materials[1:],
        "files": [application["id"]]}), 201))["case_id"]
    assert await case_file_ids(s, case_id) == [application["id"]]  # the county reads the enterprise's upload now
    await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake",
                            {"decision": "request_correction", "missing": [materials[0]["kind"]]}))

    # a refused action attaches nothing: the correction lacks the material asked for
    report = await uploaded(s, "zn_ent1", "安全评价报告.pdf", "report")
    await s.refused(await s.post("zn_ent1", f"/cases/{case_id}/corrections", {
        "materials": [materials[1]], "files": [report["id"]]}), 422, "MATERIALS_MISSING")
    assert report["id"] not in await case_file_ids(s, case_id)
    assert (await s.http.get(f"/api/v1/files/{report['id']}", headers=s.auth("zn_nr"))).status_code == 404

    # another enterprise's file: 404, as if it did not exist, and the act is not taken
    foreign = await uploaded(s, "zn_ent2", "他人文件.pdf", "foreign")
    await s.refused(await s.post("zn_ent1", f"/cases/{case_id}/corrections", {
        "materials": materials[:1], "files": [report["id"], foreign["id"]]}), 404, "FILE_NOT_FOUND")
    assert (await s.case(case_id))["stage"] == "correction"

    # accepted: listed on the case, named with its hash on the act's timeline entry and in the audit chain
    body = {"materials": materials[:1], "files": [report["id"]]}
    case = await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/corrections", body, {"Idempotency-Key": "c-1"}))
    assert case["stage"] == "intake"
    again = await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/corrections", body, {"Idempotency-Key": "c-1"}))
    assert again["stage"] == "intake"  # the same request, answered as before: applied and attached once
    assert [e["action"] for e in again["timeline"]].count("corrected") == 1
    assert await case_file_ids(s, case_id, "zn_ent1") == [application["id"], report["id"]]
    corrected = next(e for e in case["timeline"] if e["action"] == "corrected")
    assert "附件：《安全评价报告.pdf》" in corrected["detail"]
    assert corrected["data"]["files"] == [{"id": report["id"], "name": "安全评价报告.pdf", "sha256": report["sha256"],
                                           "size": report["size"]}]
    attached = [e.detail for e in await chain_entries(s, case_id, "file_attached")]
    assert len(attached) == 2
    assert set(attached) == {f"附加文件《开复工申请书.pdf》（SHA-256 {application['sha256']}）",
                        f"附加文件《安全评价报告.pdf》（SHA-256 {report['sha256']}）"}
    assert any(report["sha256"] in e.data for e in await chain_entries(s, case_id, "corrected"))
    assert (await s.http.get(f"/api/v1/files/{report['id']}", headers=s.auth("zn_nr"))).status_code == 200

    # the same for a side action of another party: a department's sign-off with its site photo
    await s.accept(case_id)
    photo = await s.ok(await upload(s, "zn_police", samples.jpeg(), "现场照片.jpg", "image/jpeg"), 201)
    signed = await s.ok(await s.post("zn_police", f"/cases/{case_id}/acceptance/sign-offs", {
        "verdict": "pass", "opinion": "民爆物品管理符合要求", "files": [photo["id"]]}))
    entry = next(e for e in signed["timeline"] if e["action"] == "signed_off")
    assert entry["data"]["files"][0]["sha256"] == photo["sha256"] and "《现场照片.jpg》" in entry["detail"]
    assert photo["id"] in await case_file_ids(s, case_id, "zn_ent1")  # the enterprise reads the evidence on it
    report = await s.ok(await s.get("admin", "/admin/audit/verify"))
    assert report["ok"]


async def test_an_application_names_its_files_with_their_hashes_on_its_first_timeline_entry(stack):
    """The files given with a reopening's or a transfer's application are on the `submitted` entry (seq 1), with
    each SHA-256, so the application's own audit entry proves which bytes were given — not only `file_attached`."""
    from tests.rights.support import MINGSHA, county_right, enterprise_id, materials

    s = stack
    mine = await s.mine(SHIKONG_MINE)
    application = await uploaded(s, "zn_ent1", "开复工申请书.pdf", "reopening application")
    case = await s.ok(await s.post("zn_ent1", "/reopenings", {
        "mine_id": mine.id, "reason": "停产整顿完成，申请复工", "materials": materials_for(mine.method),
        "files": [application["id"]]}, {"Idempotency-Key": "r-files-1"}), 201)
    first = case["timeline"][0]
    assert (first["seq"], first["action"]) == (1, "submitted")
    assert "附件：《开复工申请书.pdf》" in first["detail"]
    assert first["data"]["files"] == [{"id": application["id"], "name": "开复工申请书.pdf",
                                       "sha256": application["sha256"], "size": application["size"]}]
    [submitted] = await chain_entries(s, case["case_id"], "submitted")
    assert application["sha256"] in submitted.data

    right = await county_right(s)
    contract = await uploaded(s, "zn_ent1", "转让合同.pdf", "transfer contract")
    transfer = await s.ok(await s.post("zn_ent1", "/transfers", {
        "right_id": right["id"], "transferee_enterprise_id": await enterprise_id(s, MINGSHA), "reason": "资产出售",
        "price_wan_yuan": 10, "evidence": {"fees_paid": True, "transferee_qualified": True},
        "materials": materials(), "files": [contract["id"]]}), 201)
    first = transfer["timeline"][0]
    assert first["action"] == "submitted" and "附件：《转让合同.pdf》" in first["detail"]
    assert [f["sha256"] for f in first["data"]["files"]] == [contract["sha256"]]
    assert await case_file_ids(s, transfer["case_id"]) == [contract["id"]]
    assert (await s.ok(await s.get("admin", "/admin/audit/verify")))["ok"]


def test_every_request_that_takes_files_carries_them_to_its_workflow():
    """Each action whose request takes uploaded file ids has an input that carries the checked references (`with_files`
    would otherwise drop them silently), and every step that records a document or evidence takes files."""
    import api.procedures  # noqa: F401  (registers the procedures)
    from api.kinds import KINDS
    from models.file_refs import FileRef

    def takes_files(request: type) -> bool:
        fields = request.model_fields
        items = get_args(fields["materials"].annotation) if "materials" in fields else ()
        under_materials = any("files" in getattr(item, "model_fields", {}) for item in items)
        return "files" in fields or under_materials

    def carries(workflow_input: type) -> bool:
        found = workflow_input.model_fields.get("files")
        return found is not None and found.annotation == list[FileRef]

    dropped, taking = [], set()
    for kind in KINDS.values():
        pairs = [(action.name, action.request, action.input) for action in kind.actions().values()]
        if kind.start is not None:
            pairs.append(("start", kind.start.request, kind.start_input))
        for name, request, workflow_input in pairs:
            if takes_files(request):
                taking.add(f"{kind.code}.{name}")
                if not carries(workflow_input):
                    dropped.append(f"{kind.code}.{name}")
    assert not dropped, f"files accepted but not carried: {dropped}"
    assert {"transfer.city_meeting", "transfer.extend", "grant.objection", "grant.grant_contract",
            "grant.fee_payment", "grant.grant_registration", "rectification.county_acceptance",
            "rectification.region_acceptance", "grant.start", "grant.grant_result", "reopening.start",
            "reopening.correction", "transfer.start", "transfer.correction"} <= taking


async def test_the_city_meetings_minutes_file_is_on_its_entry(stack):
    from tests.rights.support import confirm, review, right_of_mine, submit_transfer

    s = stack
    case_id = (await submit_transfer(s, (await right_of_mine(s)).id))["case_id"]
    await confirm(s, case_id)
    await review(s, case_id)
    await s.ok(await s.decide(case_id))
    minutes = await uploaded(s, "city_nr", "市政府常务会议纪要.pdf", "minutes")
    case = await s.ok(await s.post("city_nr", f"/cases/{case_id}/city-meeting", {
        "meeting_no": "中卫市政府常务会议〔2026〕8次", "meeting_date": str(await s.today()), "decision": "approve",
        "minutes_ref": "中卫纪要〔2026〕8号", "files": [minutes["id"]]}))
    [entry] = [e for e in case["timeline"] if e["data"].get("files")]
    assert entry["actor"] == "city_nr" and entry["data"]["files"][0]["sha256"] == minutes["sha256"]
    assert minutes["id"] in await case_file_ids(s, case_id)


async def test_files_given_under_a_material_stay_listed_under_it(stack):
    """A material may be given by its files alone (no 文号): the case keeps each file under its material, the
    `submitted` entry names every file with its hash, and the county reads them all. A material with neither, a
    foreign file under a material, or more files than an action may carry is refused and starts nothing."""
    s = stack
    mine = await s.mine(SHIKONG_MINE)
    materials = materials_for(mine.method)
    report = await uploaded(s, "zn_ent1", "安全评价报告.pdf", "report")
    annex = await uploaded(s, "zn_ent1", "安全评价报告附图.pdf", "annex")
    licence = await uploaded(s, "zn_ent1", "采矿许可证.pdf", "licence")
    first, second = materials[0]["kind"], materials[1]["kind"]
    given = [{"kind": first, "files": [report["id"], annex["id"]]},
             {**materials[1], "files": [licence["id"]]}, *materials[2:]]

    before = len(await s.ok(await s.get("zn_ent1", "/cases")))
    empty = await s.refused(await s.post("zn_ent1", "/reopenings", {
        "mine_id": mine.id, "reason": "停产整顿完成", "materials": [{"kind": first}, *materials[1:]]}),
        422, "VALIDATION_FAILED")
    assert "每项材料须填写文号或档案号，或上传材料文件" in str(empty)
    foreign = await uploaded(s, "zn_ent2", "他人文件.pdf", "foreign")
    await s.refused(await s.post("zn_ent1", "/reopenings", {
        "mine_id": mine.id, "reason": "停产整顿完成",
        "materials": [{"kind": first, "files": [report["id"], foreign["id"]]}, *materials[1:]]}),
        404, "FILE_NOT_FOUND")
    crowd = [{**m, "files": [f"{i:02x}{j:030x}" for j in range(20)]} for i, m in enumerate(materials)]
    assert sum(len(m["files"]) for m in crowd) > 100
    await s.refused(await s.post("zn_ent1", "/reopenings", {
        "mine_id": mine.id, "reason": "停产整顿完成", "materials": crowd}), 422, "TOO_MANY_FILES")
    assert len(await s.ok(await s.get("zn_ent1", "/cases"))) == before  # nothing started

    case = await s.ok(await s.post("zn_ent1", "/reopenings", {
        "mine_id": mine.id, "reason": "停产整顿完成，申请复工", "materials": given}), 201)
    by_kind = {m["kind"]: m for m in case["materials"]}
    assert by_kind[first]["files"] == [report["id"], annex["id"]] and by_kind[first]["ref"] == ""
    assert by_kind[second]["files"] == [licence["id"]] and by_kind[second]["ref"] == materials[1]["ref"]
    assert case["missing"] == []  # a material given by its files counts as given
    submitted = case["timeline"][0]
    assert {f["sha256"] for f in submitted["data"]["files"]} == {report["sha256"], annex["sha256"], licence["sha256"]}
    assert set(await case_file_ids(s, case["case_id"])) == {report["id"], annex["id"], licence["id"]}


async def test_a_grant_proposal_carries_its_files(stack):
    from tests.rights.support import block, ledger_room

    s = stack
    await ledger_room(s)
    review = await uploaded(s, "zn_nr", "出让前审查意见.pdf", "pre-grant review")
    case = await s.ok(await s.post("zn_nr", "/grants", {**block(), "files": [review["id"]]}), 201)
    proposed = case["timeline"][0]
    assert proposed["action"] == "proposed" and "附件：《出让前审查意见.pdf》" in proposed["detail"]
    assert [f["sha256"] for f in proposed["data"]["files"]] == [review["sha256"]]
    assert await case_file_ids(s, case["case_id"], "city_nr") == [review["id"]]
