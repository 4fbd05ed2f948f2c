"""三重一大 collective decision: the meeting record and its quorum (seed 000 §二(三); DESIGN.md quorum row)."""

from datetime import date, datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.errors import ErrorCode
    from domain.reopening import quorum_met
    from models.cases import CommitteeDecisionInput, CommitteeMeeting

from workflows.parts.refusal import refusal


def minutes(meeting: CommitteeDecisionInput, recorded_at: datetime) -> CommitteeMeeting:
    """The case's record of a meeting, as its secretary entered it."""
    return CommitteeMeeting(
        meeting_no=meeting.meeting_no, meeting_date=meeting.meeting_date, attendees=meeting.attendees,
        members_total=meeting.members_total, recused=meeting.recused, decision=meeting.decision,
        minutes_ref=meeting.minutes_ref, recorded_by=meeting.actor.username, recorded_at=recorded_at)


def meeting_refusal(
    meeting: CommitteeDecisionInput, *, today: date, not_before: date, numerator: int, denominator: int,
) -> ApplicationError | None:
    """Why this meeting record cannot stand, or None.

    Recused members (回避) are present but neither vote nor count: quorum is judged on the members who may take
    part, i.e. attendees and members both less the recused.
    """
    attendees, recused = meeting.attendees, meeting.recused
    if len(set(attendees)) != len(attendees):
        return refusal(ErrorCode.MEETING_INVALID, "出席人员名单有重复", field="attendees")
    if len(set(recused)) != len(recused):
        return refusal(ErrorCode.MEETING_INVALID, "回避人员名单有重复", field="recused")
    if len(attendees) > meeting.members_total:
        return refusal(ErrorCode.MEETING_INVALID, "出席人数超过应到会成员总数",
                       attendees=len(attendees), members_total=meeting.members_total)
    if stray := sorted(set(recused) - set(attendees)):
        return refusal(ErrorCode.MEETING_INVALID, "回避人员必须是出席人员", recused_not_attending=stray)
    if meeting.meeting_date > today:
        return refusal(ErrorCode.DATE_INVALID, "会议日期不能晚于今天", meeting_date=str(meeting.meeting_date))
    if meeting.meeting_date < not_before:
        return refusal(ErrorCode.DATE_INVALID, "会议日期早于案件提交集体研究的日期",
                       meeting_date=str(meeting.meeting_date), not_before=str(not_before))
    voting = len(attendees) - len(recused)
    members = meeting.members_total - len(recused)
    if voting <= 0 or not quorum_met(voting, members, numerator, denominator):
        return refusal(ErrorCode.QUORUM_NOT_MET, attendees=voting, members_total=members,
                       required=f"超过 {numerator}/{denominator}")
    return None
