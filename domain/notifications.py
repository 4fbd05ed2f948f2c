"""Who is told what: the timeline events that go out as notifications, and to whom.

An audience is a descriptor resolved to people at delivery time: `department:<id>` (the officers of a department),
`user:<username>`, `enterprise:<id>` (its users), or `role:<role>:<division>` (e.g. the 督查组 of a county).
"""

from collections.abc import Iterable, Mapping
from typing import Any

# The timeline actions that notify (reminders, escalations and urges; seed 000 §三(二) 督查组 follow the overdue).
NOTIFYING = frozenset({"reminded", "escalated", "urged", "deadline_warning", "filing_reminded",
                       "resumption_reminded"})


def audiences(action: str, data: Mapping[str, Any], *, county: str, city: str, enterprise_id: int | None,
              party_audience: Mapping[str, str]) -> list[str]:
    """The audiences of one timeline entry. `party_audience` maps a pending party to its audience (its assignee,
    else its department, else the expert)."""
    if action not in NOTIFYING:
        return []
    out: list[str] = []
    parties: Iterable[str] = data.get("parties") or ([data["party"]] if data.get("party") else [])
    out += [party_audience[p] for p in parties if p in party_audience]
    for role in data.get("to", []):
        division = city if role == "city_nr" else county
        out.append(f"role:{role}:{division}")
    if action == "deadline_warning":
        out.append(f"role:county_nr:{county}")
    if action == "filing_reminded":
        out.append(f"role:city_nr:{city}")
    if action == "resumption_reminded" and enterprise_id is not None:
        out.append(f"enterprise:{enterprise_id}")
    return list(dict.fromkeys(out))
