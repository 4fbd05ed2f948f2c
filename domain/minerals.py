"""Mineral categories and the provincial scale standard: one table, read by the grant precheck (domain/rights.py)
and the 四个一批 classifier (domain/classification.py), so a mineral is held to the same figure everywhere.

seed 002 §02(二)2 quotes the provincial standard: "停止审批新建和改扩建后独立生产系统生产规模小于30万吨/年石膏矿、
30万吨/年水泥用灰岩矿、50万吨/年露天采石场（含建筑用白云岩），以上矿种新建和改扩建后服务年限不少于5年（不含基建期）".
§04(二)2(1) holds existing mines to it for 引导退出 and adds 铁矿 30万吨/年; §04(二)3(3) gives open-pit quarries with
≥ 5 years of service life until 2025-12-31 to raise their capacity. (§03 holds no figures.)
"""

import re
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class MineralCategory:
    name: str  # as the standard names it
    aliases: frozenset[str]  # the registry's names of the mineral, each matched whole (see `names`)
    open_pit_only: bool  # 露天采石场: the standard holds only open-pit working to the figure
    min_scale_wt: float  # 万吨/年
    clause: str  # where the figure comes from
    for_new_mines: bool  # the standard for 新建和改扩建 (grants, 合理新设); False: only for existing mines' exit


def names(*names: str) -> frozenset[str]:
    """A mineral's names as a registry writes them, with and without 矿 (石膏 / 石膏矿)."""
    return frozenset(n for name in names for n in (name, name.removesuffix("矿"), name.removesuffix("矿") + "矿")
                     if n)


# Names are matched whole, never as part of another name: 硫铁矿 (pyrite, a chemical raw material), 铬铁矿 and 钛铁矿
# (ores of chromium and titanium) are no 铁矿; limestone, dolomite or sandstone named for an industrial use (熔剂用灰岩,
# 冶金用白云岩, 电石用灰岩, 玻璃用砂岩 …) is no 露天采石场 stone. The quarry group is the building stones, named bare
# (石灰岩) or for building (建筑石料用灰岩, 建筑用白云岩) or facing (饰面用花岗岩).
QUARRY_ROCKS = ("灰岩", "石灰岩", "白云岩", "花岗岩", "砂岩", "安山岩", "玄武岩")
QUARRY_USES = ("", "建筑用", "建筑石料用", "饰面用")
CATEGORIES: tuple[MineralCategory, ...] = (
    MineralCategory("石膏矿", names("石膏", "硬石膏", "纤维石膏"), False, 30, "seed 002 §02(二)2", True),
    MineralCategory("水泥用灰岩矿", names("水泥用灰岩", "水泥用石灰岩"), False, 30, "seed 002 §02(二)2", True),
    MineralCategory("铁矿", names("铁矿", "磁铁矿", "赤铁矿", "褐铁矿", "菱铁矿", "镜铁矿", "钒钛磁铁矿"), False, 30,
                    "seed 002 §04(二)2(1)", False),
    MineralCategory("露天采石场（含建筑用白云岩）",
                    names("建筑石料", "建筑用石料", "建筑用石", "采石", "采石场", "露天采石场",
                          *(use + rock for use in QUARRY_USES for rock in QUARRY_ROCKS)),
                    True, 50, "seed 002 §02(二)2", True),
)
QUARRY = CATEGORIES[-1]
# A registry's entry may name several minerals (建筑用白云岩、石灰岩): each is looked up.
MINERAL_SEPARATORS = re.compile(r"[、,，/；;]")

MIN_SERVICE_YEARS = 5.0  # 服务年限不少于5年（不含基建期）, for the minerals of the standard
SERVICE_LIFE_CLAUSE = "seed 002 §02(二)2"
QUARRY_UPGRADE_DEADLINE = date(2025, 12, 31)  # 截止2025年12月31日，未实现产能提升的列入关闭取缔或引导退出名单
QUARRY_UPGRADE_CLAUSE = "seed 002 §04(二)3(3)"


def category_of(mineral: str, open_pit: bool, *, new_mine: bool = False) -> MineralCategory | None:
    """The category a mineral, so worked, is held to (None: the standard names no such mineral). `new_mine`: only
    the figures for new and expanded mines (a grant, a proposed mine). A name matches a category's name whole; an
    entry naming several minerals takes the first category (in table order) one of them belongs to."""
    given = {part.strip() for part in MINERAL_SEPARATORS.split(mineral)} - {""}
    for category in CATEGORIES:
        if new_mine and not category.for_new_mines:
            continue
        if given & category.aliases and (open_pit or not category.open_pit_only):
            return category
    return None
