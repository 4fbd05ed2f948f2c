"""The console's OA staples beside the 待办 (console/routes.py): 已办 (cases I acted on), 抄送我的 (cases copied to me),
我发起的 (cases I started); my notifications with their unread count; my account and its password; the case list
as an Excel file (the list's own filters); and 催办 in bulk for the overdue cases chosen on the list.

Every list and write goes through api/services/ (worklists, cases, notifications, account, reminders)."""

import io
import math
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from pydantic import ValidationError

from api.deps import DatabaseDep, TemporalDep
from api.kinds import KINDS
from api.schemas import CaseSummary
from api.security import token_for
from api.services import account, cases, notifications, registry, reminders, worklists
from domain.calendar import CHINA_TZ, local_date
from domain.errors import DomainError, ErrorCode
from models.db import utcnow

from . import forms
from .case_filters import list_filters
from .history import settle_at
from .web import PREFIX, Console, ConsoleDep, ConsoleRoute, form_problems, redirect, render, set_session_cookie

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)
PAGE_SIZE = 20
EXPORT_LIMIT = 10_000  # rows in one export: a city's years of cases; narrow the filters beyond that
EXPORT_BATCH = 500


def may_urge_in_bulk(console: Console) -> bool:
    """Whether the caller may 催办 at all (the action table's `urge` roles): the list then offers it in bulk."""
    return any(console.role in urge.roles for kind in KINDS.values()
               if (urge := kind.actions().get("urge")) is not None)


def _page(console: Console) -> int:
    try:
        return max(1, min(int(console.request.query_params.get("page", "1")), 10_000))
    except ValueError:
        return 1


# ---- 已办 / 抄送我的 / 我发起的 ---------------------------------------------------------------------------------

LISTS = {
    "done": ("已办", "您办理过的案件（含您提交或启动的），按您最近一次办理的时间排列"),
    "copies": ("抄送我的", "抄送给您的案件：可查阅，不能办理"),
    "started": ("我发起的", "您提交申请或启动的案件"),
}


async def _worklist(console: Console, which: str) -> Response:
    page, session, me = _page(console), console.session, console.principal.username
    entries: dict[str, Any] = {}
    if which == "copies":
        rows, total = await cases.copied_to(session=session, username=me, page=page, page_size=PAGE_SIZE)
    else:
        fetch = worklists.acted_on if which == "done" else worklists.started_by
        pairs, total = await fetch(session=session, username=me, page=page, page_size=PAGE_SIZE)
        rows = [record for record, _ in pairs]
        entries = {record.case_id: entry for record, entry in pairs}
    title, description = LISTS[which]
    return render(console.request, "oa/cases.html", {
        "active": "inbox", "oa_tab": which, "title": title, "description": description,
        "items": [CaseSummary.of(r) for r in rows], "entries": entries, "total": total, "page": page,
        "pages": max(1, math.ceil(total / PAGE_SIZE)), "kind_names": {k.code: k.name for k in KINDS.values()},
        "divisions": await registry.division_names(session=session),
    }, console=console)


@router.get("/done", response_class=HTMLResponse)
async def done(console: ConsoleDep) -> Response:
    return await _worklist(console, "done")


@router.get("/copies", response_class=HTMLResponse)
async def copies(console: ConsoleDep) -> Response:
    return await _worklist(console, "copies")


@router.get("/started", response_class=HTMLResponse)
async def started(console: ConsoleDep) -> Response:
    return await _worklist(console, "started")


# ---- notifications ----------------------------------------------------------------------------------------------

@router.get("/notifications", response_class=HTMLResponse)
async def notification_list(console: ConsoleDep) -> Response:
    unread_only = console.request.query_params.get("unread") == "1"
    page = _page(console)
    found = await notifications.listing(session=console.session, user=console.principal.user,
                                        unread_only=unread_only, page=page, page_size=PAGE_SIZE)
    return render(console.request, "oa/notifications.html", {
        "active": "notifications", "n": found, "unread_only": unread_only, "page": page,
        "pages": max(1, math.ceil(found.total / PAGE_SIZE)),
    }, console=console)


