"""The operator's commands (docs/operations.md): import the registry from a spreadsheet, create users, reset a
password, export cases, verify the audit chain, back up the database."""

import asyncio
import csv
import sqlite3
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner, Result

from api.deps import principal_from_token
from api.login import authenticate
from api.security import create_token
from cli.main import app
from domain.errors import DomainError, ErrorCode
from models.registry import Enterprise, Mine
from settings import get_settings

VALID_CODE = "91350100M000100Y43"


async def cli(db, *args: str, stdin: str | None = None) -> Result:
    """Run `mineflow ARGS` against the test's database, as an operator would (in a thread: it runs its own loop)."""
    def invoke() -> Result:
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args), input=stdin, env={
                "MINEFLOW_DATABASE_URL": db.url, "MINEFLOW_JWT_SECRET": "test-secret-" + "x" * 32})
        finally:
            get_settings.cache_clear()

    return await asyncio.to_thread(invoke)


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


async def count(db, model) -> int:
    async with db.session() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def test_import_a_workbook_with_chinese_headers(demo_db, tmp_path):
    path = workbook(tmp_path / "登记.xlsx", {
        "企业": [["名称", "统一社会信用代码", "行政区划代码"], ["中宁县新源矿业有限公司", VALID_CODE, "640521"]],
        "矿山": [["名称", "企业信用代码", "行政区划代码", "乡镇", "矿种", "开采方式", "生产规模", "采矿许可证号",
                "有效期起", "有效期止"],
               ["中宁县新源石膏矿", VALID_CODE, "640521", "石空镇", "石膏", "地下", 30, "C6405212026017130555555",
                "2026-01-01", "2036-01-01"]],
        "用户": [["用户名", "姓名", "角色", "企业信用代码", "初始密码"],
               ["zn_xinyuan", "新源矿业经办人", "enterprise", VALID_CODE, "initial-password-1"]],
    })
    enterprises, mines = await count(demo_db, Enterprise), await count(demo_db, Mine)
    result = await cli(demo_db, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "企业 1 条" in result.output and "矿山 1 条" in result.output and "用户 1 条" in result.output
    assert (await count(demo_db, Enterprise), await count(demo_db, Mine)) == (enterprises + 1, mines + 1)
    async with demo_db.session() as session:
        mine = (await session.exec(select(Mine).where(Mine.name == "中宁县新源石膏矿"))).one()
    assert mine.method.value == "underground" and str(mine.licence_valid_to) == "2036-01-01"
    assert (await authenticate(demo_db, get_settings(), "zn_xinyuan", "initial-password-1", "cli-test")).enterprise_id


async def test_one_bad_row_imports_nothing_and_every_error_is_named(demo_db, tmp_path):
    path = workbook(tmp_path / "有误.xlsx", {
        "企业": [["名称", "统一社会信用代码", "行政区划代码"],
               ["中宁县甲矿业有限公司", VALID_CODE, "640521"],
               ["中宁县乙矿业有限公司", "91350100M000100Y44", "640521"]],
        "矿山": [["名称", "企业信用代码", "行政区划代码", "乡镇", "矿种", "开采方式", "生产规模", "采矿许可证号",
                "有效期起", "有效期止"],
               ["中宁县甲石膏矿", VALID_CODE, "640521", "石空镇", "石膏", "地下", 30, "C6405212026017130666666",
                "2036-01-01", "2026-01-01"],
               ["中宁县丙石膏矿", VALID_CODE, "640521", "无此乡", "石膏", "地下", 30, "C6405212026017130777777",
                "2026-01-01", "2036-01-01"]],
    })
    enterprises, mines = await count(demo_db, Enterprise), await count(demo_db, Mine)
    result = await cli(demo_db, "import", str(path))
    assert result.exit_code == 1
    assert "未导入任何数据" in result.output
    assert "第 3 行（企业）" in result.output and "校验位错误" in result.output
    assert "第 2 行（矿山）" in result.output and "有效期止日必须晚于起日" in result.output
    assert "第 3 行（矿山）" in result.output and "无此乡" in result.output
    assert (await count(demo_db, Enterprise), await count(demo_db, Mine)) == (enterprises, mines)


async def test_import_a_csv_file(demo_db, tmp_path):
    path = tmp_path / "enterprises.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([["name", "credit_code", "division_code"],
                                      ["海原县新华矿业有限公司", VALID_CODE, "640522"]])
    result = await cli(demo_db, "import", str(path), "--kind", "enterprises")
    assert result.exit_code == 0, result.output
    async with demo_db.session() as session:
        assert (await session.exec(select(Enterprise).where(Enterprise.credit_code == VALID_CODE))).one().name == \
            "海原县新华矿业有限公司"


