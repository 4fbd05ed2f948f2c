"""`mineflow calendar load FILE` — load a year's official holiday arrangement (国务院办公厅关于部分节假日安排的通知)
from a JSON file, as `POST /api/v1/admin/calendar/{year}` does: checked, stored, audited, told to open cases.

The file has the shape of `domain/data/holidays.json`: {"2027": {"holidays": [...], "workdays": [...],
"source": "国办发明电〔2026〕7号"}}, one or more years."""

import asyncio
import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

import engine
from api.errors import field_errors
from api.services.calendar import ArrangementIn, ArrangementOut, load_year
from domain.errors import DomainError
from models.db import Database
from settings import get_settings

calendar_app = typer.Typer(help="节假日安排（国务院办公厅通知）", no_args_is_help=True)


def arrangements(path: Path) -> dict[int, ArrangementIn]:
    """Each year in the file, checked for shape (the dates' sense is checked when loading)."""
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise typer.BadParameter(f"无法读取 JSON 文件：{exc}") from exc
    if not isinstance(raw, dict):
        raise typer.BadParameter("文件应为以年度为键的 JSON 对象，如 {\"2027\": {\"holidays\": [...]}}")
    found: dict[int, ArrangementIn] = {}
    for key, value in raw.items():
        if key.startswith("_"):
            continue
        if not key.isdigit():
            raise typer.BadParameter(f"“{key}”不是年度")
        try:
            found[int(key)] = ArrangementIn.model_validate(value)
        except ValidationError as exc:
            problems = "；".join(f"{e['field']}：{e['message']}" for e in field_errors(exc.errors()))
            raise typer.BadParameter(f"{key}年：{problems}") from exc
    if not found:
        raise typer.BadParameter("文件中没有年度")
    return found


async def _load(years: dict[int, ArrangementIn], actor: str) -> list[ArrangementOut]:
    settings = get_settings()
    db = Database.from_settings(settings)
    try:
        temporal = await engine.connect(settings)
        return [await load_year(db=db, temporal=temporal, year=year, body=body, actor=actor, role="admin",
                                actor_name=f"{actor}（命令行）") for year, body in sorted(years.items())]
    finally:
        await db.dispose()


@calendar_app.command("load")
def load(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
         by: Annotated[str | None, typer.Option(help="记入审计链的操作人（缺省为当前系统用户）")] = None) -> None:
    """载入某年的节假日安排：新案件即用，并通知在办案件重新推算未到期的期限。"""
    years = arrangements(path)
    actor = by or getpass.getuser()
    if not actor.strip() or len(actor) > 40:
        raise typer.BadParameter("操作人须为 1–40 个字符", param_hint="--by")
    try:
        loaded = asyncio.run(_load(years, actor))
    except DomainError as exc:
        typer.echo(f"未载入：{exc.message}", err=True)
        raise typer.Exit(1) from exc
    for out in loaded:
        typer.echo(f"已载入{out.year}年节假日安排（{out.source}）：放假{len(out.holidays)}天，"
                   f"调休上班{len(out.workdays)}天；已通知{out.cases_told}件在办案件重新推算期限")


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")
