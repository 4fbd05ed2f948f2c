"""An administrator loads 2027's official holiday arrangement while a transfer runs, on a time-skipping server:
the running case's deadline moves, it stops being provisional, the timeline says why, new cases use the table at
once, and the load is in the audit chain. Bad arrangements are refused with a Chinese message."""

from datetime import date

from sqlmodel import select

from domain.calendar import CHINA_TZ, load_calendar, local_date, year_table
from models.audit import AuditEntry
from models.db import utcnow
from tests.rights.support import confirm, county_right, entries, skip_to_local, submit_transfer
from tests.support.calendar_2027 import OFFICIAL_2027
from tests.support.stack import make_http
from tests.support.web import Browser

PROVISIONAL_NOTE = "节假日安排未公布，暂按法定假日推算"


async def console_case_page(s, case_id):
    async with make_http(s.app) as http:
        web = Browser(http)
        await web.login("zn_nr")
        page = await http.get(f"/console/cases/{case_id}")
        assert page.status_code == 200
        return page.text

calendar = load_calendar()


async def _transfer(s, licence_no, x):
    right = await county_right(s, licence_no=licence_no, x=x)
    case_id = (await submit_transfer(s, right["id"]))["case_id"]
    return case_id, await confirm(s, case_id)


async def test_loading_2027_moves_a_running_cases_deadline_and_new_cases_use_it(timed):
    s, env = timed
    await skip_to_local(env, s, date(2027, 1, 2))  # received on 1/2: 40 natural days end on Thursday 2/11
    case_id, case = await _transfer(s, "C6405212024017130999001", 4_000_000.0)
    assert await s.today() == date(2027, 1, 2)
    # the fallback knows 春节's statutory days and their 补假 (2/5, 2/8-2/10) only: 2/11 is a working day there
    assert case["deadline"] == "2027-02-11" and case["clock"]["provisional"] is True
    assert PROVISIONAL_NOTE in await console_case_page(s, case_id)  # officials see the date is provisional
    dated = [p for p in (await s.case(case_id))["pending"] if p["due"]]
    assert dated and all(p["provisional"] for p in dated)  # so is each waiting party's due date

    loaded = await s.ok(await s.post("admin", "/admin/calendar/2027", OFFICIAL_2027), 201)
    assert loaded["year"] == 2027 and loaded["cases_told"] >= 1 and "2027-02-20" in loaded["workdays"]

    async def replanned():
        return bool(entries(await s.case(case_id), "deadline_replanned"))
    await s.eventually(replanned)
    case = await s.case(case_id)
    # by the notice 春节 runs to Saturday 2/13, so the period's last day 2/11 is a rest day: it ends Monday 2/15
    assert case["deadline"] == "2027-02-15" and case["clock"]["provisional"] is False
    [entry] = entries(case, "deadline_replanned")
    assert entry["data"]["before"] == "2027-02-11" and entry["data"]["deadline"] == "2027-02-15"
    assert "2027年节假日安排" in entry["detail"]
    assert PROVISIONAL_NOTE not in await console_case_page(s, case_id)
    assert not any(p["provisional"] for p in (await s.case(case_id))["pending"])

    # a case received after the load is planned with the official table from the start
    _, other = await _transfer(s, "C6405212024017130999002", 4_010_000.0)
    assert other["deadline"] == "2027-02-15" and other["clock"]["provisional"] is False

    async with s.db.session() as session:
        [audit] = (await session.exec(select(AuditEntry).where(AuditEntry.action == "calendar_loaded"))).all()
    assert audit.actor == "admin" and "2027" in audit.detail

    # the deadline now passes at the notice's date, not the fallback's: nothing escalates on 2/12
    await skip_to_local(env, s, date(2027, 2, 12), hour=10)
    assert entries(await s.case(case_id), "escalated") == []
    assert (await s.now()).astimezone(CHINA_TZ).date() == date(2027, 2, 12)


async def test_only_an_administrator_loads_and_nonsense_is_refused(stack):
    s = stack
    await s.refused(await s.post("zn_nr", "/admin/calendar/2027", OFFICIAL_2027), 403, "FORBIDDEN_ROLE")
    bad = {
        "outside the year": ({**OFFICIAL_2027, "holidays": ["2026-12-31"]}, "须在2027年内"),
        "both": ({**OFFICIAL_2027, "workdays": ["2027-01-01"]}, "既放假又上班"),
        "weekday work": ({**OFFICIAL_2027, "workdays": ["2027-02-22"]}, "周六或周日"),
    }
    for body, message in bad.values():
        error = await s.refused(await s.post("admin", "/admin/calendar/2027", body), 422, "DATE_INVALID")
        assert message in error["message"]
    await s.refused(await s.post("admin", "/admin/calendar/2027", {**OFFICIAL_2027, "holidays": ["2027-13-01"]}),
                    422, "VALIDATION_FAILED")
    await s.refused(await s.post("admin", "/admin/calendar/1900", OFFICIAL_2027), 422, "VALIDATION_FAILED")
    await s.refused(await s.post("admin", "/admin/calendar/2027", {**OFFICIAL_2027, "source": "国办\x00"}),
                    422, "VALIDATION_FAILED")  # a NUL cannot even be stored: refused, not a 500
    assert (await s.ok(await s.get("admin", "/admin/calendar"))) == []  # nothing refused was stored


