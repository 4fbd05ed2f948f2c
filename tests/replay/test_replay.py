"""Recorded histories replay against today's code: a change that would break cases already running fails here.

Fixtures are recorded by `python -m tests.replay.record` (tests/replay/scenarios.py). Re-recording one means
accepting that cases recorded with the old code can no longer be replayed — only do it together with a
`workflow.patched` guard or a worker-versioning rollout (docs/versioning.md).
"""

from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

import worker
from documents.kinds import DocumentKind
from models.reopening import ReopeningStart, ReopeningView
from workflows.reopening import ReopeningWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))


def test_every_scenario_has_a_fixture():
    from tests.replay.scenarios import SCENARIOS

    assert {p.stem for p in HISTORIES} >= set(SCENARIOS)


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_without_nondeterminism(path: Path):
    history = load(path)
    replayer = Replayer(workflows=worker.workflows(), data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.stem}: {result.replay_failure!r}"



@workflow.defn(name="ReopeningWorkflow", sandboxed=False)
class ReopeningWithoutPatchGuard(ReopeningWorkflow):
    """Today's workflow as it would be had the resumption reminder been rolled out without `workflow.patched`."""

    @workflow.run
    async def run(self, start: ReopeningStart) -> ReopeningView:
        return await super().run(start)

    def _remind_resumption(self) -> bool:
        return True


async def test_the_patch_guard_is_what_keeps_running_cases_replayable():
    """Without its guard, the resumption reminder breaks a case recorded before it; with the guard (the real
    workflow, tested above) the same history replays."""
    history = load(Path(__file__).parent / "histories" / "reopening_happy_path.json")
    replayer = Replayer(workflows=[ReopeningWithoutPatchGuard], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None and "Nondeterminism" in repr(result.replay_failure)


@workflow.defn(name="ReopeningWorkflow", sandboxed=False)
class ReopeningIssuingWithoutPatchGuard(ReopeningWorkflow):
    """Today's workflow as it would be had its documents been rolled out without `workflow.patched("documents")`."""

    @workflow.run
    async def run(self, start: ReopeningStart) -> ReopeningView:
        return await super().run(start)

    def _issue(self, kind: DocumentKind) -> None:
        occurrence = self._documents_asked.get(kind, 0) + 1
        self._documents_asked[kind] = occurrence
        self._documents_due.append((kind, occurrence))


async def test_the_documents_guard_keeps_cases_recorded_before_them_replayable():
    """A case recorded before documents existed replays (above) only because issuing them is patched: without the
    guard, its first document's activity is a command its history never had."""
    history = load(Path(__file__).parent / "histories" / "reopening_happy_path.json")
    replayer = Replayer(workflows=[ReopeningIssuingWithoutPatchGuard], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None and "Nondeterminism" in repr(result.replay_failure)
