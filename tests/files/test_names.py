"""Pure pieces: download headers for any name, the 成文日期 style, seed citations as titles, sniffing limits."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from documents.builders import cite, cn_date
from domain.errors import DomainError
from storage.names import content_disposition, stored_name
from storage.sniff import FileType, ZipLimits, sniff
from tests.support import samples


def test_content_disposition_offers_utf8_and_an_ascii_fallback():
    header = content_disposition('中宁自然资复〔2026〕1号 批复 "终稿";.pdf')
    assert header.startswith('attachment; filename="')
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and '"' not in fallback and ";" not in fallback
    assert header.endswith("filename*=UTF-8''%E4%B8%AD%E5%AE%81%E8%87%AA%E7%84%B6%E8%B5%84%E5%A4%8D%E3%80%942026"
                           "%E3%80%951%E5%8F%B7%20%E6%89%B9%E5%A4%8D%20%22%E7%BB%88%E7%A8%BF%22%3B.pdf")


def test_names_keep_chinese_and_lose_paths():
    assert stored_name("C:\\Users\\张三\\桌面\\现场照片.JPG", FileType.JPEG) == "现场照片.JPG"
    assert stored_name("/etc/../报告", FileType.PDF) == "报告.pdf"
    assert stored_name("." * 5, FileType.PNG) == "附件.png"
    assert len(stored_name("长" * 400 + ".pdf", FileType.PDF)) == 150
    with pytest.raises(DomainError) as mismatch:
        stored_name("表格.xlsx", FileType.DOCX)
    assert mismatch.value.code == "FILE_TYPE_MISMATCH"


def test_written_dates_and_citations():
    assert cn_date(date(2026, 12, 4)) == "2026年12月4日"
    assert cn_date(date(2027, 1, 5)) == "2027年1月5日"
    assert cn_date(datetime(2026, 12, 4, 17, 0, tzinfo=UTC)) == "2026年12月5日"  # China time
    assert cite("seed 000 §二(二)一: 是否编制安全设计") == (
        "《中卫市矿产资源开采治理整顿工作方案》二（二）一：是否编制安全设计")
    assert cite("seed 002 §05(二)") == "《平顺县非煤矿产资源整治提升方案》05（二）"


def test_zip_limits_refuse_too_many_entries(tmp_path: Path):
    path = tmp_path / "many.docx"
    path.write_bytes(samples.docx({f"word/media/{i}.bin": b"x" for i in range(30)}))
    assert sniff(path) is FileType.DOCX
    with pytest.raises(DomainError) as refused:
        sniff(path, ZipLimits(max_entries=10))
    assert refused.value.code == "FILE_ARCHIVE_UNSAFE"
