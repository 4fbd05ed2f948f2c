"""Demo mining rights: one 采矿权 for each demo mine (models/demo.py), with a small square range each, so the
transfer and grant procedures have a registry to work on. Ranges are fictitious CGCS2000 3° zone coordinates."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.mines import MineMethod
from domain.rights import Scale, authority_level
from models.registry import Mine
from models.rights import MiningRight, add_right

ORIGIN_X, ORIGIN_Y = 4_150_000.0, 36_500_000.0  # X (northing), Y (zone 36 + easting), metres
SIDE, GAP = 500.0, 1_000.0


def demo_square(index: int) -> list[list[float]]:
    x, y = ORIGIN_X + index * (SIDE + GAP), ORIGIN_Y
    return [[x, y], [x + SIDE, y], [x + SIDE, y + SIDE], [x, y + SIDE], [x, y]]


def demo_scale(scale_wt: float) -> Scale:
    return Scale.LARGE if scale_wt >= 100 else Scale.MEDIUM if scale_wt >= 30 else Scale.SMALL


async def seed_rights(session: AsyncSession) -> None:
    mines = (await session.exec(select(Mine).order_by(col(Mine.id)))).all()
    for index, mine in enumerate(mines):
        scale = demo_scale(mine.scale_wt)
        right = MiningRight(
            licence_no=mine.licence_no, mine_name=mine.name, mine_id=mine.id, holder_enterprise_id=mine.enterprise_id,
            division_code=mine.division_code, mineral=mine.mineral, open_pit=mine.method is MineMethod.OPEN_PIT,
            scale=scale, scale_wt=mine.scale_wt, valid_from=mine.licence_valid_from, valid_to=mine.licence_valid_to,
            production_started_on=mine.licence_valid_from, area=demo_square(index),
            authority_level=authority_level(mine.mineral, scale))
        await add_right(session, right, reason="演示数据", by_username="admin")
    await session.flush()
