"""What a file really is, from its bytes — never from its name or the client's Content-Type.

Accepted: PDF, JPEG, PNG, OFD (GB/T 33190: a zip whose root `OFD.xml` is in the ofdspec namespace), DOC (an OLE2
compound file with a `WordDocument` stream), DOCX and XLSX (zips whose `[Content_Types].xml` declares the main
part). Zips are inspected without extracting them: the central directory's counts and sizes are checked first and
at most `max_xml_bytes` are ever decompressed, so a zip bomb costs nothing to refuse.
"""

import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import olefile

from domain.errors import DomainError, ErrorCode


class FileType(StrEnum):
    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    OFD = "ofd"
    DOC = "doc"
    DOCX = "docx"
    XLSX = "xlsx"


CONTENT_TYPES: dict[FileType, str] = {
    FileType.PDF: "application/pdf",
    FileType.JPEG: "image/jpeg",
    FileType.PNG: "image/png",
    FileType.OFD: "application/ofd",
    FileType.DOC: "application/msword",
    FileType.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileType.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS: dict[FileType, tuple[str, ...]] = {
    FileType.PDF: (".pdf",), FileType.JPEG: (".jpg", ".jpeg"), FileType.PNG: (".png",), FileType.OFD: (".ofd",),
    FileType.DOC: (".doc",), FileType.DOCX: (".docx",), FileType.XLSX: (".xlsx",),
}
# Shown inline by the console's preview (phase 2); everything else downloads only.
PREVIEWABLE: frozenset[FileType] = frozenset({FileType.PDF, FileType.JPEG, FileType.PNG})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OFD_NAMESPACE = "http://www.ofdspec.org/2016"
_MAIN_PARTS: dict[str, tuple[FileType, str]] = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        (FileType.DOCX, "word/document.xml"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (FileType.XLSX, "xl/workbook.xml"),
}


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 5_000
    max_total_uncompressed: int = 512 * 1024 * 1024
    max_ratio: int = 100  # uncompressed / compressed, for entries past `ratio_floor`
    ratio_floor: int = 1024 * 1024
    max_xml_bytes: int = 2 * 1024 * 1024


LIMITS = ZipLimits()


def not_allowed() -> DomainError:
    return DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED)


def sniff(path: Path, limits: ZipLimits = LIMITS) -> FileType:
    """The file's type, or a refusal (FILE_EMPTY, FILE_TYPE_NOT_ALLOWED, FILE_ARCHIVE_UNSAFE)."""
    size = path.stat().st_size
    if size == 0:
        raise DomainError(ErrorCode.FILE_EMPTY)
    with path.open("rb") as f:
        head = f.read(64)
        f.seek(max(0, size - 4096))
        tail = f.read()
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in tail:  # cut off: a PDF ends with its trailer
            raise DomainError(ErrorCode.FILE_TYPE_NOT_ALLOWED, "PDF 文件不完整（缺少文件结尾），请重新上传")
        return FileType.PDF
    if head.startswith(b"\xff\xd8\xff"):
        return FileType.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return FileType.PNG
    if head.startswith(_OLE_MAGIC):
        return _ole(path)
    if head.startswith(b"PK\x03\x04"):
        return _zip(path, limits)
    raise not_allowed()


def _ole(path: Path) -> FileType:
    """A Word 97-2003 document; other OLE files (XLS, MSI, …) are not on the list."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            is_word = bool(ole.exists("WordDocument"))
    except Exception as exc:  # olefile has no error class of its own: a corrupt file raises whatever it hits
        raise not_allowed() from exc
    if is_word:
        return FileType.DOC
    raise not_allowed()


def _zip(path: Path, limits: ZipLimits) -> FileType:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_archive(infos, limits)
            names = {info.filename for info in infos}
            if "OFD.xml" in names:
                root = _xml(archive, "OFD.xml", limits)
                if root.tag == f"{{{_OFD_NAMESPACE}}}OFD":
                    return FileType.OFD
                raise not_allowed()
            if "[Content_Types].xml" in names:
                root = _xml(archive, "[Content_Types].xml", limits)
                for override in root:
                    found = _MAIN_PARTS.get(override.get("ContentType", ""))
                    if found and override.get("PartName", "").lstrip("/") == found[1] and found[1] in names:
                        return found[0]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            OSError, ValueError) as exc:  # broken, encrypted or exotic archives: not a document we take
        raise not_allowed() from exc
    raise not_allowed()


def _check_archive(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    if len(infos) > limits.max_entries:
        raise DomainError(ErrorCode.FILE_ARCHIVE_UNSAFE, details={"entries": len(infos)})
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_uncompressed:
        raise DomainError(ErrorCode.FILE_ARCHIVE_UNSAFE, details={"uncompressed_bytes": total})
    for info in infos:
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise DomainError(ErrorCode.FILE_ARCHIVE_UNSAFE, details={"entry": info.filename[:100]})


def _xml(archive: zipfile.ZipFile, name: str, limits: ZipLimits) -> ET.Element:
    """One small XML part, decompressing at most `max_xml_bytes` whatever the entry claims to hold."""
    with archive.open(name) as part:
        data = part.read(limits.max_xml_bytes + 1)
    if len(data) > limits.max_xml_bytes:
        raise DomainError(ErrorCode.FILE_ARCHIVE_UNSAFE, details={"entry": name})
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # no document part needs a DTD; entity tricks start there
        raise not_allowed()
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise not_allowed() from exc
