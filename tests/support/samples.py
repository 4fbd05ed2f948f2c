"""Small files of every accepted type (and some refused ones), made here so tests ship no binaries."""

import io
import struct
import zipfile

from openpyxl import Workbook

CT = "http://schemas.openxmlformats.org/package/2006/content-types"


def pdf(text: str = "mineflow") -> bytes:
    body = f"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj %{text}\n"
    return b"%PDF-1.4\n" + body.encode() + b"trailer<</Root 1 0 R>>\n%%EOF\n"


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\x00" * 4 + b"\x00" * 12


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    types = (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT}">'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'wordprocessingml.document.main+xml"/></Types>')
    return _zip({"[Content_Types].xml": types.encode(), "word/document.xml": b"<w:document/>", **(extra or {})})


def xlsx() -> bytes:
    book = Workbook()
    book.active.append(["矿山", "产能"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ofd() -> bytes:
    root = ('<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0">'
            '<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    return _zip({"OFD.xml": root.encode(), "Doc_0/Document.xml": b"<ofd:Document/>"})


def doc() -> bytes:
    """A minimal Word 97-2003 file: an OLE2 compound file (512-byte sectors) with one 4 KiB `WordDocument` stream:
    sector 0 the FAT, sector 1 the directory, sectors 2-9 the stream."""
    free, end, fat_sect, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack(
        "<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"\x00" * 6, 0, 1, 1, 0, 0x1000, end, 0, end, 0)
    header += struct.pack("<109I", 0, *([free] * 108))
    fat = [fat_sect, end, *range(3, 10), end] + [free] * (128 - 10)

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le") if name else b""
        return (encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", no_stream, no_stream, child) + b"\x00" * 16 + struct.pack("<IQQ", 0, 0, 0)
                + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 1, end, 0) + entry("WordDocument", 2, no_stream, 2, 4096)
                 + entry("", 0, no_stream, 0, 0) * 2)
    return header + struct.pack("<128I", *fat) + directory + b"\xec\xa5" + b"\x00" * 4094


def zip_bomb(megabytes: int = 64) -> bytes:
    """A DOCX whose media part inflates to `megabytes` of zeros (about a thousand to one)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        plain = zipfile.ZipFile(io.BytesIO(docx()))
        for name in plain.namelist():
            archive.writestr(name, plain.read(name))
        with archive.open("word/media/image1.bin", "w", force_zip64=True) as part:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(megabytes):
                part.write(chunk)
    return buffer.getvalue()


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def elf_binary() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
