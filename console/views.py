"""What the case page draws, derived from the case as the workflow holds it: the stage flow with its side loops,
the joint-acceptance matrix (party × round) and the deadlines. Presentation only: no rule is decided here."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from domain.calendar import CHINA_TZ, WorkCalendar
from domain.cases import Status
from domain.reopening import STAGE_FLOW, STAGE_NAMES, Stage
from models.cases import PartyTask
from models.reopening import ReopeningView

# Side loops off the main line: where the case goes when it waits on the applicant, and the stage it returns to.
SIDE_LOOPS: dict[Stage, Stage] = {Stage.CORRECTION: Stage.INTAKE, Stage.RECTIFICATION: Stage.JOINT_ACCEPTANCE}
# What in a case's history shows it went round a loop.
_LOOP_EVIDENCE: dict[Stage, str] = {Stage.CORRECTION: "correction_requested", Stage.RECTIFICATION: "acceptance_failed"}

BOX_W, BOX_H, GAP, TOP, LOOP_TOP = 132, 46, 36, 14, 96


@dataclass
class FlowBox:
    stage: Stage
    name: str
    state: str  # done | current | ended | todo (main line); active | visited | idle (loops)
    x: int
    y: int
    w: int = BOX_W
    h: int = BOX_H

    @property
    def cx(self) -> int:
        return self.x + self.w // 2

    @property
    def cy(self) -> int:
        return self.y + self.h // 2


@dataclass
class StageFlow:
    steps: list[FlowBox]
    loops: list[FlowBox]
    width: int
    height: int
    caption: str


def stage_flow(case: ReopeningView) -> StageFlow:
    """The procedure's stages as boxes: done, current (highlighted), where a closed case ended, still to come;
    and the side loops (补正, 整改) below the stage they leave from, lit while the case is in them."""
    on_line = SIDE_LOOPS.get(case.stage, case.stage)
    position = STAGE_FLOW.index(on_line) if on_line in STAGE_FLOW else 0
    steps = []
    for i, stage in enumerate(STAGE_FLOW):
        if case.status is Status.COMPLETED or i < position:
            state = "done"
        elif i == position:
            state = "current" if case.status is Status.ACTIVE else "ended"
        else:
            state = "todo"
        steps.append(FlowBox(stage, STAGE_NAMES[stage], state, x=i * (BOX_W + GAP), y=TOP))
    history = {entry.action for entry in case.timeline}
    loops = []
    for loop, origin in SIDE_LOOPS.items():
        if origin not in STAGE_FLOW:
            continue
        if case.stage is loop:
            state = "active" if case.status is Status.ACTIVE else "ended"
        elif _LOOP_EVIDENCE[loop] in history:
            state = "visited"
        else:
            state = "idle"
        x = STAGE_FLOW.index(origin) * (BOX_W + GAP) + 10
        loops.append(FlowBox(loop, STAGE_NAMES[loop], state, x=x, y=LOOP_TOP, w=BOX_W - 20, h=36))
    width = len(STAGE_FLOW) * (BOX_W + GAP) - GAP
    here = STAGE_NAMES[case.stage]
    caption = {Status.ACTIVE: f"当前阶段：{here}", Status.COMPLETED: "已办结"}.get(
        case.status, f"已终止于“{here}”阶段")
    return StageFlow(steps=steps, loops=loops, width=width, height=LOOP_TOP + 46, caption=caption)


@dataclass
class MatrixRow:
    party: str
    name: str
    cells: list[PartyTask | None]


@dataclass
class AcceptanceMatrix:
    rounds: list[int]
    open_round: int | None
    outcomes: dict[int, str | None]
    rows: list[MatrixRow] = field(default_factory=list)


def acceptance_matrix(case: ReopeningView) -> AcceptanceMatrix:
    """party × round: each cell the party's answer in that round (None: not a party of that round)."""
    parties: dict[str, str] = {}
    for round_ in case.rounds:
        for task in round_.parties:
            parties.setdefault(task.party, task.name)
    by_round = [{t.party: t for t in r.parties} for r in case.rounds]
    rows = [MatrixRow(party, name, [tasks.get(party) for tasks in by_round]) for party, name in parties.items()]
    open_round = next((r.no for r in case.rounds if r.closed_at is None), None)
    return AcceptanceMatrix(rounds=[r.no for r in case.rounds], open_round=open_round,
                            outcomes={r.no: r.outcome for r in case.rounds}, rows=rows)


def due_date(due_at: datetime | None) -> date | None:
    """The last day of a deadline whose `due_at` is the moment it passes (00:00 China time after that day)."""
    return (due_at.astimezone(CHINA_TZ) - timedelta(seconds=1)).date() if due_at else None


def working_days_left(calendar: WorkCalendar, today: date, due: date | None) -> int | None:
    return calendar.working_days_between(today, due) if due else None
