"""A document that fails never loses the act it records: an outage is retried until the document is issued; a
refusal for good is written on the case's timeline, and the case goes on."""

import uuid

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.documents import DocumentActivities
from api.app import create_app
from documents.kinds import DocumentKind
from models.document_refs import CaseDocumentRef, IssueDocumentInput
from tests.support.stack import SHIKONG_MINE, Stack, make_http, materials_for, settings_for_tests
from worker import build_worker


async def test_a_failing_document_never_loses_the_act(time_env, demo_db):
    settings = settings_for_tests(demo_db.url, f"test-{uuid.uuid4()}")
    real = DocumentActivities(demo_db, settings)
    attempts: dict[DocumentKind, int] = {}

    @activity.defn(name="issue_document")
    async def flaky(request: IssueDocumentInput) -> CaseDocumentRef:
        attempts[request.kind] = attempts.get(request.kind, 0) + 1
        if request.kind is DocumentKind.CORRECTION_NOTICE:  # refused for good
            raise ApplicationError("文书模板缺失", type="DOCUMENT_NOT_AVAILABLE", non_retryable=True)
        if attempts[request.kind] == 1:  # the file store is down for the first attempt
            raise OSError("文件存储暂不可用")
        return await real.issue_document(request)

    app = create_app(settings, db=demo_db, temporal=time_env.client)
    async with (build_worker(time_env.client, demo_db, settings.task_queue, settings=settings,
                             overrides={"issue_document": flaky}), make_http(app) as http):
        s = Stack(temporal=time_env.client, db=demo_db, settings=settings, http=http, app=app)
        mine = await s.mine(SHIKONG_MINE)
        materials = materials_for(mine.method)
        case_id = (await s.submit(materials=materials[1:]))["case_id"]
        asked = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/intake", {
            "decision": "request_correction", "missing": [materials[0]["kind"]]}))
        assert asked["stage"] == "correction"  # the act stands, whatever its document does

        async def failure_written() -> bool:
            return any(e["action"] == "document_failed" for e in (await s.case(case_id))["timeline"])
        await s.eventually(failure_written)
        failed = next(e for e in (await s.case(case_id))["timeline"] if e["action"] == "document_failed")
        assert failed["detail"] == "未能出具一次性告知补正通知书：文书模板缺失。" and failed["actor_name"] == "系统"
        assert attempts[DocumentKind.CORRECTION_NOTICE] == 1  # not retried

        # the case goes on: corrected and accepted; the 受理通知书 is issued once the store is back
        await s.ok(await s.post("zn_ent1", f"/cases/{case_id}/corrections", {"materials": materials[:1]}))
        case = await s.accept(case_id)
        assert case["stage"] == "joint_acceptance"

        async def notice_listed() -> bool:
            docs = await s.ok(await s.get("zn_ent1", f"/cases/{case_id}/documents"))
            return [d["kind"] for d in docs] == ["acceptance_notice"]
        await s.eventually(notice_listed)
        assert attempts[DocumentKind.ACCEPTANCE_NOTICE] == 2