@router.post("/notifications/read", response_class=HTMLResponse)
async def read_notifications(console: ConsoleDep, db: DatabaseDep) -> Response:
    """Mark read: the ones ticked, or every one (`all`)."""
    form = await console.check_csrf()
    ids = None if forms.text(form, "all") == "1" else [int(v) for v in forms.values(form, "ids") if v.isdigit()]
    await notifications.mark_read(db=db, user=console.principal.user, ids=ids)
    return redirect(f"{PREFIX}/notifications")


@router.post("/notifications/{notification_id}/open", response_class=HTMLResponse)
async def open_notification(notification_id: int, console: ConsoleDep, db: DatabaseDep) -> Response:
    """Read it, and go to its case."""
    await console.check_csrf()
    user = console.principal.user
    case_id = await notifications.case_of(session=console.session, user=user, notification_id=notification_id)
    await notifications.mark_read(db=db, user=user, ids=[notification_id])
    return redirect(f"{PREFIX}/cases/{case_id}" if case_id else f"{PREFIX}/notifications")


# ---- my account ------------------------------------------------------------------------------------------------------

async def _account_page(console: Console, *, error: DomainError | None = None, done: bool = False,
                        status: int = 200) -> HTMLResponse:
    user = console.principal.user
    divisions = await registry.division_names(session=console.session)
    where = []
    if user.division_code:
        where.append(divisions.get(user.division_code, user.division_code))
    if user.department_id is not None:
        where.append(await registry.department_name(session=console.session, department_id=user.department_id))
    if user.enterprise_id is not None:
        where.append((await registry.enterprise(session=console.session, enterprise_id=user.enterprise_id)).name)
    return render(console.request, "oa/account.html", {
        "active": "account", "user": user, "where": [w for w in where if w], "error": error, "done": done,
        "labels": forms.labels_of(account.PasswordChange),
    }, status=status, console=console)


@router.get("/account", response_class=HTMLResponse)
async def account_page(console: ConsoleDep) -> Response:
    return await _account_page(console, done=console.request.query_params.get("done") == "password")


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(console: ConsoleDep, db: DatabaseDep) -> Response:
    form = await console.check_csrf()
    request = console.request
    try:
        # the passwords as typed: never stripped, never echoed back into the page
        fields = account.PasswordChange.model_fields
        body = account.PasswordChange.model_validate({k: str(form.get(k) or "") for k in fields})
        user = await account.change_password(db=db, settings=console.settings, principal=console.principal,
                                              body=body, channel="console",
                                              client=request.client.host if request.client else "unknown")
    except ValidationError as exc:
        err = DomainError(ErrorCode.VALIDATION_FAILED,
                          form_problems(list(exc.errors()), forms.labels_of(account.PasswordChange)))
        return settle_at(await _account_page(console, error=err, status=err.status), f"{PREFIX}/account")
    except DomainError as err:
        return settle_at(await _account_page(console, error=err, status=err.status), f"{PREFIX}/account")
    # Every other session has ended; this browser's goes on under a token of the new epoch.
    response = redirect(f"{PREFIX}/account?done=password")
    set_session_cookie(response, request, token_for(user, console.settings), console.settings)
    return response


# ---- the case list as an Excel file ---------------------------------------------------------------------------------

HEADERS = ("案件编号", "事项", "矿山", "采矿许可证号", "企业", "县（区）", "阶段", "状态", "是否逾期", "法定期限",
           "提交时间", "办结时间", "文号")
WIDTHS = (24, 12, 30, 26, 30, 12, 16, 10, 8, 14, 18, 18, 26)
FORMULA_START = re.compile(r"^[=+\-@\t\r]")


