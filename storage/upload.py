"""A multipart/form-data upload read as it arrives: the one `file` part goes straight into a staging file while
it is hashed and counted, and the upload is refused the moment it passes the size cap (nothing is buffered whole,
in memory or on disk, before the check)."""

import hashlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import unquote

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from domain.errors import DomainError, ErrorCode

FIELD_NAME = b"file"
MAX_OTHER_PART = 64 * 1024  # other form fields are ignored, but may not be large
MAX_PARTS = 20
_FILENAME_STAR = re.compile(rb"filename\*\s*=\s*([^;]+)", re.IGNORECASE)


@dataclass
class Incoming:
    sha256: str
    size: int
    filename: str | None


@dataclass
class _State:
    sink: IO[bytes]
    max_bytes: int
    hasher: "hashlib._Hash" = field(default_factory=hashlib.sha256)
    size: int = 0
    parts: int = 0
    header_field: bytes = b""
    header_value: bytes = b""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    in_file: bool = False
    other_size: int = 0
    filename: str | None = None
    got_file: bool = False
    ended: bool = False


def human_size(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} 字节"


def too_large(max_bytes: int) -> DomainError:
    return DomainError(ErrorCode.FILE_TOO_LARGE, f"文件超过大小上限（{human_size(max_bytes)}）",
                       {"max_bytes": max_bytes})


def malformed(reason: str) -> DomainError:
    return DomainError(ErrorCode.FILE_UPLOAD_MALFORMED, details={"reason": reason})


def boundary_of(content_type: str | None) -> bytes:
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary or len(boundary) > 200:
        raise malformed("expected multipart/form-data with a boundary")
    return boundary


def _filename(disposition: bytes, params: dict[bytes, bytes]) -> str | None:
    """`filename*=UTF-8''…` (RFC 5987) wins over `filename` (browsers send raw UTF-8 there)."""
    star = _FILENAME_STAR.search(disposition)
    if star:
        charset, _, encoded = star.group(1).strip().strip(b'"').partition(b"''")
        try:
            return unquote(encoded.decode("ascii"), encoding=(charset.decode("ascii") or "utf-8"), errors="strict")
        except (UnicodeDecodeError, LookupError):
            pass
    raw = params.get(b"filename")
    return None if raw is None else raw.decode("utf-8", errors="replace")


async def read_upload(body: AsyncIterator[bytes], content_type: str | None, sink: IO[bytes], *,
                      max_bytes: int) -> Incoming:
    """Write the `file` part of the multipart `body` into `sink`; its hash, size and the name the client gave."""
    state = _State(sink=sink, max_bytes=max_bytes)

    def on_part_begin() -> None:
        state.parts += 1
        if state.parts > MAX_PARTS:
            raise malformed("too many parts")
        state.headers, state.in_file = {}, False

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value += data[start:end]

    def on_header_end() -> None:
        state.headers[state.header_field.strip().lower()] = state.header_value.strip()
        state.header_field = state.header_value = b""

    def on_headers_finished() -> None:
        disposition = state.headers.get(b"content-disposition", b"")
        _, params = parse_options_header(disposition)
        if params.get(b"name") == FIELD_NAME and (b"filename" in params or _FILENAME_STAR.search(disposition)):
            if state.got_file:
                raise malformed("one file per upload")
            state.in_file, state.got_file = True, True
            state.filename = _filename(disposition, params)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state.in_file:
            state.size += end - start
            if state.size > state.max_bytes:
                raise too_large(state.max_bytes)
            chunk = data[start:end]
            state.hasher.update(chunk)
            state.sink.write(chunk)
        else:
            state.other_size += end - start
            if state.other_size > MAX_OTHER_PART:
                raise malformed("form field too large")

    def on_end() -> None:
        state.ended = True

    parser = MultipartParser(boundary_of(content_type), {  # type: ignore[arg-type]
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_end": on_end,
    })
    try:
        async for chunk in body:
            if chunk:
                parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise malformed(str(exc)[:200]) from exc
    if not state.ended:
        raise malformed("the upload ended before its closing boundary")
    if not state.got_file:
        raise malformed("no part named `file` with a filename")
    sink.flush()
    return Incoming(sha256=state.hasher.hexdigest(), size=state.size, filename=state.filename)
