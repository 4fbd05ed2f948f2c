"""Hostile input: each bad request gets its 4xx and code, and the stored data is exactly as it was before it."""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import text
from sqlmodel import SQLModel

from tests.support.stack import EXPIRED_MINE, OPEN_PIT_MINE, SHIKONG_MINE

UNSET: Any = object()
FUTURE = datetime.now(UTC) + timedelta(hours=1)
PAST = datetime.now(UTC) - timedelta(hours=2)


def forged(secret: str = "an-attacker-secret-that-is-long-enough", **claims: Any) -> str:
    base = {"sub": "admin", "iat": PAST, "exp": FUTURE, "iss": "mineflow"}
    return jwt.encode({**base, **claims}, secret, algorithm="HS256")


def unsigned() -> str:
    """An `alg: none` token: no signature at all."""
    import base64
    import json

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'sub': 'admin', 'exp': 4102444800, 'iss': 'mineflow'})}."


@dataclass
class Bad:
    name: str
    user: str | None
    method: str
    path: str
    status: int
    code: str
    json: Any = UNSET
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] | None = None


def cases_table() -> list[Bad]:
    sign = "/cases/{case}/acceptance/sign-offs"
    long = "长" * 2001
    return [
        # -- who is calling --
        Bad("no token", None, "GET", "/cases", 401, "NOT_AUTHENTICATED"),
        Bad("garbage token", None, "GET", "/cases", 401, "TOKEN_INVALID", headers={"Authorization": "Bearer abc"}),
        Bad("token signed with another secret", None, "GET", "/me", 401, "TOKEN_INVALID",
            headers={"Authorization": f"Bearer {forged()}"}),
        Bad("unsigned alg=none token", None, "GET", "/me", 401, "TOKEN_INVALID",
            headers={"Authorization": f"Bearer {unsigned()}"}),
        Bad("expired token", None, "GET", "/me", 401, "TOKEN_EXPIRED",
            headers={"Authorization": "Bearer {expired}"}),
        Bad("token for a user that does not exist", None, "GET", "/me", 401, "TOKEN_INVALID",
            headers={"Authorization": "Bearer {ghost}"}),
        Bad("basic auth instead of a bearer token", None, "GET", "/cases", 401, "NOT_AUTHENTICATED",
            headers={"Authorization": "Basic YWRtaW46bWluZWZsb3ctZGVtbw=="}),
        Bad("login without a password", None, "POST", "/auth/token", 422, "VALIDATION_FAILED",
            form={"username": "admin"}),
        # -- submitting an application --
        Bad("malformed JSON", "zn_ent1", "POST", "/reopenings", 422, "MALFORMED_JSON", content=b'{"mine_id": 5,'),
        Bad("JSON array instead of an object", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED", json=[1]),
        Bad("empty object", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED", json={}),
        Bad("mine_id as text", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": "五", "reason": "x"}),
        Bad("negative mine_id", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": -5, "reason": "x"}),
        Bad("absurdly large mine_id", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": 2**63, "reason": "x"}),
        Bad("fractional mine_id", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": 1.5, "reason": "x"}),
        Bad("empty reason", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": "{mine}", "reason": ""}),
        Bad("reason of whitespace only", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": "{mine}", "reason": "   \n "}),
        Bad("huge reason", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": "{mine}", "reason": long}),
        Bad("NUL byte in the reason", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": "{mine}", "reason": "申请\u0000复工"}),
        Bad("bidi override in the reason", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": "{mine}", "reason": "申请\u202e工复"}),
        Bad("lone surrogate in the reason", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            content=b'{"mine_id": 5, "reason": "\\ud800"}'),
        Bad("unknown material kind", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": "{mine}", "reason": "x", "materials": [{"kind": "bribe", "ref": "x"}]}),
        Bad("too many materials", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": "{mine}", "reason": "x",
                  "materials": [{"kind": "mining_licence", "ref": str(i)} for i in range(31)]}),
        Bad("unknown field", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            json={"mine_id": "{mine}", "reason": "x", "approved": True}),
        Bad("another enterprise's mine", "zn_ent1", "POST", "/reopenings", 403, "NOT_YOUR_CASE",
            json={"mine_id": "{other_mine}", "reason": "冒名申请"}),
        Bad("a mine that does not exist", "zn_ent1", "POST", "/reopenings", 404, "MINE_NOT_FOUND",
            json={"mine_id": 999999, "reason": "x"}),
        Bad("a mine whose licence lapsed", "zn_ent1", "POST", "/reopenings", 422, "LICENCE_EXPIRED",
            json={"mine_id": "{expired_mine}", "reason": "x"}),
        Bad("a second open case for the mine", "zn_ent1", "POST", "/reopenings", 409, "CASE_ALREADY_OPEN",
            json={"mine_id": "{mine}", "reason": "重复申请"}),
        Bad("a department applying", "zn_police", "POST", "/reopenings", 403, "FORBIDDEN_ROLE",
            json={"mine_id": "{mine}", "reason": "x"}),
        Bad("JSON sent as text/plain", "zn_ent1", "POST", "/reopenings", 422, "VALIDATION_FAILED",
            content=b'{"mine_id": 5, "reason": "x"}', headers={"Content-Type": "text/plain"}),
        # -- acting on a case --
        Bad("verdict outside the allowed values", "zn_police", "POST", sign, 422, "VALIDATION_FAILED",
            json={"verdict": "maybe"}),
        Bad("a fail without reasons", "zn_police", "POST", sign, 422, "VALIDATION_FAILED", json={"verdict": "fail"}),
        Bad("an enterprise signing", "zn_ent1", "POST", sign, 403, "FORBIDDEN_ROLE", json={"verdict": "pass"}),
        Bad("a department of another county signing", "hy_police", "POST", sign, 403, "OUT_OF_JURISDICTION",
            json={"verdict": "pass"}),
        Bad("a department that is no party signing", "zn_forestry", "POST", sign, 403, "NOT_YOUR_PARTY",
            json={"verdict": "pass"}),
        Bad("intake after the case was accepted", "zn_nr", "POST", "/cases/{case}/intake", 409, "WRONG_STAGE",
            json={"decision": "request_correction", "missing": ["safety_assessment"]}),
        Bad("approval out of turn", "zn_nr", "POST", "/cases/{case}/approval", 409, "WRONG_STAGE", json={}),
        Bad("committee decision out of turn", "zn_committee", "POST", "/cases/{case}/committee-decision", 409,
            "WRONG_STAGE", json={"meeting_no": "1", "meeting_date": "2026-01-05", "attendees": ["甲"],
                                 "members_total": 1, "decision": "approve", "minutes_ref": "1"}),
        Bad("meeting date that is no date", "zn_committee", "POST", "/cases/{case}/committee-decision", 422,
            "VALIDATION_FAILED", json={"meeting_no": "1", "meeting_date": "昨天", "attendees": ["甲"],
                                       "members_total": 1, "decision": "approve", "minutes_ref": "1"}),
        Bad("zero members in a meeting", "zn_committee", "POST", "/cases/{case}/committee-decision", 422,
            "VALIDATION_FAILED", json={"meeting_no": "1", "meeting_date": "2026-01-05", "attendees": ["甲"],
                                       "members_total": 0, "decision": "approve", "minutes_ref": "1"}),
        Bad("resumption date that is no date", "zn_ent1", "POST", "/cases/{case}/resumption", 422,
            "VALIDATION_FAILED", json={"resumed_on": "2026-13-45"}),
        Bad("a case that does not exist", "zn_nr", "GET", "/cases/KFG-20260101-NOSUCH", 404, "CASE_NOT_FOUND"),
        Bad("SQL injection as a case id", "zn_nr", "GET", "/cases/KFG-1' OR '1'='1", 404, "CASE_NOT_FOUND"),
        Bad("a case id of 500 characters", "zn_nr", "GET", "/cases/" + "K" * 500, 404, "CASE_NOT_FOUND"),
        Bad("another enterprise withdrawing", "zn_ent2", "POST", "/cases/{case}/withdraw", 403, "NOT_YOUR_CASE",
            json={"reason": "恶意撤回"}),
        Bad("another county reading", "hy_nr", "GET", "/cases/{case}", 403, "OUT_OF_JURISDICTION"),
        Bad("reassigning to nobody", "zn_nr", "POST", "/cases/{case}/tasks/public_security/reassign", 404,
            "USER_NOT_FOUND", json={"to": "nobody", "reason": "x"}),
        Bad("reassigning across departments", "zn_nr", "POST", "/cases/{case}/tasks/public_security/reassign", 422,
            "REASSIGN_TARGET_INVALID", json={"to": "zn_water", "reason": "x"}),
        Bad("adding a party of an unknown kind", "zn_nr", "POST", "/cases/{case}/parties", 422,
            "VALIDATION_FAILED", json={"party": "army", "reason": "x"}),
        Bad("HTML in a party code", "zn_nr", "POST", "/cases/{case}/parties", 422, "VALIDATION_FAILED",
            json={"party": "expert:<script>", "reason": "x"}),
        Bad("removing a party that is not in the round", "zn_nr", "DELETE", "/cases/{case}/parties/power_supply",
            409, "PARTY_NOT_PENDING", json={"reason": "x"}),
        Bad("urging nobody", "zn_nr", "POST", "/cases/{case}/reminders", 422, "VALIDATION_FAILED",
            json={"parties": [], "message": "x"}),
        Bad("copying to an enterprise", "zn_nr", "POST", "/cases/{case}/copies", 422, "VALIDATION_FAILED",
            json={"to": "zn_ent2"}),
        Bad("returning to a stage that cannot be returned to", "zn_nr", "POST", "/cases/{case}/return", 422,
            "VALIDATION_FAILED", json={"to_stage": "approval", "reason": "x"}),
        # -- the registry --
        Bad("credit code with a wrong check character", "admin", "POST", "/enterprises", 422, "VALIDATION_FAILED",
            json={"name": "某公司", "credit_code": "91350100M000100Y44", "division_code": "640521"}),
        Bad("credit code in full-width characters", "admin", "POST", "/enterprises", 422, "VALIDATION_FAILED",
            json={"name": "某公司", "credit_code": "９１３５０１００Ｍ０００１００Ｙ４３", "division_code": "640521"}),
        Bad("division code of another country's shape", "admin", "POST", "/enterprises", 422, "VALIDATION_FAILED",
            json={"name": "某公司", "credit_code": "91350100M000100Y43", "division_code": "999999"}),
        Bad("division code in full-width digits", "admin", "POST", "/enterprises", 422, "VALIDATION_FAILED",
            json={"name": "某公司", "credit_code": "91350100M000100Y43", "division_code": "６４０５２１"}),
        Bad("HTML in an enterprise name", "admin", "POST", "/enterprises", 422, "VALIDATION_FAILED",
            json={"name": "<script>alert(1)</script>", "credit_code": "91350100M000100Y43",
                  "division_code": "640521"}),
        Bad("licence dates in the wrong order", "admin", "POST", "/mines", 422, "VALIDATION_FAILED",
            json={"name": "某矿", "enterprise_id": 1, "division_code": "640521", "township_id": 1, "mineral": "石膏",
                  "method": "underground", "scale_wt": 30, "licence_no": "C1234567",
                  "licence_valid_from": "2030-01-01", "licence_valid_to": "2026-01-01"}),
        Bad("negative tonnage", "admin", "POST", "/mines", 422, "VALIDATION_FAILED",
            json={"name": "某矿", "enterprise_id": 1, "division_code": "640521", "township_id": 1, "mineral": "石膏",
                  "method": "underground", "scale_wt": -30, "licence_no": "C1234567",
                  "licence_valid_from": "2026-01-01", "licence_valid_to": "2030-01-01"}),
        Bad("absurd tonnage", "admin", "POST", "/mines", 422, "VALIDATION_FAILED",
            json={"name": "某矿", "enterprise_id": 1, "division_code": "640521", "township_id": 1, "mineral": "石膏",
                  "method": "underground", "scale_wt": 1e12, "licence_no": "C1234567",
                  "licence_valid_from": "2026-01-01", "licence_valid_to": "2030-01-01"}),
        Bad("mining method that does not exist", "admin", "POST", "/mines", 422, "VALIDATION_FAILED",
            json={"name": "某矿", "enterprise_id": 1, "division_code": "640521", "township_id": 1, "mineral": "石膏",
                  "method": "magic", "scale_wt": 30, "licence_no": "C1234567",
                  "licence_valid_from": "2026-01-01", "licence_valid_to": "2030-01-01"}),
        Bad("SQL injection in a licence number", "admin", "POST", "/mines", 422, "VALIDATION_FAILED",
            json={"name": "某矿", "enterprise_id": 1, "division_code": "640521", "township_id": 1, "mineral": "石膏",
                  "method": "underground", "scale_wt": 30, "licence_no": "C1'; DROP TABLE mines;--",
                  "licence_valid_from": "2026-01-01", "licence_valid_to": "2030-01-01"}),
        Bad("a role that does not exist", "admin", "POST", "/users", 422, "VALIDATION_FAILED",
            json={"username": "god", "password": "long-enough-1", "display_name": "x", "role": "emperor"}),
        Bad("a username with emoji", "admin", "POST", "/users", 422, "VALIDATION_FAILED",
            json={"username": "zn_😀", "password": "long-enough-1", "display_name": "x", "role": "admin"}),
        Bad("a password too short", "admin", "POST", "/users", 422, "VALIDATION_FAILED",
            json={"username": "newuser", "password": "123", "display_name": "x", "role": "admin"}),
        Bad("a username taken", "admin", "POST", "/users", 409, "ALREADY_EXISTS",
            json={"username": "zn_nr", "password": "long-enough-1", "display_name": "x", "role": "admin"}),
        Bad("an officer creating users", "zn_nr", "POST", "/users", 403, "FORBIDDEN_ROLE",
            json={"username": "newuser", "password": "long-enough-1", "display_name": "x", "role": "admin"}),
        # -- queries --
        Bad("page zero", "zn_nr", "GET", "/cases?page=0", 422, "VALIDATION_FAILED"),
        Bad("page size of a thousand", "zn_nr", "GET", "/cases?page_size=1000", 422, "VALIDATION_FAILED"),
        Bad("a forged cursor", "zn_nr", "GET", "/cases?cursor=bm90LWEtY3Vyc29y", 422, "VALIDATION_FAILED"),
        Bad("a stage that does not exist", "zn_nr", "GET", "/cases?stage=flying", 422, "VALIDATION_FAILED"),
        Bad("SQL injection as a division code", "zn_nr", "GET", "/cases?division_code=640521'%20OR%20'1'='1", 422,
            "INVALID_DIVISION_CODE"),
        Bad("a search term of 500 characters", "zn_nr", "GET", "/cases?q=" + "矿" * 500, 422,
            "VALIDATION_FAILED"),
        Bad("a mine id that is no number", "zn_ent1", "GET", "/mines/1%20OR%201=1", 422, "VALIDATION_FAILED"),
        Bad("an unknown route", "zn_nr", "GET", "/no-such-thing", 404, "NOT_FOUND"),
        Bad("a method the route does not have", "zn_nr", "PUT", "/cases", 405, "METHOD_NOT_ALLOWED"),
    ]


async def fingerprint(db) -> list[Any]:
    """Every row of every table, in key order."""
    snapshot = []
    async with db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            order = ", ".join(c.name for c in table.primary_key.columns)
            rows = (await session.exec(text(f'SELECT * FROM "{table.name}" ORDER BY {order}'))).all()  # type: ignore[call-overload]
            snapshot.append((table.name, [tuple(r) for r in rows]))
    return snapshot


async def quiet(db, still: float = 2.0, within: float = 60.0) -> None:
    """Wait until nothing is written for `still` seconds (background work of earlier acts has landed)."""
    deadline = asyncio.get_running_loop().time() + within
    last = await fingerprint(db)
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(still)
        now = await fingerprint(db)
        if now == last:
            return
        last = now
    raise AssertionError(f"the database kept changing for {within} s")


async def test_each_bad_input_gets_its_4xx_and_changes_nothing(stack):
    s = stack
    case_id = (await s.submit())["case_id"]
    await s.accept(case_id)
    ids = {"case": case_id, "mine": (await s.mine(SHIKONG_MINE)).id, "other_mine": (await s.mine(OPEN_PIT_MINE)).id,
           "expired_mine": (await s.mine(EXPIRED_MINE)).id}
    tokens = {
        "expired": jwt.encode({"sub": "admin", "iat": PAST, "exp": PAST + timedelta(minutes=5), "iss": "mineflow"},
                              s.settings.jwt_secret, algorithm="HS256"),
        "ghost": jwt.encode({"sub": "ghost", "iat": PAST, "exp": FUTURE, "iss": "mineflow"},
                            s.settings.jwt_secret, algorithm="HS256"),
    }
    await quiet(s.db)  # the 受理通知书 is issued in the background after the intake: let it land first
    table = cases_table()
    assert len(table) >= 50
    mismatches = []
    for bad in table:
        before = await fingerprint(s.db)
        headers = {k: v.format(**tokens) for k, v in bad.headers.items()}
        if bad.user:
            headers = {**s.auth(bad.user), **headers}
        kwargs: dict[str, Any] = {"headers": headers}
        if bad.json is not UNSET:
            kwargs["json"] = _fill(bad.json, ids)
        elif bad.content is not None:
            kwargs["content"] = bad.content
            kwargs["headers"] = {"Content-Type": "application/json", **headers}
        elif bad.form is not None:
            kwargs["data"] = bad.form
        response = await s.http.request(bad.method, "/api/v1" + bad.path.format(**ids), **kwargs)
        body = response.json()
        code = body.get("error", {}).get("code") if isinstance(body, dict) else None
        message = body.get("error", {}).get("message", "") if isinstance(body, dict) else ""
        if (response.status_code, code) != (bad.status, bad.code) or message.isascii():
            mismatches.append(f"{bad.name}: expected {bad.status} {bad.code}, got {response.status_code} "
                              f"{response.text[:200]}")
        if await fingerprint(s.db) != before:
            mismatches.append(f"{bad.name}: stored data changed")
    assert mismatches == [], "\n".join(mismatches)


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value
