"""A right's range drawn as an outline: north up, proportions kept, corners numbered in registry order, and the
Gauss-Krüger zone prefix of the Y coordinates read, not drawn as a 36-million-metre offset."""

from console.outline import outline
from domain.rights import split_zone

RECTANGLE = [[4150000, 36500000], [4150500, 36500000], [4150500, 36501000], [4150000, 36501000]]  # 500 m N, 1 km E


def test_a_zone_prefix_is_read_off_the_y_coordinate():
    assert split_zone(36500123.4) == (36, 500123.4)
    assert split_zone(500123.4) == (None, 500123.4)


def test_the_outline_keeps_north_up_and_the_shapes_proportions():
    shape = outline(RECTANGLE, width=360, height=260, pad=28)
    first, second, third, _ = shape.vertices
    assert [v.no for v in shape.vertices] == [1, 2, 3, 4]
    assert second.y < first.y and second.x == first.x  # 2 lies north of 1: drawn above it
    assert third.x > second.x  # east is to the right
    width, height = third.x - first.x, first.y - second.y
    assert round(width / height, 2) == 2.0  # 1 km by 500 m stays twice as wide as high
    assert shape.zone == 36 and shape.zones_consistent and shape.notes == []
    assert shape.area_m2 == 500_000 and (shape.east_extent_m, shape.north_extent_m) == (1000, 500)
    assert shape.scale_bar[3] in ("200 米", "500 米", "100 米")


def test_a_ring_with_and_without_its_zone_draws_the_same_shape():
    bare = [[x, y - 36_000_000] for x, y in RECTANGLE]
    assert outline(bare).points == outline(RECTANGLE).points
    mixed = [RECTANGLE[0], bare[1], RECTANGLE[2], RECTANGLE[3]]
    drawn = outline(mixed)
    assert drawn.points == outline(RECTANGLE).points  # still drawable...
    assert not drawn.zones_consistent and "带号不一致" in drawn.notes[0]  # ...and the page says why to check it
