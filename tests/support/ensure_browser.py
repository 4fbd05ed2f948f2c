"""Make sure Debian's Chromium and a CJK font are here for the console's browser tests; install them if missing.

Run by `make test` before the test passes. As root (CI runs as root), a missing `chromium` or `fonts-noto-cjk`
is installed with apt-get (package lists refreshed first if needed). Without root, or where apt cannot install
them, it says so loudly and the browser tests skip with that reason; nothing is downloaded by the tests themselves.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from cli.apt import apt_get

CHROMIUM = Path(os.environ.get("MINEFLOW_CHROMIUM", "/usr/bin/chromium"))
PACKAGES = {"chromium": lambda: CHROMIUM.exists(),
            "fonts-noto-cjk": lambda: bool(list(Path("/usr/share/fonts").rglob("NotoSansCJK*")))}
LOG = Path("var/log/apt-browser.log")


def missing() -> list[str]:
    return [name for name, present in PACKAGES.items() if not present()]


def apt(*args: str) -> bool:
    return apt_get(*args, log=LOG)


def install(packages: list[str]) -> bool:
    print(f"browser tests: installing {' '.join(packages)} with apt-get (log: {LOG}) …", flush=True)
    install_args = ("install", "-y", "-q", *packages)
    return apt(*install_args) or (apt("update", "-q") and apt(*install_args))


def loud(message: str) -> None:
    bar = "!" * 100
    print(f"\n{bar}\n!!! {message}\n!!! The console's browser tests will be SKIPPED.\n{bar}\n", flush=True)


def main() -> None:
    wanted = missing()
    if wanted:
        if os.geteuid() != 0:
            loud(f"missing Debian packages {', '.join(wanted)} and not root: "
                 f"run `sudo apt-get install {' '.join(wanted)}`")
            return
        if shutil.which("apt-get") is None:
            loud(f"missing {', '.join(wanted)} and no apt-get on this machine")
            return
        if not install(wanted) or missing():
            loud(f"apt-get could not install {', '.join(missing()) or ', '.join(wanted)} (see {LOG})")
            return
    version = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True, check=False)
    print(f"browser tests: {version.stdout.strip() or CHROMIUM} with Noto CJK fonts", flush=True)


if __name__ == "__main__":
    sys.exit(main())
