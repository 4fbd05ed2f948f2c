"""The file stores under test: the local folder and a real S3-compatible server (SeaweedFS, started once per run),
and a stack whose API uses the chosen one."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import Mode, Settings
from storage.blobs import BlobStore, LocalStore, S3Store
from tests.support.seaweed import S3Server, seaweedfs
from tests.support.stack import Stack


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


def s3_store(server: S3Server, var_dir: Path) -> S3Store:
    """A store on a fresh bucket of the test server."""
    return S3Store(Settings(mode=Mode.TEST, var_dir=var_dir, file_store="s3", s3_endpoint=server.endpoint,
                            s3_access_key=server.access_key, s3_secret_key=server.secret_key,
                            s3_bucket=f"t-{uuid.uuid4().hex[:16]}"))


@pytest.fixture(params=["local", "s3"])
def blob_store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalStore(tmp_path / "files")
    return s3_store(request.getfixturevalue("s3_server"), tmp_path / "var")


@pytest.fixture
def files_stack(stack: Stack, blob_store: BlobStore) -> Stack:
    stack.app.state.files = blob_store
    return stack


@pytest.fixture
def local_stack(stack: Stack, tmp_path: Path) -> Stack:
    """A stack whose file store is a fresh folder of this test's own."""
    stack.app.state.files = LocalStore(tmp_path / "files")
    return stack


def swap(store: BlobStore, sha256: str, data: bytes) -> None:
    """Replace the bytes stored under `sha256` behind the application's back, as an intruder would."""
    if isinstance(store, LocalStore):
        path = store.path(sha256)
        path.chmod(0o644)
        path.write_bytes(data)
        return
    import io

    assert isinstance(store, S3Store)
    store.client.put_object(store.bucket, store.key(sha256), io.BytesIO(data), len(data))