async def test_create_a_user_then_reset_the_password(demo_db):
    created = await cli(demo_db, "create-user", "zn_clerk", "county_nr", "--name", "中宁县自然资源局文员",
                        "--division", "640521", stdin="first-password-1\nfirst-password-1\n")
    assert created.exit_code == 0, created.output
    settings = get_settings()
    before = await authenticate(demo_db, settings, "zn_clerk", "first-password-1", "cli-test")
    old_token = create_token(before.username, before.role.value, settings, before.session_epoch)
    reset = await cli(demo_db, "reset-password", "zn_clerk", stdin="second-password-2\nsecond-password-2\n")
    assert reset.exit_code == 0, reset.output
    user = await authenticate(demo_db, settings, "zn_clerk", "second-password-2", "cli-test")
    assert user.role.value == "county_nr"
    async with demo_db.session() as session:  # whoever held the old password is logged out
        with pytest.raises(DomainError) as ended:
            await principal_from_token(old_token, session, settings)
    assert ended.value.code is ErrorCode.TOKEN_INVALID
    assert (await cli(demo_db, "reset-password", "nobody", stdin="long-enough-1\nlong-enough-1\n")).exit_code == 1


async def test_export_the_cases_to_a_spreadsheet(stack, tmp_path):
    case_id = (await stack.submit())["case_id"]
    path = tmp_path / "cases.xlsx"
    result = await cli(stack.db, "export-cases", str(path), "--division", "640500")
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("案件编号", "类型", "事项")
    assert [(r[0], r[7], r[8]) for r in rows[1:]] == [(case_id, "受理", "办理中")]


async def test_verify_the_audit_chain(stack):
    await stack.submit()
    ok = await cli(stack.db, "verify-audit")
    assert ok.exit_code == 0 and "审计链完整" in ok.output


async def test_back_up_the_database(demo_db, tmp_path):
    path = tmp_path / "backup.db"
    result = await cli(demo_db, "backup", str(path))
    assert result.exit_code == 0, result.output
    if demo_db.is_sqlite:
        with sqlite3.connect(path) as copy:
            assert copy.execute("SELECT count(*) FROM mines").fetchone()[0] == await count(demo_db, Mine)
    else:
        assert path.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format


async def test_migrate_an_empty_database_and_seed_the_demo_only_outside_production(tmp_path):
    from models.db import Database

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert (await cli(db, "migrate")).exit_code == 0
        assert (await cli(db, "migrate")).exit_code == 0  # again: nothing to do, no error
        seeded = await cli(db, "seed")
        assert seeded.exit_code == 0 and "演示数据已写入" in seeded.output
        assert "已存在" in (await cli(db, "seed")).output
        assert await count(db, Mine) == 12

        def refused_in_production() -> Result:
            get_settings.cache_clear()
            try:
                return CliRunner().invoke(app, ["seed"], env={
                    "MINEFLOW_DATABASE_URL": db.url, "MINEFLOW_MODE": "production",
                    "MINEFLOW_JWT_SECRET": "production-secret-" + "p" * 32,
                    "MINEFLOW_PUBLIC_BASE_URL": "https://mineflow.example.gov.cn"})
            finally:
                get_settings.cache_clear()

        refused = await asyncio.to_thread(refused_in_production)
        assert refused.exit_code == 1 and "生产模式" in refused.output
    finally:
        await db.dispose()


async def test_load_a_years_holiday_arrangement_and_tell_the_open_cases(stack, tmp_path):
    import json

    from models.audit import AuditEntry
    from models.calendar_years import CalendarYear
    from tests.support.calendar_2027 import OFFICIAL_2027

    await stack.submit()
    target = stack.temporal.service_client.config.target_host
    good, bad = tmp_path / "2027.json", tmp_path / "bad.json"
    good.write_text(json.dumps({"2027": OFFICIAL_2027}, ensure_ascii=False), encoding="utf-8")
    bad.write_text(json.dumps({"2027": {**OFFICIAL_2027, "workdays": ["2027-01-01"]}}), encoding="utf-8")

    def invoke(*args: str) -> Result:
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args), env={
                "MINEFLOW_DATABASE_URL": stack.db.url, "MINEFLOW_JWT_SECRET": "test-secret-" + "x" * 32,
                "MINEFLOW_TEMPORAL_ADDRESS": target})
        finally:
            get_settings.cache_clear()

    refused = await asyncio.to_thread(invoke, "calendar", "load", str(bad))
    assert refused.exit_code == 1 and "同一天不能既放假又上班" in refused.output
    assert await count(stack.db, CalendarYear) == 0

    loaded = await asyncio.to_thread(invoke, "calendar", "load", str(good), "--by", "ops_zhang")
    assert loaded.exit_code == 0, loaded.output
    assert "已载入2027年节假日安排" in loaded.output and "已通知1件在办案件" in loaded.output
    async with stack.db.session() as session:
        row = await session.get(CalendarYear, 2027)
        [audit] = (await session.exec(select(AuditEntry).where(AuditEntry.action == "calendar_loaded"))).all()
    assert row is not None and "2027-02-20" in row.workdays and row.loaded_by == "ops_zhang"
    assert audit.actor == "ops_zhang"