def _cell_text(value: str | None) -> str:
    """Text as a cell holds it: without characters a workbook may not hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value or "")


def _local(moment: datetime | None) -> datetime | None:
    """A moment as China's wall clock (Excel keeps no time zone)."""
    return moment.astimezone(CHINA_TZ).replace(tzinfo=None) if moment else None


def workbook(rows: list[CaseSummary], divisions: dict[str, str], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "案件"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F7")
    names = {k.code: k.name for k in KINDS.values()}
    for c in rows:
        sheet.append([c.case_id, names.get(c.kind, c.kind), _cell_text(c.mine_name), c.licence_no or "",
                      _cell_text(c.enterprise_name), divisions.get(c.division_code, c.division_code), c.stage_name,
                      c.status_name, "是" if c.overdue else "否", c.deadline, _local(c.submitted_at),
                      _local(c.closed_at), c.document_no or ""])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and FORMULA_START.match(cell.value):
                cell.data_type = "s"  # a name starting with "=" is text, never a formula run on opening
    for column, width in zip("ABCDEFGHIJKLM", WIDTHS, strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        row[9].number_format = 'yyyy"年"m"月"d"日"'
        row[10].number_format = row[11].number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:M{max(sheet.max_row, 1)}"
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@router.get("/export/cases.xlsx")
async def export_cases(console: ConsoleDep) -> Response:
    lf = await list_filters(console, EXPORT_BATCH)
    query = lf.query.model_copy(update={"page": 1})
    found, total, cursor = await cases.list_cases(session=console.session, principal=console.principal, query=query)
    if total > EXPORT_LIMIT:
        raise DomainError(ErrorCode.VALIDATION_FAILED,
                          f"符合条件的案件有 {total} 件，超过一次导出的上限 {EXPORT_LIMIT} 件，请缩小筛选范围后再导出")
    rows = [CaseSummary.of(r) for r in found]
    while cursor is not None:  # keyset pages: no OFFSET walking a city's years of cases
        found, _, cursor = await cases.list_cases(session=console.session, principal=console.principal,
                                                  query=query.model_copy(update={"cursor": cursor}))
        rows += [CaseSummary.of(r) for r in found]
    today = local_date(utcnow())
    data = workbook(rows[:EXPORT_LIMIT], await registry.division_names(session=console.session),
                    f"案件列表（{today:%Y-%m-%d}导出）")
    name = f"案件列表-{today:%Y%m%d}.xlsx"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f"attachment; filename=\"cases-{today:%Y%m%d}.xlsx\"; filename*=UTF-8''{quote(name)}"})


# ---- 催办 in bulk ---------------------------------------------------------------------------------------------------

@router.post("/reminders", response_class=HTMLResponse)
async def urge_in_bulk(console: ConsoleDep, temporal: TemporalDep) -> Response:
    form = await console.check_csrf()
    if not may_urge_in_bulk(console):
        raise DomainError(ErrorCode.FORBIDDEN_ROLE, "您不能催办")
    back = forms.text(form, "back")
    back = back if back.startswith(f"{PREFIX}/cases") else f"{PREFIX}/cases?overdue=1"
    try:
        body = reminders.BulkUrgeRequest(case_ids=forms.values(form, "case_ids"), message=forms.text(form, "message"))
    except ValidationError as exc:
        labels = {"case_ids": "催办案件", "message": "催办内容"}
        err = DomainError(ErrorCode.VALIDATION_FAILED, form_problems(list(exc.errors()), labels))
        return settle_at(render(console.request, "oa/urged.html", {
            "active": "cases", "error": err, "result": None, "back": back}, status=err.status, console=console),
            back)
    result = await reminders.urge_many(session=console.session, temporal=temporal, settings=console.settings,
                                       principal=console.principal, body=body)
    # the address bar stays on the list: a reload shows it again, it never sends the 催办 twice
    return settle_at(render(console.request, "oa/urged.html", {
        "active": "cases", "result": result, "error": None, "back": back, "message": body.message,
    }, console=console), back)
