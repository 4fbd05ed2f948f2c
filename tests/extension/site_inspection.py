"""A made-up procedure, 现场核查 (site inspection), written the way a new procedure is added: this one module —
its wire models, its workflow with its action table, and its `Kind` — plus one registration line (importing it).

The county's emergency and ecology departments countersign an inspection of a mine (one countersign round), then
county NR concludes it (one action of its own): two stages, `inspection` and `conclusion`.
"""

from typing import ClassVar, Literal

from pydantic import Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from api.kinds import Kind, Start, Starting, register
    from api.services import cases, registry
    from domain.cases import Status
    from domain.roles import DepartmentKind, Role
    from models.cases import Actor, CaseViewBase, Clock, LongText, MineFacts, PartySpec, Pending, Reason, Round, Wire

from workflows.parts import countersign as cs
from workflows.parts.actions import Queued, Refusal, action, post
from workflows.parts.engine import CaseEnded


class InspectionCreate(Wire):
    mine_id: int = Field(ge=1, title="矿山", json_schema_extra={"x-picker": "jurisdiction_mine"})
    purpose: Reason = Field(title="核查事由")


class InspectionStart(Wire):
    case_id: str
    mine: MineFacts
    purpose: str
    parties: list[PartySpec]
    opened_by: Actor


class ConclusionRequest(Wire):
    finding: Literal["compliant", "non_compliant"] = Field(
        title="核查结论", json_schema_extra={"x-choices": {"compliant": "符合要求", "non_compliant": "不符合要求"}})
    note: LongText = Field(default="", title="说明")


class ConclusionInput(ConclusionRequest):
    actor: Actor


class InspectionView(CaseViewBase):
    kind: Literal["inspection"] = "inspection"
    purpose: str
    parties: list[PartySpec] = Field(default_factory=list)
    rounds: list[Round] = Field(default_factory=list)
    finding: str | None = None


@workflow.defn(sandboxed=True)
class SiteInspectionWorkflow(cs.CountersignMoves):
    COUNTERSIGN_STAGE: ClassVar = "inspection"
    COUNTERSIGN_NAME: ClassVar = "现场核查"
    STAGE_NAMES: ClassVar = {"inspection": "现场核查", "conclusion": "作出结论", "completed": "办结"}

    @workflow.init
    def __init__(self, start: InspectionStart) -> None:
        self._init_engine()
        now, mine = workflow.now(), start.mine
        self._case = InspectionView(
            case_id=start.case_id, title=f"{mine.mine_name} 现场核查", mine_id=mine.mine_id, mine_name=mine.mine_name,
            enterprise_id=mine.enterprise_id, enterprise_name=mine.enterprise_name, division_code=mine.division_code,
            division_name=mine.division_name, city_code=mine.city_code, stage="inspection", status=Status.ACTIVE,
            submitted_at=now, updated_at=now, clock=Clock(limit_days=0), purpose=start.purpose,
            parties=list(start.parties))

    @workflow.run
    async def run(self, start: InspectionStart) -> InspectionView:
        self._record(start.opened_by, "opened", f"发起现场核查：{start.purpose}")
        try:
            await self._enter("inspection")
            round_ = await self._open_round()
            await self._wait(until=lambda: cs.all_answered(round_))
            cs.close(round_, cs.outcome(round_), self._now())
            await self._enter("conclusion")
            conclusion: ConclusionInput = await self._next(self.conclude)
            self._case.finding = conclusion.finding
            self._record(conclusion.actor, "concluded", f"核查结论：{conclusion.finding}。{conclusion.note}")
            self._case.stage = "completed"
            await self._close(Status.COMPLETED, "现场核查办结", end=False)
        except CaseEnded:
            pass
        await self._finish()
        return self._view()

    @action("作出核查结论", roles={Role.COUNTY_NR}, stages={"conclusion"}, single=True, answers={"conclude"},
            request=ConclusionRequest, route=post("/cases/{case_id}/inspection-conclusion", "县自然资源局作出核查结论"))
    def conclude(self, inp: ConclusionInput, _queued: Queued) -> Refusal:
        """Once every party has signed."""
        return None

    def _sign_off_limits(self) -> tuple[int, int]:
        return 5, 1

    def _pending(self) -> list[Pending]:
        if self._case.stage == "inspection":
            return self._countersign_pending()
        if self._case.stage == "conclusion":
            return [Pending(party="county_nr", name=f"{self._case.division_name}自然资源局", role=Role.COUNTY_NR,
                            task="conclude")]
        return []

    def _alarms(self) -> list[tuple]:  # type: ignore[type-arg]
        return self._countersign_alarms()


async def build_start(starting: Starting, body: InspectionCreate) -> InspectionStart:
    mine = await registry.mine(session=starting.session, mine_id=body.mine_id)
    facts = await registry.mine_facts(session=starting.session, mine=mine)
    parties = await registry.parties(session=starting.session, division_code=facts.division_code,
                                     township_id=facts.township_id, purpose="组织现场核查",
                                     kinds=[DepartmentKind.EMERGENCY_MANAGEMENT, DepartmentKind.ECOLOGY_ENVIRONMENT])
    return InspectionStart(case_id=cases.new_case_id(INSPECTION), mine=facts, purpose=body.purpose, parties=parties,
                           opened_by=starting.principal.actor())


INSPECTION = register(Kind(
    code="inspection", prefix="XCHC", name="现场核查", workflow=SiteInspectionWorkflow, family="inspection",
    task_names={"sign_off": "核查会签", "conclude": "作出核查结论"},
    start=Start(path="/inspections", summary="县自然资源局发起现场核查", request=InspectionCreate,
                roles=frozenset({Role.COUNTY_NR}), build=build_start, label="发起现场核查"),
))
