"""Make sure the local PostgreSQL (127.0.0.1:5432, trust auth, database `test`) answers; start it if it is down.

Run by `make test-postgres` before the PostgreSQL pass.
"""

import glob
import os
import subprocess
import sys
import time

import psycopg

URL = os.environ.get("MINEFLOW_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def reachable() -> bool:
    try:
        with psycopg.connect(URL, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def start_cluster() -> None:
    versions = sorted(os.path.basename(p) for p in glob.glob("/etc/postgresql/*"))
    if not versions:
        sys.exit("PostgreSQL is not installed here (no /etc/postgresql); the PostgreSQL pass cannot run")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"], check=False)


def main() -> None:
    if reachable():
        return
    print("PostgreSQL not reachable; starting the local cluster", flush=True)
    start_cluster()
    for _ in range(60):
        if reachable():
            return
        time.sleep(0.5)
    sys.exit(f"PostgreSQL still unreachable at {URL}")


if __name__ == "__main__":
    main()
