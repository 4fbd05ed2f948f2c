"""Who may see what: enterprises their own mines' cases, officials their jurisdiction (a city all its counties)."""

from typing import Any

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import col

from api.deps import Principal
from domain.divisions import covers, level
from domain.errors import DomainError, ErrorCode
from domain.roles import Role
from models.projection import CaseRecord


def can_view(principal: Principal, division_code: str, enterprise_id: int | None,
             counterparty_id: int | None = None) -> bool:
    user = principal.user
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.ENTERPRISE:
        return user.enterprise_id is not None and user.enterprise_id in (enterprise_id, counterparty_id)
    if user.division_code is None:
        return False
    # a city's own case (its 治理整顿) is read by the officials of its counties too
    return covers(user.division_code, division_code) or (
        level(division_code) == "city" and covers(division_code, user.division_code))


def ensure_can_view(principal: Principal, division_code: str, enterprise_id: int | None,
                    counterparty_id: int | None = None) -> None:
    if not can_view(principal, division_code, enterprise_id, counterparty_id):
        code = ErrorCode.NOT_YOUR_CASE if principal.role is Role.ENTERPRISE else ErrorCode.OUT_OF_JURISDICTION
        raise DomainError(code)


def division_filter(principal: Principal, division_column: Any, city_column: Any | None = None) -> ColumnElement[bool]:
    """SQL condition restricting a division-coded column to the caller's jurisdiction."""
    user = principal.user
    if user.role is Role.ADMIN:
        return true()
    if user.division_code is None:
        return false()
    match level(user.division_code):
        case "county":
            return col(division_column) == user.division_code
        case "city" if city_column is not None:
            return col(city_column) == user.division_code
        case "city":
            return col(division_column).startswith(user.division_code[:4])
        case _:
            return col(division_column).startswith(user.division_code[:2])


def case_filter(principal: Principal) -> ColumnElement[bool]:
    if principal.role is Role.ENTERPRISE:
        own = principal.user.enterprise_id
        return or_(col(CaseRecord.enterprise_id) == own, col(CaseRecord.counterparty_enterprise_id) == own)
    return division_filter(principal, CaseRecord.division_code, CaseRecord.city_code)
