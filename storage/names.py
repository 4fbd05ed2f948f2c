"""A stored file's name: what the uploader called it, kept readable (Chinese included), made harmless.

Only the last path component survives (no `../`, no `C:\\`), control and bidirectional-override characters go,
characters Windows refuses become `_`, and the extension must agree with the sniffed type: the extension of
another accepted type is refused (a DOCX called `.pdf` confuses whoever opens it), any other extension gets the
right one appended (`x.html` holding a PDF is saved as `x.html.pdf`, so no system opens it as a web page).
"""

import re
import unicodedata
from urllib.parse import quote

from domain.errors import DomainError, ErrorCode
from storage.sniff import EXTENSIONS, FileType

MAX_NAME = 150
FALLBACK = "附件"
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}
_WINDOWS_RESERVED = re.compile(r'[<>:"/\\|?*]')
_ALL_EXTENSIONS = {ext: kind for kind, exts in EXTENSIONS.items() for ext in exts}


def clean_name(raw: str | None) -> str:
    """The name without any path, control characters or leading dots; never empty."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in _BIDI)
    name = " ".join(_WINDOWS_RESERVED.sub("_", name).split())
    name = name.strip(". ")  # no hidden files, no Windows-trailing dots
    return name or FALLBACK


def stored_name(raw: str | None, file_type: FileType) -> str:
    """The name to store and offer for download for a file of `file_type`."""
    name = clean_name(raw)
    stem, dot, given = name.rpartition(".")
    ext = f".{given.lower()}" if dot and stem else ""
    if ext in EXTENSIONS[file_type]:
        return _shorten(stem, f".{given}")  # as the user wrote it (.JPG stays .JPG)
    if ext in _ALL_EXTENSIONS:
        raise DomainError(ErrorCode.FILE_TYPE_MISMATCH,
                          f"文件内容为 {file_type.value.upper()}，与扩展名 {ext} 不符，请确认后重新上传",
                          {"detected": file_type.value, "extension": ext})
    return _shorten(name, EXTENSIONS[file_type][0])


def _shorten(stem: str, ext: str) -> str:
    return stem[: MAX_NAME - len(ext)].rstrip(". ") + ext if stem else FALLBACK + ext


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266 with RFC 5987 `filename*` (UTF-8, percent-encoded) and a plain-ASCII `filename` for old clients."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%;' else "_" for ch in name)
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