async def test_loading_2027_moves_a_pending_registration_deadline_off_national_day(timed):
    """Approved on 2027-08-02, the 60-day 变更登记 period ends on 10-01: by the fallback 国庆 is 10/1–10/3 with 补假
    10/4–10/5, so 10-06; by the loaded notice the holiday runs to 10-07, so 10-08."""
    from tests.rights.support import to_decision

    s, env = timed
    await skip_to_local(env, s, date(2027, 8, 2), hour=9)
    right = await county_right(s)
    case_id = await to_decision(s, right["id"])
    case = await s.ok(await s.post("zn_nr", f"/cases/{case_id}/transfer-decision", {"decision": "approve"}))
    assert await s.today() == date(2027, 8, 2) and case["registration_due"] == "2027-10-06"

    await s.ok(await s.post("admin", "/admin/calendar/2027", OFFICIAL_2027), 201)

    async def replanned():
        return bool(entries(await s.case(case_id), "deadline_replanned"))
    await s.eventually(replanned)
    case = await s.case(case_id)
    assert case["registration_due"] == "2027-10-08"
    # the approval does not lapse at the fallback's date
    await skip_to_local(env, s, date(2027, 10, 7), hour=12)
    assert (await s.case(case_id))["status"] == "active"


async def test_loading_2027_re_plans_a_running_grant_announcement(timed):
    """From Wednesday 2027-01-27, 20 working days end on 3/2 by the fallback (春节 2/5, 2/8–2/10 off); by the notice
    春节 runs 2/5–2/13 with Saturday 2/20 worked, so on 3/3 — and the period is no longer provisional."""
    from tests.rights.support import through_meetings

    s, env = timed
    await skip_to_local(env, s, date(2027, 1, 27), hour=10)
    case_id = await through_meetings(s)
    case = await s.case(case_id)
    announcement = case["period_clock"]["announcement"]
    assert announcement["ends"] == "2027-03-02" and announcement["provisional"] is True
    assert case["working_days_left"] == calendar.working_days_between(local_date(utcnow()), date(2027, 3, 2))

    await s.ok(await s.post("admin", "/admin/calendar/2027", OFFICIAL_2027), 201)

    async def replanned():
        return bool(entries(await s.case(case_id), "deadline_replanned"))
    await s.eventually(replanned)
    case = await s.case(case_id)
    announcement = case["period_clock"]["announcement"]
    assert announcement["ends"] == "2027-03-03" and announcement["provisional"] is False
    # 剩余工作日 (counted from the wall clock's today by the API) uses the loaded table too
    today = local_date(utcnow())
    official = calendar.with_tables({2027: year_table([date.fromisoformat(d) for d in OFFICIAL_2027["holidays"]],
                                                      [date.fromisoformat(d) for d in OFFICIAL_2027["workdays"]],
                                                      provisional=False, source="test")})
    expected = official.working_days_between(today, date(2027, 3, 3))
    assert expected != calendar.working_days_between(today, date(2027, 3, 3))
    assert case["deadline"] == "2027-03-03" and case["working_days_left"] == expected
    [entry] = entries(case, "deadline_replanned")
    assert entry["data"]["period"] == "announcement" and "出让公告期" in entry["detail"]


async def test_loading_2027_re_plans_an_open_countersign_round(timed):
    """A reopening accepted on Monday 2027-02-01: its parties' 10 working days end on 2/19 by the fallback, on
    Monday 2/22 by the notice (春节 to 2/13, Saturday 2/20 worked)."""
    s, env = timed
    await skip_to_local(env, s, date(2027, 2, 1), hour=9)
    case_id = (await s.submit())["case_id"]
    accepted = await s.accept(case_id)
    assert {p["due"] for p in accepted["pending"]} == {"2027-02-19"}

    await s.ok(await s.post("admin", "/admin/calendar/2027", OFFICIAL_2027), 201)

    async def replanned():
        return any("round" in e["data"] for e in entries(await s.case(case_id), "deadline_replanned"))
    await s.eventually(replanned)
    case = await s.case(case_id)
    assert {p["due"] for p in case["pending"]} == {"2027-02-22"}
    tasks = (await s.ok(await s.get("zn_police", "/tasks")))["items"]
    assert [t["due_at"][:10] for t in tasks if t["case_id"] == case_id] == ["2027-02-22"]  # the inbox agrees


