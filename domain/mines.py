"""Mines as the registry describes them."""

from enum import StrEnum


class MineMethod(StrEnum):
    OPEN_PIT = "open_pit"
    UNDERGROUND = "underground"


METHOD_NAMES: dict[MineMethod, str] = {MineMethod.OPEN_PIT: "露天开采", MineMethod.UNDERGROUND: "地下开采"}
