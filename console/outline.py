"""A mining right's range (拐点坐标) drawn as a small SVG outline: CGCS2000 Gauss-Krüger X (northing) up, Y (easting)
right, scaled to fit with its proportions kept, each corner numbered as the registry lists it, with a scale bar.
Presentation only: the range is validated where it is registered (domain/rights.py)."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.rights import area_polygon, split_zone

NICE_LENGTHS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)


@dataclass
class Vertex:
    no: int
    x: float  # on the drawing
    y: float
    north: float  # X, metres
    east: float  # Y as registered (with its zone, if it had one)


@dataclass
class Outline:
    width: int
    height: int
    points: str  # the SVG polygon's points
    vertices: list[Vertex]
    zone: int | None  # the 3° (or 6°) zone the Y coordinates carry
    zones_consistent: bool  # False: some corners carry another zone, or none — the drawing is doubtful
    east_extent_m: float
    north_extent_m: float
    area_m2: float
    scale_bar: tuple[float, float, float, str] = (0, 0, 0, "")  # x1, x2, y, label
    notes: list[str] = field(default_factory=list)


def _label(metres: float) -> str:
    return f"{metres / 1000:g} 千米" if metres >= 1000 else f"{metres:g} 米"


def outline(ring: Sequence[Sequence[float]], width: int = 360, height: int = 260, pad: int = 28) -> Outline:
    corners = [(float(x), float(y)) for x, y in ring]
    if len(corners) > 1 and corners[0] == corners[-1]:
        corners = corners[:-1]  # stored closed: the first corner again
    zones = {split_zone(y)[0] for _, y in corners}
    zone = next(iter(zones)) if len(zones) == 1 else None
    # drawn on the eastings without the zone: a corner written with its zone and one without are still the same
    # plane, so the shape stays drawable; the page says the zones disagree
    plane = [(north, split_zone(east)[1]) for north, east in corners]
    norths, easts = [p[0] for p in plane], [p[1] for p in plane]
    dn, de = max(norths) - min(norths), max(easts) - min(easts)
    scale = min((width - 2 * pad) / de if de else 1.0, (height - 2 * pad) / dn if dn else 1.0)
    # centre the shape in the drawing
    off_x = pad + ((width - 2 * pad) - de * scale) / 2
    off_y = pad + ((height - 2 * pad) - dn * scale) / 2
    vertices = []
    for i, ((north, east_plane), (_, east)) in enumerate(zip(plane, corners, strict=True), start=1):
        x = off_x + (east_plane - min(easts)) * scale
        y = off_y + (max(norths) - north) * scale
        vertices.append(Vertex(no=i, x=round(x, 1), y=round(y, 1), north=north, east=east))
    bar_m = max((n for n in NICE_LENGTHS if n * scale <= (width - 2 * pad) / 3), default=NICE_LENGTHS[0])
    bar = (float(pad), round(pad + bar_m * scale, 1), float(height - 8), _label(bar_m))
    notes = [] if len(zones) == 1 else [
        "拐点坐标的投影带号不一致（部分 Y 坐标带带号、部分不带或带号不同），图形仅供参考，请核对"]
    area = float(area_polygon(plane).area) if len(plane) >= 3 else 0.0
    return Outline(width=width, height=height, points=" ".join(f"{v.x},{v.y}" for v in vertices),
                   vertices=vertices, zone=zone, zones_consistent=len(zones) == 1, east_extent_m=round(de, 1),
                   north_extent_m=round(dn, 1), area_m2=round(area, 1), scale_bar=bar, notes=notes)
