"""Typed calls to the campaign's activities (activities/campaign.py), through the shared `_call`."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.campaign import (
        CampaignRecordInput,
        CapacityInput,
        CapacityResult,
        CaseLinkInput,
        ClaimInput,
        ItemsSyncInput,
        Progress,
        ProgressRequest,
        ReferralInput,
    )

from workflows.parts.calls import _call


async def record_campaign(data: CampaignRecordInput) -> None:
    await _call("record_campaign", data)


async def suspend_city_mines(campaign_id: str) -> list[int]:
    return await _call("suspend_city_mines", ProgressRequest(campaign_id=campaign_id), list[int])  # type: ignore[no-any-return]


async def record_closure_capacity(data: CapacityInput) -> CapacityResult:
    return await _call("record_closure_capacity", data, CapacityResult)  # type: ignore[no-any-return]


async def link_campaign_case(data: CaseLinkInput) -> None:
    await _call("link_campaign_case", data)


async def sync_rectification_items(data: ItemsSyncInput) -> None:
    await _call("sync_rectification_items", data)


async def record_referral(data: ReferralInput) -> None:
    await _call("record_referral", data)


async def record_claim(data: ClaimInput) -> None:
    await _call("record_claim", data)


async def campaign_progress(campaign_id: str) -> Progress:
    return await _call("campaign_progress", ProgressRequest(campaign_id=campaign_id), Progress)  # type: ignore[no-any-return]
