"""The bench's phase timers (MINEFLOW_TIMINGS): nothing at all when off; when on, each request's phases are
counted under its route and written where the bench reads them."""

import time
from pathlib import Path

import pytest

import timings
from settings import Settings


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timings, "_enabled", False)
    monkeypatch.setattr(timings, "_totals", {})
    monkeypatch.setattr(timings, "_file", None)


def test_off_by_default_and_free(fresh: None, tmp_path: Path) -> None:
    timings.configure(Settings(var_dir=tmp_path), "api")
    assert not timings.enabled()
    first, second = timings.phase("auth"), timings.phase("temporal")
    assert first is second  # one shared do-nothing object: no clock read, no allocation
    with first, timings.action("sync_case"):
        pass
    assert timings.request() is None
    assert timings.snapshot() == {} and not (tmp_path / "timings").exists()


def test_on_counts_each_phase_under_its_route(fresh: None, tmp_path: Path) -> None:
    timings.configure(Settings(timings=True, timings_dir=tmp_path / "t"), "api")
    assert timings.enabled()
    for _ in range(2):
        request = timings.request()
        assert request is not None
        with timings.phase("auth"):
            time.sleep(0.001)
        with timings.phase("temporal"):
            pass
        request.done("POST /api/v1/cases/{case_id}/intake")
    with timings.action("sync_case"), timings.phase("audit append"):
        pass
    timings.flush()
    totals = timings.read_dir(tmp_path / "t")
    route = "POST /api/v1/cases/{case_id}/intake"
    assert {k: v[0] for k, v in totals.items()} == {
        f"{route} · auth": 2, f"{route} · temporal": 2, f"{route} · request": 2, "sync_case · audit append": 1}
    assert totals[f"{route} · request"][1] >= totals[f"{route} · auth"][1] >= 0.002
