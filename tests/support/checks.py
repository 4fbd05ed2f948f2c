"""What "nothing lost, nothing doubled" means for a set of completed cases, checked against every record."""

import asyncio

from sqlalchemy import text

from models.audit import verify_chain
from tests.support.stack import Stack


async def assert_exactly_once(s: Stack, case_ids: list[str]) -> None:
    """Completed; timeline without gaps or repeats; audit, projection, document numbers and the documents each
    written once."""
    year = (await s.today()).year
    numbers = []
    for case_id in case_ids:
        # the workflow ends once its last documents are issued (a lost attempt is retried after its timeout)
        await asyncio.wait_for(s.temporal.get_workflow_handle(case_id).result(), 120)
        case = await s.case(case_id)
        assert case["status"] == "completed", case_id
        actions = [e["action"] for e in case["timeline"]]
        assert [e["seq"] for e in case["timeline"]] == list(range(1, len(actions) + 1))
        signed = [e["data"]["party"] for e in case["timeline"] if e["action"] == "signed_off"]
        assert len(signed) == len(set(signed)) == 8
        assert actions.count("approved") == actions.count("filing_acknowledged") == 1
        numbers.append(case["document_no"])
        async with s.db.session() as session:
            audit = (await session.exec(text("SELECT seq FROM audit_entries WHERE case_id = :c AND seq IS NOT NULL "
                                             "ORDER BY id").bindparams(c=case_id))).all()
            documents = (await session.exec(text("SELECT kind FROM case_documents WHERE case_id = :c")
                                            .bindparams(c=case_id))).all()
            record = (await session.exec(text("SELECT version, stage FROM case_records WHERE case_id = :c")
                                         .bindparams(c=case_id))).one()
            tasks = (await session.exec(text("SELECT count(*) FROM case_tasks WHERE case_id = :c")
                                        .bindparams(c=case_id))).one()
        assert [seq for (seq,) in audit] == list(range(1, len(actions) + 1))
        assert tuple(record) == (case["version"], "completed") and tuple(tasks) == (0,)
        assert sorted(kind for (kind,) in documents) == ["acceptance_notice", "joint_acceptance_summary",
                                                         "reopening_approval"]
        assert actions.count("document_issued") == 3
    assert sorted(numbers) == [f"中宁自然资复〔{year}〕{n}号" for n in range(1, len(case_ids) + 1)]
    async with s.db.session() as session:
        issued = (await session.exec(text("SELECT count(*) FROM issued_documents "
                                          "WHERE purpose = 'reopening_approval'"))).one()
        assert tuple(issued) == (len(case_ids),)
        assert (await verify_chain(session)).ok
