"""What a case page draws, derived from the case as the workflow holds it and its kind's declaration: the stage
flow with its side loops, the countersign matrix (party × round) and the deadlines. Presentation only: no rule is
decided here."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from api.kinds import Kind
from domain.calendar import CHINA_TZ, WorkCalendar
from domain.cases import Status
from models.cases import PartyTask

BOX_W, BOX_H, GAP, TOP, LOOP_TOP = 132, 46, 36, 14, 96


@dataclass
class FlowBox:
    stage: str
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


def stage_flow(case: Any, kind: Kind) -> StageFlow:
    """The procedure's main line as boxes: done, current (highlighted), where a closed case ended, still to come;
    and its side loops (补正, 整改, 中止, 异议…) below the stage they leave from, lit while the case is in them."""
    line, names, stage = kind.main_line(), kind.stage_names, str(case.stage)
    origin = kind.side_loops.get(stage, (stage, ""))[0]
    on_line = str(origin) if str(origin) in line else stage
    position = line.index(on_line) if on_line in line else (len(line) - 1 if case.status is Status.COMPLETED else 0)
    steps = []
    for i, code in enumerate(line):
        if case.status is Status.COMPLETED or i < position:
            state = "done"
        elif i == position:
            state = "current" if case.status is Status.ACTIVE else "ended"
        else:
            state = "todo"
        steps.append(FlowBox(code, names.get(code, code), state, x=i * (BOX_W + GAP), y=TOP))
    history = {entry.action for entry in case.timeline}
    loops = []
    for loop, (leaves, evidence) in kind.side_loops.items():
        if str(leaves) not in line:
            continue
        if stage == str(loop):
            state = "active" if case.status is Status.ACTIVE else "ended"
        elif evidence in history:
            state = "visited"
        else:
            state = "idle"
        x = line.index(str(leaves)) * (BOX_W + GAP) + 10
        loops.append(FlowBox(str(loop), names.get(str(loop), str(loop)), state, x=x, y=LOOP_TOP, w=BOX_W - 20, h=36))
    width = len(line) * (BOX_W + GAP) - GAP
    here = names.get(stage, stage)
    caption = {Status.ACTIVE: f"当前阶段：{here}", Status.COMPLETED: "已办结"}.get(
        case.status, f"已终止于“{here}”阶段")
    return StageFlow(steps=steps, loops=loops, width=width, height=(LOOP_TOP + 46) if loops else (TOP * 2 + BOX_H),
                     caption=caption)


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


def acceptance_matrix(case: Any) -> AcceptanceMatrix:
    """party × round: each cell the party's answer in that round (None: not a party of that round)."""
    rounds = getattr(case, "rounds", [])
    parties: dict[str, str] = {}
    for round_ in rounds:
        for task in round_.parties:
            parties.setdefault(task.party, task.name)
    by_round = [{t.party: t for t in r.parties} for r in rounds]
    rows = [MatrixRow(party, name, [tasks.get(party) for tasks in by_round]) for party, name in parties.items()]
    open_round = next((r.no for r in rounds if r.closed_at is None), None)
    return AcceptanceMatrix(rounds=[r.no for r in rounds], open_round=open_round,
                            outcomes={r.no: r.outcome for r in rounds}, rows=rows)


def due_date(due_at: datetime | None) -> date | None:
    """The last day of a deadline whose `due_at` is the moment it passes (00:00 China time after that day)."""
    return (due_at.astimezone(CHINA_TZ) - timedelta(seconds=1)).date() if due_at else None


def working_days_left(calendar: WorkCalendar, today: date, due: date | None) -> int | None:
    return calendar.working_days_between(today, due) if due else None
