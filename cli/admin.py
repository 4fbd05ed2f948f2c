"""Administration: reset passwords, import the registry from spreadsheets, export cases, back up the database.

Imports take an XLSX workbook (one sheet per kind, named in English or Chinese) or a CSV file (`--kind`). Rows
name what they refer to by natural keys (division codes, credit codes, department and township names), are
validated row by row with errors in Chinese, and go in as one transaction: one bad row, nothing imported.
"""

import asyncio
import csv
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import field_errors
from api.security import hash_password
from domain.divisions import level
from domain.mines import MineMethod
from domain.roles import DepartmentKind
from models.audit import AuditEvent, append_events
from models.db import Database, utcnow
from models.projection import CaseRecord
from models.registry import (
    Department,
    DepartmentBase,
    Division,
    DivisionLevel,
    Enterprise,
    EnterpriseCreate,
    Mine,
    MineCreate,
    User,
    UserCreate,
)
from settings import get_settings

KINDS = ("divisions", "departments", "enterprises", "mines", "users")
SHEET_NAMES = {"行政区划": "divisions", "部门": "departments", "企业": "enterprises", "矿山": "mines", "用户": "users"}
KIND_NAMES = {"divisions": "行政区划", "departments": "部门", "enterprises": "企业", "mines": "矿山", "users": "用户"}
# Chinese column headers a bureau's spreadsheet may use, for the fields they stand for.
HEADERS = {
    "代码": "code", "行政区划代码": "division_code", "名称": "name", "简称": "short_name", "级别": "level",
    "上级代码": "parent_code", "类别": "kind", "统一社会信用代码": "credit_code",
    "企业信用代码": "enterprise_credit_code",
    "乡镇": "township", "矿种": "mineral", "开采方式": "method", "生产规模": "scale_wt", "采矿许可证号": "licence_no",
    "有效期起": "licence_valid_from", "有效期止": "licence_valid_to", "用户名": "username", "姓名": "display_name",
    "角色": "role", "部门": "department", "邮箱": "email", "初始密码": "password",
}
METHODS = {"露天": MineMethod.OPEN_PIT.value, "露天开采": MineMethod.OPEN_PIT.value,
           "地下": MineMethod.UNDERGROUND.value, "地下开采": MineMethod.UNDERGROUND.value}


class RowError(Exception):
    pass


