"""Content-addressed stores: a file's bytes live under their SHA-256, written once and never changed.

`LocalStore` keeps them in a folder (`<var>/files/ab/cd/<sha256>`, read-only once written); `S3Store` in a bucket
of an S3-compatible object store (`files/ab/cd/<sha256>`), through the `minio` client. Uploads are staged in a
private folder first and moved in only once complete and checked, so a cut-off upload leaves nothing behind.
The `minio` client is synchronous: its calls run in worker threads.
"""

import asyncio
import contextlib
import hashlib
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import IO, TypeVar

import structlog

from domain.errors import DomainError, ErrorCode
from settings import Settings

log = structlog.get_logger("mineflow.files")
CHUNK = 256 * 1024
T = TypeVar("T")


class BlobMissing(Exception):
    """No bytes are stored under this hash."""


class BlobStore(ABC):
    kind: str
    staging_dir: Path

    @contextlib.contextmanager
    def staging(self) -> Iterator[tuple[Path, IO[bytes]]]:
        """A private temporary file for an incoming upload, removed whatever happens unless `put` moved it away."""
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.staging_dir, prefix="upload-")
        path = Path(name)
        try:
            with os.fdopen(fd, "w+b") as handle:
                yield path, handle
        finally:
            path.unlink(missing_ok=True)

    @abstractmethod
    async def put(self, sha256: str, source: Path, content_type: str) -> None:
        """Keep `source`'s bytes under `sha256` (already there: nothing to do). `source` may be consumed."""

    async def put_bytes(self, data: bytes, content_type: str) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        with self.staging() as (path, handle):
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            await self.put(sha256, path, content_type)
        return sha256

    @abstractmethod
    async def exists(self, sha256: str) -> bool:
        """Whether bytes are stored under `sha256`."""

    @abstractmethod
    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The stored bytes, in chunks (a blocking iterator: Starlette runs it in a thread). BlobMissing if absent."""

    async def read(self, sha256: str) -> bytes:
        return await asyncio.to_thread(lambda: b"".join(self.chunks(sha256)))

    async def digest(self, sha256: str) -> str | None:
        """The SHA-256 of what is stored under `sha256` now (None: nothing is), read in full."""

        def run() -> str | None:
            hasher = hashlib.sha256()
            try:
                for chunk in self.chunks(sha256):
                    hasher.update(chunk)
            except BlobMissing:
                return None
            return hasher.hexdigest()

        return await asyncio.to_thread(run)


def _check_hash(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256[:80]!r}")
    return sha256


class LocalStore(BlobStore):
    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging_dir = root / ".staging"  # same file system: the final move is an atomic rename

    def path(self, sha256: str) -> Path:
        sha256 = _check_hash(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, sha256: str, source: Path, content_type: str) -> None:
        target = self.path(sha256)

        def move() -> None:
            if target.exists():
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as f:
                os.fsync(f.fileno())
            os.replace(source, target)
            target.chmod(0o444)

        await asyncio.to_thread(move)

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path(sha256).is_file)

    def chunks(self, sha256: str) -> Iterator[bytes]:
        try:
            handle = self.path(sha256).open("rb")
        except FileNotFoundError as exc:
            raise BlobMissing(sha256) from exc
        with handle:
            while chunk := handle.read(CHUNK):
                yield chunk


class S3Store(BlobStore):
    kind = "s3"

    def __init__(self, settings: Settings, prefix: str = "files/") -> None:
        import urllib3
        from minio import Minio

        assert settings.s3_endpoint and settings.s3_access_key and settings.s3_secret_key
        # Bounded waits: the client's default read timeout is five minutes.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=60), maxsize=10,
            retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]))
        self.client = Minio(settings.s3_endpoint, access_key=settings.s3_access_key,
                            secret_key=settings.s3_secret_key, secure=settings.s3_secure,
                            region=settings.s3_region, http_client=http)
        self.bucket, self.prefix = settings.s3_bucket, prefix
        self.staging_dir = settings.var_dir / "tmp" / "uploads"
        self._bucket_ready = False

    def key(self, sha256: str) -> str:
        sha256 = _check_hash(sha256)
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _ensure_bucket(self) -> None:
        if not self._bucket_ready:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
            self._bucket_ready = True

    def _exists(self, key: str) -> bool:
        from minio.error import S3Error

        try:
            self.client.stat_object(self.bucket, key)
            return True
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise

    async def put(self, sha256: str, source: Path, content_type: str) -> None:
        key = self.key(sha256)

        def upload() -> None:
            self._ensure_bucket()
            if not self._exists(key):
                self.client.fput_object(self.bucket, key, str(source), content_type=content_type,
                                        part_size=16 * 1024 * 1024, metadata={"x-amz-meta-sha256": sha256})

        await _unavailable_on_failure(asyncio.to_thread(upload))

    async def exists(self, sha256: str) -> bool:
        return await _unavailable_on_failure(asyncio.to_thread(self._exists, self.key(sha256)))

    def chunks(self, sha256: str) -> Iterator[bytes]:
        from minio.error import S3Error

        try:
            response = self.client.get_object(self.bucket, self.key(sha256))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound", "NoSuchBucket"):
                raise BlobMissing(sha256) from exc
            raise
        try:
            yield from response.stream(CHUNK)
        finally:
            response.close()
            response.release_conn()

    async def digest(self, sha256: str) -> str | None:
        return await _unavailable_on_failure(super().digest(sha256))

    async def read(self, sha256: str) -> bytes:
        return await _unavailable_on_failure(super().read(sha256))


async def _unavailable_on_failure(work: Awaitable[T]) -> T:
    """An unreachable or failing object store answers 503 FILE_STORE_UNAVAILABLE, not a 500."""
    import urllib3
    from minio.error import MinioException

    try:
        return await work
    except (urllib3.exceptions.HTTPError, MinioException, OSError) as exc:
        log.warning("file store unavailable", error=f"{type(exc).__name__}: {exc}"[:300])
        raise DomainError(ErrorCode.FILE_STORE_UNAVAILABLE) from exc


def make_store(settings: Settings) -> BlobStore:
    return S3Store(settings) if settings.file_store == "s3" else LocalStore(settings.files_path)
