"""The meetings a mining-right case goes through (seed 000 §二(三)): the county 党委、政府 三重一大, then — for a
right the city issues — the city government meeting. Shared by TransferWorkflow and GrantWorkflow."""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.calendar import local_date
    from domain.errors import ErrorCode
    from domain.reopening import DEFAULTS as REOPENING_DEFAULTS
    from domain.roles import Role
    from models.cases import Actor, CommitteeDecisionInput, CommitteeDecisionRequest
    from models.rights_cases import CityMeeting, CityMeetingInput, CityMeetingRequest

from workflows.parts.actions import Queued, Refusal, action, post
from workflows.parts.committee import meeting_refusal, minutes
from workflows.parts.engine import CaseEngine
from workflows.parts.refusal import refusal

# How a case ends when a meeting says no: given who recorded it and the reason to state.
OnReject = Callable[[Actor, str], Awaitable[None]]


class MeetingSteps(CaseEngine):
    """A CaseEngine whose view has `committee_meetings` and `city_meetings`."""

    _committee_since: date | None = None  # when the case reached the county meeting: no earlier meeting counts

    async def _committee_review(self, stage: Any, on_reject: OnReject, subject: str = "") -> None:
        """The county 三重一大; `defer` waits for the next meeting, `reject` ends the case through `on_reject`."""
        await self._enter(stage)
        self._committee_since = local_date(self._now())
        while True:
            meeting: CommitteeDecisionInput = await self._next(self.committee_decision)
            self._case.committee_meetings.append(minutes(meeting, self._now()))
            verdict = {"approve": "研究同意", "reject": "研究不同意", "defer": "暂缓研究"}[meeting.decision]
            self._record(meeting.actor, "committee_decided",
                         f"{meeting.meeting_no}（{meeting.meeting_date}）{verdict}。{meeting.note}",
                         meeting_no=meeting.meeting_no, decision=meeting.decision)
            if meeting.decision == "approve":
                return
            if meeting.decision == "reject":
                await on_reject(meeting.actor, f"县党委政府集体研究不同意{subject}（{meeting.meeting_no}）")

    async def _city_meeting(self, stage: Any, on_reject: OnReject, subject: str = "") -> None:
        """市级发证: after the county meeting, the city government meeting."""
        await self._enter(stage)
        meeting: CityMeetingInput = await self._next(self.city_meeting)
        self._case.city_meetings.append(CityMeeting(
            meeting_no=meeting.meeting_no, meeting_date=meeting.meeting_date, decision=meeting.decision,
            minutes_ref=meeting.minutes_ref, recorded_by=meeting.actor.username, recorded_at=self._now()))
        verdict = "研究同意" if meeting.decision == "approve" else "研究不同意"
        self._record(meeting.actor, "city_meeting_decided", f"{meeting.meeting_no}（{meeting.meeting_date}）{verdict}。"
                     f"{meeting.note}", meeting_no=meeting.meeting_no, decision=meeting.decision)
        if meeting.decision == "reject":
            await on_reject(meeting.actor, f"市政府会议研究不同意{subject}（{meeting.meeting_no}）")

    @action("录入三重一大会议决定", roles={Role.COMMITTEE_SECRETARY}, stages={"committee_review"}, single=True,
            answers={"committee_decision"}, request=CommitteeDecisionRequest,
            route=post("/cases/{case_id}/committee-decision", "录入县党委政府三重一大集体研究决定"))
    def committee_decision(self, inp: CommitteeDecisionInput, _queued: Queued) -> Refusal:
        """A meeting held since the case reached it, today at the latest, with its quorum."""
        today = local_date(self._now())
        return meeting_refusal(inp, today=today, not_before=self._committee_since or today,
                               numerator=REOPENING_DEFAULTS.quorum_numerator,
                               denominator=REOPENING_DEFAULTS.quorum_denominator)

    @action("录入市政府会议决定", roles={Role.CITY_NR}, stages={"city_meeting"}, single=True, answers={"city_meeting"},
            request=CityMeetingRequest,
            route=post("/cases/{case_id}/city-meeting", "市自然资源局录入市政府会议研究决定（市级发证的转让、出让）"))
    def city_meeting(self, inp: CityMeetingInput, _queued: Queued) -> Refusal:
        """A meeting held today at the latest."""
        if inp.meeting_date > local_date(self._now()):
            return refusal(ErrorCode.DATE_INVALID, "会议日期不能晚于今天", meeting_date=str(inp.meeting_date))
        return None
