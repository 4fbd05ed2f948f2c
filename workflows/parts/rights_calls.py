"""Typed calls to the mining-right activities (activities/rights.py), through the shared `_call`."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.rights_cases import (
        CapacityCheckInput,
        CapacityVerdict,
        ChangeHolderInput,
        IssuedRight,
        IssueRightInput,
        RightChangeResult,
    )

from workflows.parts.calls import _call


async def change_right_holder(request: ChangeHolderInput) -> RightChangeResult:
    return await _call("change_right_holder", request, RightChangeResult)  # type: ignore[no-any-return]


async def issue_mining_right(request: IssueRightInput) -> IssuedRight:
    return await _call("issue_mining_right", request, IssuedRight)  # type: ignore[no-any-return]


async def release_capacity(request: CapacityCheckInput) -> bool:
    return await _call("release_capacity", request, bool)  # type: ignore[no-any-return]


async def check_capacity_ledger(request: CapacityCheckInput) -> CapacityVerdict:
    return await _call("check_capacity_ledger", request, CapacityVerdict)  # type: ignore[no-any-return]