async def test_loading_2027_re_plans_a_reopenings_intake_limit(timed):
    """Submitted Thursday 2027-02-04: 5 working days to decide intake end on 2/17 by the fallback (2/5, 2/8–2/10
    off), on 2/19 by the notice (春节 2/5–2/13)."""
    s, env = timed
    await skip_to_local(env, s, date(2027, 2, 4), hour=10)
    case_id = (await s.submit())["case_id"]
    [intake] = (await s.case(case_id))["pending"]
    assert intake["due"] == "2027-02-17"

    await s.ok(await s.post("admin", "/admin/calendar/2027", OFFICIAL_2027), 201)

    async def moved():
        return [p["due"] for p in (await s.case(case_id))["pending"]] == ["2027-02-19"]
    await s.eventually(moved)
    # no escalation on the fallback's date
    await skip_to_local(env, s, date(2027, 2, 18), hour=10)
    assert entries(await s.case(case_id), "escalated") == []


async def _rectification(s):
    from tests.campaign.support import start_rectifications
    from tests.support.stack import SHIKONG_MINE

    mine = await s.mine(SHIKONG_MINE)
    return (await start_rectifications(s, [mine.id], None, username="zn_nr"))["started"][0]["case_id"]


async def test_loading_2027_re_plans_a_rectifications_plan_limit(timed):
    """Opened Monday 2027-02-01: 10 working days for the plan end on 2/19 by the fallback, 2/22 by the notice."""
    s, env = timed
    await skip_to_local(env, s, date(2027, 2, 1), hour=9)
    case_id = await _rectification(s)
    assert (await s.case(case_id))["plan_due"] == "2027-02-19"
    await s.ok(await s.post("admin", "/admin/calendar/2027", OFFICIAL_2027), 201)

    async def moved():
        return (await s.case(case_id))["plan_due"] == "2027-02-22"
    await s.eventually(moved)


async def test_loading_2027_re_plans_a_rectifications_open_items(timed):
    from tests.campaign.support import submit_plan

    s, env = timed
    await skip_to_local(env, s, date(2027, 2, 1), hour=9)
    case_id = await _rectification(s)
    items = (await submit_plan(s, case_id))["items"]
    fallback = {i["no"]: i["due"] for i in items}
    await s.ok(await s.post("admin", "/admin/calendar/2027", OFFICIAL_2027), 201)

    async def moved():
        return {i["no"]: i["due"] for i in (await s.case(case_id))["items"]} != fallback
    await s.eventually(moved)
    after = {i["no"]: date.fromisoformat(i["due"]) for i in (await s.case(case_id))["items"]}
    official = calendar.with_tables({2027: year_table([date.fromisoformat(d) for d in OFFICIAL_2027["holidays"]],
                                                      [date.fromisoformat(d) for d in OFFICIAL_2027["workdays"]],
                                                      provisional=False, source="test")})
    for item in items:
        assert after[item["no"]] == official.add_working_days(date(2027, 2, 1), item["working_days"])


async def test_loading_2027_re_plans_a_closures_current_step(timed):
    from tests.campaign.test_closure import CEMENT_MINE, start_closure

    s, env = timed
    await skip_to_local(env, s, date(2027, 2, 1), hour=9)
    _, result = await start_closure(s, CEMENT_MINE)
    case_id = result["started"][0]["case_id"]
    [step] = [st for st in (await s.case(case_id))["steps"] if st["stage"] == "power_cut"]
    fallback_due = date.fromisoformat(step["due"])
    days = calendar.working_days_between(date(2027, 2, 1), fallback_due)
    official = calendar.with_tables({2027: year_table([date.fromisoformat(d) for d in OFFICIAL_2027["holidays"]],
                                                      [date.fromisoformat(d) for d in OFFICIAL_2027["workdays"]],
                                                      provisional=False, source="test")})
    expected = official.add_working_days(date(2027, 2, 1), days)
    assert expected != fallback_due  # the step's limit runs across 春节
    await s.ok(await s.post("admin", "/admin/calendar/2027", OFFICIAL_2027), 201)

    async def moved():
        [now] = [st for st in (await s.case(case_id))["steps"] if st["stage"] == "power_cut"]
        return now["due"] == str(expected)
    await s.eventually(moved)
