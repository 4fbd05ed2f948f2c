"""Who is told what: the timeline events that go out as notifications, and to whom.

An audience is a descriptor resolved to people at delivery time: `department:<id>` (the officers of a department),
`user:<username>`, `enterprise:<id>` (its users), or `role:<role>:<division>` (e.g. the 督查组 of a county).

A timeline entry's data may name its audiences: `party`/`parties` (pending parties), `to` (roles: `city_nr` of the
case's city, the others of its county — or of each of `counties`, for a city-wide case such as a campaign), and
`enterprises` (e.g. both parties of a transfer).
"""

from collections.abc import Iterable, Mapping
from typing import Any

# The timeline actions that notify (reminders, escalations and urges; seed 000 §三(二) 督查组 follow the overdue).
COPIED = "copied"
NOTIFYING = frozenset({"reminded", "escalated", "urged", "deadline_warning", "filing_reminded",
                       "resumption_reminded", "registration_reminded", "fee_reminded"})


def audiences(action: str, data: Mapping[str, Any], *, county: str, city: str, enterprise_id: int | None,
              party_audience: Mapping[str, str]) -> list[str]:
    """The audiences of one timeline entry. `party_audience` maps a pending party to its audience (its assignee,
    else its department, else the expert)."""
    if action == COPIED:  # 抄送: the official the case was copied to is told (data `to`: their username)
        return [f"user:{data['to']}"] if data.get("to") else []
    if action not in NOTIFYING:
        return []
    out: list[str] = []
    parties: Iterable[str] = data.get("parties") or ([data["party"]] if data.get("party") else [])
    out += [party_audience[p] for p in parties if p in party_audience]
    for role in data.get("to", []):
        divisions = [city] if role == "city_nr" else data.get("counties") or [county]
        out += [f"role:{role}:{division}" for division in divisions]
    out += [f"enterprise:{e}" for e in data.get("enterprises", [])]
    if action == "deadline_warning":
        out.append(f"role:county_nr:{county}")
    if action == "filing_reminded":
        out.append(f"role:city_nr:{city}")
    if action == "resumption_reminded" and enterprise_id is not None:
        out.append(f"enterprise:{enterprise_id}")
    return list(dict.fromkeys(out))


def audiences_of(*, username: str, role: str, division_code: str | None, department_id: int | None,
                 enterprise_id: int | None) -> list[str]:
    """The audiences a user belongs to: the reverse of what the notifier resolves at delivery
    (activities/notify.py `_recipients`), so what the console lists for a user is what was sent to them."""
    out = [f"user:{username}"]
    if department_id is not None:
        out.append(f"department:{department_id}")
    if enterprise_id is not None:
        out.append(f"enterprise:{enterprise_id}")
    if division_code is not None:
        out.append(f"role:{role}:{division_code}")
    return out
