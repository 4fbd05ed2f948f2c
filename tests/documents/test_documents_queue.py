"""Documents are issued on a task queue of their own (`<prefix>-documents`), so an operator can give the renders
hosts of their own. Workers split by family without it still carry every case; its documents wait in Temporal's
queue, nothing lost, until a documents worker runs."""

import uuid

import pytest

from api.app import create_app
from documents.kinds import DocumentKind
from models.queues import DOCUMENTS_FAMILY, queue_name, sibling_queue
from tests.documents.test_documents import issued
from tests.support.stack import Stack, make_http, settings_for_tests
from worker import all_families, build_worker

pytestmark = pytest.mark.devserver


def test_the_documents_queue_sits_beside_each_familys():
    assert sibling_queue(queue_name("mineflow", "reopening"), DOCUMENTS_FAMILY) == "mineflow-documents"
    assert sibling_queue(queue_name("test-1a2b-3c", "campaign"), DOCUMENTS_FAMILY) == "test-1a2b-3c-documents"


async def test_documents_wait_for_a_documents_worker_while_the_case_goes_on(dev_client, demo_db):
    settings = settings_for_tests(demo_db.url, f"docs-{uuid.uuid4()}")
    app = create_app(settings, db=demo_db, temporal=dev_client)
    procedures = [family for family in all_families() if family != DOCUMENTS_FAMILY]
    async with build_worker(dev_client, demo_db, settings.task_queue, families=procedures, settings=settings), \
            make_http(app) as http:
        s = Stack(temporal=dev_client, db=demo_db, settings=settings, http=http, app=app)
        case_id = (await s.submit())["case_id"]
        await s.accept(case_id)  # asks for the 受理通知书
        await s.ok(await s.sign(case_id, "zn_police"))
        queues: list[str] = []

        async def document_scheduled() -> bool:
            queues[:] = [event.activity_task_scheduled_event_attributes.task_queue.name
                         async for event in dev_client.get_workflow_handle(case_id).fetch_history_events()
                         if event.activity_task_scheduled_event_attributes.activity_type.name == "issue_document"]
            return bool(queues)
        await s.eventually(document_scheduled)
        assert queues == [queue_name(settings.task_queue, DOCUMENTS_FAMILY)]
        assert await s.ok(await s.get("zn_nr", f"/cases/{case_id}/documents")) == []
        timeline = (await s.case(case_id))["timeline"]
        assert not any(e["action"] in ("document_issued", "document_failed") for e in timeline)

        async with build_worker(dev_client, demo_db, settings.task_queue, families=[DOCUMENTS_FAMILY],
                                settings=settings):
            notice = await issued(s, case_id, DocumentKind.ACCEPTANCE_NOTICE)
        assert notice.case_id == case_id and notice.doc_no
        case = await s.sign_all_except(case_id, "zn_police")
        assert case["stage"] == "committee_review"
