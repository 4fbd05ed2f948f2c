"""`mineflow` — run and administer the product.

    mineflow dev            Temporal dev server (UI on) + worker + API and web console with demo data; Ctrl-C stops all
    mineflow worker         the worker alone (settings from the environment)
    mineflow api            the API alone (uvicorn)
    mineflow migrate        apply database migrations (Alembic)
    mineflow seed           insert the demo registry (never in production mode)
    mineflow create-user    add a user
    mineflow verify-audit   walk the audit chain and re-hash stored files; name the first broken one
    mineflow reset-password reset a user's password (and lift a login lock)
    mineflow import         import the registry from XLSX / CSV (all rows or none)
    mineflow export-cases   export the case list to XLSX
    mineflow backup         back up the application database
    mineflow calendar load  load a year's official holiday arrangement (JSON; audited; open cases re-plan)
    mineflow walkthrough    carry one demo case through every role over HTTP (against `make run`)
"""

import asyncio
import atexit
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from cli import admin, calendar
from cli.processes import Child, port_holder, port_in_use, temporal_dev_server, wait_for_port
from domain.roles import Role
from settings import Mode, Settings, get_settings

app = typer.Typer(help="mineflow：矿山审批流程系统", no_args_is_help=True, add_completion=False)
admin.register(app)
calendar.register(app)
ROOT = Path(__file__).resolve().parent.parent


