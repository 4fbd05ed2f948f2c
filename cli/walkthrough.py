"""One reopening case carried through every role over the documented HTTP API — the README's walkthrough as code.

`mineflow walkthrough` runs it against a running product (`make run`); the test suite runs it in-process.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

PASSWORD = "mineflow-demo"
ENTERPRISES = ("zn_ent1", "zn_ent2")  # 中宁县's demo enterprises


class Walkthrough:
    def __init__(self, http: httpx.Client, say: Callable[[str], None] = print) -> None:
        self.http, self.say, self.tokens = http, say, {}

    def login(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            response = self.http.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            response.raise_for_status()
            self.tokens[username] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def call(self, username: str, method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        response = self.http.request(method, f"/api/v1{path}", json=body, params=params, headers=self.login(username))
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} as {username}: {response.status_code} {response.text}")
        return response.json()

    def pick_mine(self, today: str) -> tuple[str, dict[str, Any], str]:
        """(enterprise user, a mine of theirs with a valid licence and no open case, its township's officer)."""
        for enterprise in ENTERPRISES:
            open_mines = {c["mine_id"] for c in self.call(enterprise, "GET", "/cases", status="active",
                                                           page_size=100)["items"]}
            for mine in self.call(enterprise, "GET", "/mines"):
                if mine["id"] not in open_mines and mine["licence_valid_to"] >= today and mine["status"] != "closed":
                    officer = next(u["username"] for u in self.call("admin", "GET", "/users")
                                   if u["role"] == "department_officer" and u["department_id"] == mine["township_id"])
                    return enterprise, mine, officer
        raise RuntimeError("中宁县的演示矿山都已有在办的开复工申请")

    def run(self) -> dict[str, Any]:
        today = str(datetime.now(ZoneInfo("Asia/Shanghai")).date())
        enterprise, mine, township = self.pick_mine(today)
        required = self.call(enterprise, "GET", "/reopenings/required-materials", mine_id=mine["id"])
        case = self.call(enterprise, "POST", "/reopenings", {
            "mine_id": mine["id"], "reason": "停产整顿已完成，申请复工",
            "materials": [{"kind": i["kind"], "ref": f"档案-{i['kind']}"} for i in required["items"]]})
        case_id = case["case_id"]
        self.say(f"1. 企业 {enterprise} 为“{mine['name']}”提交申请 {case_id}（{case['stage_name']}）")
        case = self.call("zn_nr", "POST", f"/cases/{case_id}/intake", {
            "decision": "accept", "experts": ["zn_expert1", "zn_expert2", "zn_expert3"]})
        self.say(f"2. 县自然资源局 zn_nr 受理，{len(case['pending'])} 方联合验收")
        for username in ("zn_emergency", "zn_ecology", "zn_police", "zn_water", township,
                         "zn_expert1", "zn_expert2", "zn_expert3"):
            case = self.call(username, "POST", f"/cases/{case_id}/acceptance/sign-offs",
                             {"verdict": "pass", "opinion": "符合验收标准"})
        self.say(f"3. 各方签署通过，进入{case['stage_name']}")
        case = self.call("zn_committee", "POST", f"/cases/{case_id}/committee-decision", {
            "meeting_no": "中宁县政府常务会议第12次", "meeting_date": today, "members_total": 7,
            "attendees": ["县长", "常务副县长", "副县长甲", "副县长乙", "县政府办主任"], "recused": [],
            "decision": "approve", "minutes_ref": "中宁纪要〔2026〕12号"})
        self.say(f"4. 三重一大集体研究同意，进入{case['stage_name']}")
        case = self.call("zn_nr", "POST", f"/cases/{case_id}/approval", {"note": "同意开复工"})
        self.say(f"5. 县自然资源局下发批复 {case['document_no']}")
        case = self.call(enterprise, "POST", f"/cases/{case_id}/resumption", {"resumed_on": today})
        self.say(f"6. 企业报告复工，进入{case['stage_name']}")
        case = self.call("city_nr", "POST", f"/cases/{case_id}/city-filing", {"note": "已备案"})
        self.say(f"7. 市自然资源局确认备案：{case['status_name']}，时间线 {len(case['timeline'])} 条")
        return case
