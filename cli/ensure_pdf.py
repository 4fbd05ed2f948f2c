"""Make sure Debian's Pango, HarfBuzz-subset and Noto CJK fonts are here for the PDF documents (WeasyPrint).

Run by `make system` (before `make run` and `make test`). As root (CI runs as root), a missing package is installed
with apt-get (package lists refreshed first if needed). Without root, or where apt cannot install them, it says so
loudly: documents cannot be rendered until someone installs them. Nothing is downloaded by the product itself.
The container image installs the same packages in its Dockerfile.
"""

import ctypes.util
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from cli.apt import apt_get

LOG = Path("var/log/apt-pdf.log")


def _library(name: str) -> Callable[[], bool]:
    return lambda: ctypes.util.find_library(name) is not None


def _cjk_fonts() -> bool:
    return any(Path(d).exists() and any(Path(d).rglob("NotoSerifCJK*")) for d in ("/usr/share/fonts",))


PACKAGES: dict[str, Callable[[], bool]] = {
    "libpango-1.0-0": _library("pango-1.0"),
    "libpangoft2-1.0-0": _library("pangoft2-1.0"),
    "libharfbuzz-subset0": _library("harfbuzz-subset"),
    "fonts-noto-cjk": _cjk_fonts,
}


def missing() -> list[str]:
    return [name for name, present in PACKAGES.items() if not present()]


def apt(*args: str) -> bool:
    return apt_get(*args, log=LOG)


def loud(message: str) -> None:
    bar = "!" * 100
    print(f"\n{bar}\n!!! {message}\n!!! Official documents (PDF) cannot be generated until then.\n{bar}\n", flush=True)


def main() -> int:
    wanted = missing()
    if not wanted:
        print("documents: Pango, HarfBuzz-subset and Noto CJK fonts present", flush=True)
        return 0
    if os.geteuid() != 0:
        loud(f"missing Debian packages {', '.join(wanted)} and not root: run `sudo apt-get install {' '.join(wanted)}`")
        return 0
    if shutil.which("apt-get") is None:
        loud(f"missing {', '.join(wanted)} and no apt-get on this machine")
        return 0
    print(f"documents: installing {' '.join(wanted)} with apt-get (log: {LOG}) …", flush=True)
    install = ("install", "-y", "-q", "--no-install-recommends", *wanted)
    if not (apt(*install) or (apt("update", "-q") and apt(*install))) or missing():
        loud(f"apt-get could not install {', '.join(missing() or wanted)} (see {LOG})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