def migrate_database(settings: Settings) -> None:
    from alembic import command
    from alembic.config import Config

    if settings.database_url.startswith("sqlite"):
        Path(settings.database_url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    # The checkout's migrations, or — installed in a container — those beside the working directory (/app).
    base = next((d for d in (Path.cwd(), ROOT) if (d / "alembic.ini").exists()), ROOT)
    config = Config(str(base / "alembic.ini"))
    config.set_main_option("script_location", str(base / "migrations"))
    config.attributes["url"] = settings.sync_database_url
    command.upgrade(config, "heads")  # procedures may add their own branch


async def seed_database(settings: Settings) -> bool:
    from api.security import hash_password
    from models.db import Database
    from models.demo import DEMO_PASSWORD, seed_demo

    db = Database.from_settings(settings)
    try:
        async with db.write() as session:
            # Demo users share one published password, so one hash serves them all.
            return await seed_demo(session, hash_password(DEMO_PASSWORD))
    finally:
        await db.dispose()


@app.command()
def migrate() -> None:
    """应用数据库迁移（Alembic upgrade heads）。"""
    migrate_database(get_settings())
    typer.echo("数据库已迁移到最新版本")


@app.command()
def seed() -> None:
    """写入中卫市演示数据（生产模式下拒绝）。"""
    settings = get_settings()
    if settings.mode is Mode.PRODUCTION:
        typer.echo("生产模式下不写入演示数据", err=True)
        raise typer.Exit(1)
    inserted = asyncio.run(seed_database(settings))
    typer.echo("演示数据已写入" if inserted else "演示数据已存在，未重复写入")


@app.command()
def worker(family: Annotated[list[str] | None, typer.Option(
        help="只服务这些流程族（可重复）；默认全部：reopening、system、documents（文书生成）…")] = None) -> None:
    """启动 worker（执行流程与活动），每个流程族一个任务队列；文书生成另有一个队列（documents）。"""
    import worker as worker_module

    known = worker_module.all_families()
    if unknown := sorted(set(family or []) - set(known)):
        raise typer.BadParameter(f"未知的流程族：{', '.join(unknown)}；可选 {', '.join(known)}")
    worker_module.run(get_settings(), family)


@app.command()
def api(host: Annotated[str | None, typer.Option()] = None, port: Annotated[int | None, typer.Option()] = None) -> None:
    """启动 API 服务（uvicorn）。"""
    import uvicorn

    settings = get_settings()
    # Our own access line (api/observability.py) replaces uvicorn's; its other logs go through structlog too.
    uvicorn.run("api.app:app", factory=True, host=host or settings.api_host, port=port or settings.api_port,
                log_level=settings.log_level.lower(), proxy_headers=True, access_log=False, log_config=None)


@app.command("create-user")
def create_user(
    username: str, role: Role, display_name: Annotated[str, typer.Option("--name")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    division_code: Annotated[str | None, typer.Option("--division")] = None,
    department_id: Annotated[int | None, typer.Option("--department")] = None,
    enterprise_id: Annotated[int | None, typer.Option("--enterprise")] = None,
) -> None:
    """新建用户。"""
    from pydantic import ValidationError

    from api.security import hash_password
    from models.audit import AuditEvent, append_events
    from models.db import Database, utcnow
    from models.registry import User, UserCreate

    try:
        body = UserCreate(username=username, role=role, display_name=display_name, password=password,
                          division_code=division_code, department_id=department_id, enterprise_id=enterprise_id)
    except ValidationError as exc:
        typer.echo(f"输入不合法：{exc}", err=True)
        raise typer.Exit(2) from exc

    async def run() -> None:
        db = Database.from_settings(get_settings())
        try:
            async with db.write() as session:
                user = User(**body.model_dump(exclude={"password"}), password_hash=hash_password(password))
                session.add(user)
                await session.flush()
                await append_events(session, [AuditEvent(
                    event_key=f"cli:user:{username}:{time.time_ns()}", at=utcnow(), actor="cli", role="admin",
                    action="user_created", detail=f"命令行新建用户 {username}（{role.value}）",
                    data=body.model_dump(mode="json", exclude={"password"}),
                )], is_sqlite=db.is_sqlite)
        finally:
            await db.dispose()

    asyncio.run(run())
    typer.echo(f"已创建用户 {username}")


@app.command("verify-audit")
def verify_audit() -> None:
    """校验审计链：逐条核对哈希，指出第一条被篡改或缺失的记录；再重算每个已存文件的哈希，指出第一个不符的文件。"""
    from api.files_service import verify_all
    from models.db import Database
    from storage.blobs import make_store

    async def run() -> bool:
        settings = get_settings()
        db = Database.from_settings(settings)
        try:
            async with db.session() as session:
                report = await verify_all(session, make_store(settings))
        finally:
            await db.dispose()
        if report.ok:
            typer.echo(f"审计链完整：共 {report.checked} 条记录；文件 {report.files_checked} 个，哈希均与审计链一致")
        elif report.first_broken_id is not None:
            typer.echo(f"审计链已损坏：{report.reason}（已核对 {report.checked} 条）", err=True)
        else:
            typer.echo(f"文件与审计链不符：{report.reason}（已核对 {report.files_checked} 个文件）", err=True)
        return report.ok

    if not asyncio.run(run()):
        raise typer.Exit(1)


@app.command()
def walkthrough(base_url: Annotated[str, typer.Option()] = "http://127.0.0.1:8000") -> None:
    """用演示账号经 HTTP 接口把一件开复工申请从提交办到备案（README 的演练）。"""
    from cli.walkthrough import Walkthrough

    with httpx.Client(base_url=base_url, timeout=30) as http:
        case = Walkthrough(http).run()
    typer.echo(f"案件 {case['case_id']} 已办结")


@app.command()
def dev() -> None:
    """一键启动：Temporal 开发服务器（含 Web UI）、worker、API 与网页控制台，并写入演示数据。Ctrl-C 全部停止。"""
    settings = get_settings()
    var = settings.var_dir.resolve()
    logs = var / "log"
    ports = {settings.temporal_port: "Temporal", settings.temporal_ui_port: "Temporal Web UI",
             settings.api_port: "API 与网页控制台"}
    if busy := [p for p in ports if port_in_use(p, "127.0.0.1" if p != settings.api_port else settings.api_host)]:
        for port in busy:
            holder = port_holder(port) or "占用进程未知"
            typer.echo(f"· 端口 {port}（{ports[port]}）已被占用：{holder}", err=True)
        typer.echo("  请先停止占用端口的进程（例如上次未退出的 mineflow dev），或用 MINEFLOW_API_PORT、"
                   "MINEFLOW_TEMPORAL_PORT、MINEFLOW_TEMPORAL_UI_PORT 换用其他端口", err=True)
        raise typer.Exit(1)
    logs.mkdir(parents=True, exist_ok=True)
    typer.echo("· 迁移数据库 …")
    migrate_database(settings)
    if settings.seed_demo and asyncio.run(seed_database(settings)):
        typer.echo("· 已写入中卫市演示数据")

    temporal_address = f"127.0.0.1:{settings.temporal_port}"
    env = {"MINEFLOW_TEMPORAL_ADDRESS": temporal_address, "MINEFLOW_DATABASE_URL": settings.database_url}
    children: list[Child] = []
    stopping = False

    def stop_all(*_: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        typer.echo("\n· 正在停止 API、worker 与 Temporal …")
        for child in reversed(children):
            child.stop()
        typer.echo("· 已全部停止；案件数据保存在 " + str(var))

    # Whatever ends us — Ctrl-C, a supervisor's or `timeout`'s SIGTERM, a closed terminal's SIGHUP — stops the
    # children first; were we killed outright, each child has PR_SET_PDEATHSIG (cli/processes.py).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, lambda *_: (stop_all(), sys.exit(0)))
    atexit.register(stop_all)
    try:
        typer.echo("· 启动 Temporal 开发服务器 …")
        children.append(temporal_dev_server(var / "temporal.db", settings.temporal_port, settings.temporal_ui_port,
                                            logs / "temporal.log").start(die_with_parent=True))
        wait_for_port(settings.temporal_port, 60, proc=children[0].proc)
        typer.echo("· 启动 worker 与 API …")
        children.append(Child("worker", [sys.executable, "-m", "cli.main", "worker"], logs / "worker.log",
                              env).start(die_with_parent=True))
        children.append(Child("api", [sys.executable, "-m", "cli.main", "api", "--host", settings.api_host,
                                      "--port", str(settings.api_port)], logs / "api.log", env
                              ).start(die_with_parent=True))
        base = f"http://{settings.api_host}:{settings.api_port}"
        _wait_ready(f"{base}/readyz", children)
        typer.echo(f"""
mineflow 已就绪
  网页控制台    {base}/console/   （在浏览器中打开，用下面的演示账号登录）
  API 文档      {base}/docs
  Temporal UI   http://127.0.0.1:{settings.temporal_ui_port}
  演示账号      admin / zn_ent1 / zn_nr / … 密码均为 mineflow-demo（见 README）
  日志          {logs}
按 Ctrl-C 停止。""")
        while all(child.running for child in children):
            time.sleep(0.5)
        dead = [child.name for child in children if not child.running]
        typer.echo(f"· 进程意外退出：{', '.join(dead)}（日志见 {logs}）", err=True)
        raise typer.Exit(1)
    finally:
        stop_all()


def _wait_ready(url: str, children: list[Child], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if dead := [c.name for c in children if not c.running]:
            raise RuntimeError(f"process exited during start-up: {', '.join(dead)}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not ready after {timeout}s")


if __name__ == "__main__":
    app()