def rows_of(path: Path, kind: str | None) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(kind, row number as the user sees it, row) for every data row, in dependency order."""
    if path.suffix.lower() == ".csv":
        if kind is None:
            raise typer.BadParameter("导入 CSV 文件须用 --kind 指明数据类别")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for n, row in enumerate(csv.DictReader(handle), start=2):
                yield kind, n, _normalise(row)
        return
    book = load_workbook(path, read_only=True, data_only=True)
    sheets = {SHEET_NAMES.get(name, name): book[name] for name in book.sheetnames}
    for sheet_kind in KINDS:
        if sheet_kind not in sheets or (kind and sheet_kind != kind):
            continue
        rows = sheets[sheet_kind].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        for n, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield sheet_kind, n, _normalise(dict(zip(header, values, strict=False)))


def _normalise(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if not key:
            continue
        field = HEADERS.get(key.strip(), key.strip())
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, str):
            value = value.strip()
        out[field] = None if value == "" else value
    return out


async def _import_row(session: AsyncSession, kind: str, row: dict[str, Any], password_hash: str) -> None:
    match kind:
        case "divisions":
            code = str(row.get("code") or "")
            if await session.get(Division, code):
                raise RowError(f"行政区划 {code} 已存在")
            session.add(Division(code=code, name=row.get("name"), short_name=row.get("short_name") or row.get("name"),
                                 level=DivisionLevel(row.get("level") or level(code)),
                                 parent_code=str(row["parent_code"]) if row.get("parent_code") else None))
        case "departments":
            body = DepartmentBase(name=row.get("name"), kind=DepartmentKind(row.get("kind")),
                                  division_code=str(row.get("division_code")))
            await _division(session, body.division_code)
            session.add(Department(**body.model_dump()))
        case "enterprises":
            body = EnterpriseCreate(name=row.get("name"), credit_code=str(row.get("credit_code") or ""),
                                    division_code=str(row.get("division_code") or ""))
            await _division(session, body.division_code)
            if (await session.exec(select(Enterprise).where(Enterprise.credit_code == body.credit_code))).first():
                raise RowError(f"统一社会信用代码 {body.credit_code} 已登记")
            session.add(Enterprise(**body.model_dump()))
        case "mines":
            enterprise = await _enterprise(session, row.get("enterprise_credit_code"))
            division = str(row.get("division_code") or "")
            township = await _department(session, division, row.get("township"), DepartmentKind.TOWNSHIP)
            body = MineCreate(name=row.get("name"), enterprise_id=enterprise.id, division_code=division,
                              township_id=township.id, mineral=row.get("mineral"),
                              method=METHODS.get(str(row.get("method")), row.get("method")),
                              scale_wt=row.get("scale_wt"), licence_no=str(row.get("licence_no") or ""),
                              licence_valid_from=row.get("licence_valid_from"),
                              licence_valid_to=row.get("licence_valid_to"))
            if (await session.exec(select(Mine).where(Mine.licence_no == body.licence_no))).first():
                raise RowError(f"采矿许可证号 {body.licence_no} 已登记")
            session.add(Mine(**body.model_dump()))
        case "users":
            division = str(row["division_code"]) if row.get("division_code") else None
            department = await _department(session, division, row["department"]) if row.get("department") else None
            enterprise = await _enterprise(session, row["enterprise_credit_code"]) \
                if row.get("enterprise_credit_code") else None
            body = UserCreate(username=row.get("username"), display_name=row.get("display_name"), role=row.get("role"),
                              division_code=division, department_id=department.id if department else None,
                              enterprise_id=enterprise.id if enterprise else None, email=row.get("email"),
                              password=str(row.get("password") or "") or uuid.uuid4().hex)
            if (await session.exec(select(User).where(User.username == body.username))).first():
                raise RowError(f"用户名 {body.username} 已存在")
            hashed = hash_password(body.password) if row.get("password") else password_hash
            session.add(User(**body.model_dump(exclude={"password"}), password_hash=hashed))
    await session.flush()


async def _division(session: AsyncSession, code: str | None) -> Division:
    division = await session.get(Division, code) if code else None
    if division is None:
        raise RowError(f"行政区划 {code} 不存在")
    return division


async def _enterprise(session: AsyncSession, credit_code: Any) -> Enterprise:
    found = (await session.exec(select(Enterprise).where(Enterprise.credit_code == str(credit_code or "")))).first()
    if found is None:
        raise RowError(f"统一社会信用代码为 {credit_code} 的企业不存在（须先导入企业）")
    return found


async def _department(session: AsyncSession, division: str | None, name: Any,
                      kind: DepartmentKind | None = None) -> Department:
    query = select(Department).where(Department.division_code == division)
    query = query.where(col(Department.name).contains(str(name or "")))
    if kind:
        query = query.where(Department.kind == kind)
    found = (await session.exec(query)).all()
    if len(found) != 1:
        what = "乡镇" if kind is DepartmentKind.TOWNSHIP else "部门"
        raise RowError(f"{division} 下找不到唯一的{what}“{name}”" if found == [] else f"{what}“{name}”不唯一")
    return found[0]


def _explain(error: ValidationError) -> str:
    return "；".join(f"{e['field'] or '行'}：{e['message']}" for e in field_errors(error.errors()))


async def import_registry(path: Path, kind: str | None) -> tuple[dict[str, int], list[str]]:
    """Import every row or none: returns (rows imported per kind, errors)."""
    settings = get_settings()
    db = Database.from_settings(settings)
    counts: dict[str, int] = {}
    errors: list[str] = []
    password_hash = hash_password(uuid.uuid4().hex)  # users without an initial password cannot log in until reset
    try:
        async with db.write() as session:
            for row_kind, n, row in rows_of(path, kind):
                try:
                    async with session.begin_nested():
                        await _import_row(session, row_kind, row, password_hash)
                    counts[row_kind] = counts.get(row_kind, 0) + 1
                except ValidationError as exc:
                    errors.append(f"第 {n} 行（{KIND_NAMES[row_kind]}）：{_explain(exc)}")
                except (RowError, ValueError, KeyError) as exc:
                    errors.append(f"第 {n} 行（{KIND_NAMES[row_kind]}）：{exc}")
            if errors:
                await session.rollback()
                return {}, errors
            await append_events(session, [AuditEvent(
                event_key=f"cli:import:{uuid.uuid4().hex}", at=utcnow(), actor="cli", role="admin",
                action="registry_imported", detail=f"导入登记数据 {path.name}", data=counts)], is_sqlite=db.is_sqlite)
        return counts, []
    finally:
        await db.dispose()


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_command(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
                       kind: Annotated[str | None, typer.Option(help="CSV 的类别：" + "/".join(KINDS))] = None) -> None:
        """从 XLSX（每类一个工作表）或 CSV 导入登记数据；任一行有误则全部不导入。"""
        if kind is not None and kind not in KINDS:
            raise typer.BadParameter(f"--kind 须为 {'/'.join(KINDS)} 之一")
        counts, errors = asyncio.run(import_registry(path, kind))
        if errors:
            typer.echo(f"导入失败，共 {len(errors)} 处错误，未导入任何数据：", err=True)
            for error in errors:
                typer.echo(f"  {error}", err=True)
            raise typer.Exit(1)
        typer.echo("已导入：" + "，".join(f"{KIND_NAMES[k]} {n} 条" for k, n in counts.items()))

    @app.command("reset-password")
    def reset_password(username: str, password: Annotated[str, typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True)]) -> None:
        """重设用户密码（并解除登录锁定）。"""
        if len(password) < 8:
            typer.echo("密码至少 8 位", err=True)
            raise typer.Exit(2)

        async def run() -> bool:
            db = Database.from_settings(get_settings())
            try:
                async with db.write() as session:
                    user = (await session.exec(select(User).where(User.username == username))).first()
                    if user is None:
                        return False
                    user.password_hash = hash_password(password)
                    user.session_epoch += 1  # whoever held the old password's sessions is logged out
                    session.add(user)
                    from models.registry import LoginThrottle

                    throttle = await session.get(LoginThrottle, f"user:{username}")
                    if throttle is not None:
                        await session.delete(throttle)
                    await append_events(session, [AuditEvent(
                        event_key=f"cli:password:{uuid.uuid4().hex}", at=utcnow(), actor="cli", role="admin",
                        action="password_reset", detail=f"重设用户 {username} 的密码")], is_sqlite=db.is_sqlite)
                return True
            finally:
                await db.dispose()

        if not asyncio.run(run()):
            typer.echo(f"用户 {username} 不存在", err=True)
            raise typer.Exit(1)
        typer.echo(f"已重设 {username} 的密码")

    @app.command("export-cases")
    def export_cases(path: Annotated[Path, typer.Argument(dir_okay=False)],
                     division: Annotated[str | None, typer.Option(help="只导出该县（区）或市的案件")] = None) -> None:
        """把案件一览（读模型）导出为 XLSX。"""
        from api.kinds import stage_name, status_name

        async def rows() -> list[CaseRecord]:
            db = Database.from_settings(get_settings())
            try:
                async with db.session() as session:
                    query = select(CaseRecord).order_by(col(CaseRecord.submitted_at))
                    if division:
                        column = CaseRecord.city_code if level(division) == "city" else CaseRecord.division_code
                        query = query.where(column == division)
                    return list((await session.exec(query)).all())
            finally:
                await db.dispose()

        records = asyncio.run(rows())
        book = Workbook()
        sheet = book.active
        sheet.title = "案件"
        sheet.append(["案件编号", "类型", "事项", "矿山", "企业", "许可证号", "县（区）", "阶段", "状态", "逾期",
                      "法定期限", "文号", "提交时间", "办结时间", "最近办理"])
        for r in records:
            sheet.append([r.case_id, r.kind, r.title, r.mine_name, r.enterprise_name, r.licence_no, r.division_code,
                          stage_name(r.kind, r.stage), status_name(r.kind, r.status), "是" if r.overdue else "否",
                          r.deadline, r.document_no, _naive(r.submitted_at), _naive(r.closed_at), r.summary])
        book.save(path)
        typer.echo(f"已导出 {len(records)} 件案件到 {path}")

    @app.command()
    def backup(path: Annotated[Path, typer.Argument(dir_okay=False)]) -> None:
        """备份应用数据库（SQLite：在线备份；PostgreSQL：pg_dump 自定义格式）。Temporal 的数据库另行备份。"""
        settings = get_settings()
        if settings.database_url.startswith("sqlite"):
            source = sqlite3.connect(settings.database_url.split("///", 1)[1])
            target = sqlite3.connect(path)
            with target:
                source.backup(target)
            source.close()
            target.close()
        else:
            pg_dump = shutil.which("pg_dump")
            if pg_dump is None:
                typer.echo("找不到 pg_dump，请安装 PostgreSQL 客户端", err=True)
                raise typer.Exit(1)
            url = settings.sync_database_url.replace("postgresql+psycopg://", "postgresql://")
            subprocess.run([pg_dump, "--format=custom", "--file", str(path), url], check=True)
        typer.echo(f"已备份到 {path}")


def _naive(moment: datetime | None) -> datetime | None:
    """Spreadsheets hold no time zone: write China time."""
    from domain.calendar import CHINA_TZ

    return moment.astimezone(CHINA_TZ).replace(tzinfo=None) if moment else None


