"""双挂钩一达标 — the capacity ledger's rule (seed 002 §04(二)4(2)).

    新设矿山年度生产规模与关闭矿山年度生产规模总和相挂钩（规模增幅不高于50%、全市平衡）、与退出矿山生态修复治理相挂钩
    （治理比例达到100%）

Read as: in one city, the new or expanded capacity granted in total may exceed the capacity closed (关闭取缔 and
引导退出) by at most 50% — granted ≤ closed × 1.5 — and the mines that exited must all be restored: restored
capacity / closed capacity = 100%. Capacities are 万吨/年; restoration is counted by the closed capacity of the mines
whose restoration was accepted. Both figures are settings of this module.
"""

from enum import StrEnum

from pydantic import BaseModel, Field

MAX_INCREASE_RATIO = 0.5  # 规模增幅不高于50%: seed 002 §04(二)4(2)
REQUIRED_RESTORATION_PCT = 100.0  # 治理比例达到100%: seed 002 §04(二)4(2)
CLAUSE = "seed 002 §04(二)4(2)"
EPSILON = 1e-6  # capacities carry at most a few decimals; compare with a tolerance


class EntryKind(StrEnum):
    CLOSED = "closed"  # capacity closed (关闭取缔 / 引导退出)
    RESTORED = "restored"  # an exited mine's restoration accepted
    GRANTED = "granted"  # new or expanded capacity granted
    CORRECTION = "correction"  # a signed adjustment of an earlier entry (the ledger is never edited)


ENTRY_KIND_NAMES = {EntryKind.CLOSED: "关闭退出产能", EntryKind.RESTORED: "退出矿山生态修复完成",
                    EntryKind.GRANTED: "新设/扩能产能", EntryKind.CORRECTION: "更正"}


class Purpose(StrEnum):
    NEW = "new"  # 新设
    EXPANSION = "expansion"  # 改扩建扩能


PURPOSE_NAMES = {Purpose.NEW: "新设矿山", Purpose.EXPANSION: "改扩建扩能"}


class LedgerBalance(BaseModel):
    city_code: str
    closed_wt: float = Field(description="关闭退出产能合计（万吨/年）")
    restored_wt: float = Field(description="已完成生态修复的退出产能（万吨/年）")
    restoration_pct: float = Field(description="退出矿山生态修复治理比例（%）")
    allowed_wt: float = Field(description="可新设/扩能产能上限 = 关闭产能 × 1.5（万吨/年）")
    used_wt: float = Field(description="已新设/扩能产能（万吨/年）")
    available_wt: float = Field(description="尚可新设/扩能产能（万吨/年）")
    asked_wt: float | None = Field(None, description="本次申请的新增产能（万吨/年）")
    allowed: bool | None = Field(None, description="本次申请是否符合双挂钩一达标")
    reasons: list[str] = []
    clause: str = CLAUSE


def _r(x: float) -> float:
    return round(x + 0.0, 4)


def balance(city_code: str, closed: float, restored: float, used: float, asked: float | None = None
            ) -> LedgerBalance:
    """The city's figures and, when `asked` is given, whether that much more capacity may be granted and why not."""
    allowed_total = closed * (1 + MAX_INCREASE_RATIO)
    pct = 100.0 if closed <= EPSILON else min(restored / closed * 100, 100.0)
    result = LedgerBalance(city_code=city_code, closed_wt=_r(closed), restored_wt=_r(restored),
                           restoration_pct=_r(pct), allowed_wt=_r(allowed_total), used_wt=_r(used),
                           available_wt=_r(max(allowed_total - used, 0.0)), asked_wt=asked)
    if asked is None:
        return result
    reasons = []
    if used + asked > allowed_total + EPSILON:
        reasons.append(f"新增产能超过上限：关闭退出产能 {_r(closed)} 万吨/年，上限为其 150% 即 {_r(allowed_total)} "
                       f"万吨/年，已使用 {_r(used)} 万吨/年，尚余 {_r(max(allowed_total - used, 0.0))} 万吨/年，"
                       f"本次申请 {_r(asked)} 万吨/年")
    if closed > EPSILON and pct < REQUIRED_RESTORATION_PCT - EPSILON:
        reasons.append(f"退出矿山生态修复治理比例为 {_r(pct)}%，未达到 100%（已修复 {_r(restored)} / 关闭 {_r(closed)} "
                       f"万吨/年）")
    return result.model_copy(update={"allowed": not reasons, "reasons": reasons})
