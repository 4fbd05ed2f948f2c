"""The registry: divisions, departments, enterprises, mines and users.

Layered as Base (shared fields) → Create (input) → table → Public (output): clients never see a table model.
"""

from datetime import date, datetime
from enum import StrEnum

from pydantic import field_validator, model_validator
from sqlalchemy import Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.credit_code import credit_code_problem
from domain.divisions import division_code_problem
from domain.mines import MineMethod
from domain.roles import DepartmentKind, Role
from models.cases import SAFE_NAME, SAFE_TEXT
from models.db import UTCDateTime, str_enum, utcnow


class DivisionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class Division(SQLModel, table=True):
    __tablename__ = "divisions"
    code: str = Field(primary_key=True, min_length=6, max_length=6)
    name: str = Field(max_length=64, schema_extra={"pattern": SAFE_NAME})
    short_name: str = Field(max_length=16, schema_extra={"pattern": SAFE_NAME}, description="用于文号的简称，如“中宁”")
    level: DivisionLevel = Field(sa_type=str_enum(DivisionLevel))
    parent_code: str | None = Field(default=None, foreign_key="divisions.code", max_length=6)


class DivisionPublic(SQLModel):
    code: str
    name: str
    short_name: str
    level: DivisionLevel
    parent_code: str | None


class DepartmentBase(SQLModel):
    name: str = Field(min_length=1, max_length=64, schema_extra={"pattern": SAFE_NAME})
    kind: DepartmentKind = Field(sa_type=str_enum(DepartmentKind))
    division_code: str = Field(foreign_key="divisions.code", min_length=6, max_length=6, index=True)


class Department(DepartmentBase, table=True):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("division_code", "name"),)
    id: int | None = Field(default=None, primary_key=True)


class DepartmentPublic(DepartmentBase):
    id: int


class EnterpriseBase(SQLModel):
    name: str = Field(min_length=2, max_length=100, schema_extra={"pattern": SAFE_NAME})
    credit_code: str = Field(min_length=18, max_length=18, unique=True, description="统一社会信用代码（GB 32100）")
    division_code: str = Field(foreign_key="divisions.code", min_length=6, max_length=6, index=True)


class EnterpriseCreate(EnterpriseBase):
    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value: str) -> str:
        value = value.strip().upper()
        if problem := credit_code_problem(value):
            raise ValueError(problem)
        return value

    @field_validator("division_code")
    @classmethod
    def _division_code(cls, value: str) -> str:
        if problem := division_code_problem(value):
            raise ValueError(problem)
        return value


class Enterprise(EnterpriseBase, table=True):
    __tablename__ = "enterprises"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class EnterprisePublic(EnterpriseBase):
    id: int


class MineStatus(StrEnum):
    PRODUCING = "producing"
    SUSPENDED = "suspended"
    CLOSED = "closed"


MINE_STATUS_NAMES = {MineStatus.PRODUCING: "生产", MineStatus.SUSPENDED: "停产", MineStatus.CLOSED: "关闭"}


class MineBase(SQLModel):
    name: str = Field(min_length=2, max_length=100, schema_extra={"pattern": SAFE_NAME})
    enterprise_id: int = Field(foreign_key="enterprises.id", index=True)
    division_code: str = Field(foreign_key="divisions.code", min_length=6, max_length=6, index=True,
                               description="所在县（区）行政区划代码")
    township_id: int = Field(foreign_key="departments.id", description="所在乡镇（部门 kind=township）")
    mineral: str = Field(min_length=1, max_length=32, schema_extra={"pattern": SAFE_NAME}, description="开采矿种")
    method: MineMethod = Field(sa_type=str_enum(MineMethod), description="开采方式：open_pit 露天 / underground 地下")
    scale_wt: float = Field(gt=0, le=10000, description="核定生产规模（万吨/年）")
    licence_no: str = Field(min_length=6, max_length=40, unique=True, schema_extra={"pattern": r"^[A-Za-z0-9-]+$"},
                            description="采矿许可证号")
    licence_valid_from: date
    licence_valid_to: date


class MineCreate(MineBase):
    @model_validator(mode="after")
    def _dates_in_order(self) -> "MineCreate":
        if self.licence_valid_to <= self.licence_valid_from:
            raise ValueError("采矿许可证有效期止日必须晚于起日")
        return self


class Mine(MineBase, table=True):
    __tablename__ = "mines"
    id: int | None = Field(default=None, primary_key=True)
    status: MineStatus = Field(default=MineStatus.SUSPENDED, index=True, sa_type=str_enum(MineStatus))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class MinePublic(MineBase):
    id: int
    status: MineStatus


class UserBase(SQLModel):
    username: str = Field(min_length=3, max_length=40, schema_extra={"pattern": r"^[a-z][a-z0-9_.-]+$"}, unique=True)
    display_name: str = Field(min_length=1, max_length=64, schema_extra={"pattern": SAFE_NAME})
    role: Role = Field(sa_type=str_enum(Role))
    division_code: str | None = Field(default=None, foreign_key="divisions.code", max_length=6)
    department_id: int | None = Field(default=None, foreign_key="departments.id")
    enterprise_id: int | None = Field(default=None, foreign_key="enterprises.id")
    email: str | None = Field(default=None, max_length=120, description="通知邮箱（可选）",
                              schema_extra={"pattern": r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"})


class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=128)

    @model_validator(mode="after")
    def _scope_fits_role(self) -> "UserCreate":
        if self.role is Role.ENTERPRISE and self.enterprise_id is None:
            raise ValueError("企业用户必须指定 enterprise_id")
        if self.role is Role.DEPARTMENT_OFFICER and self.department_id is None:
            raise ValueError("部门经办人必须指定 department_id")
        # a department implies its division (api/services/admin.py derives it and refuses a mismatch)
        if self.role not in (Role.ENTERPRISE, Role.ADMIN) and self.division_code is None and self.department_id is None:
            raise ValueError("该角色必须指定所属行政区划 division_code")
        return self


class User(UserBase, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    # Raised when the password changes or the account is stopped: a token carries the epoch it was issued in
    # ("ep"), so every session signed before ends at once (api/deps.py), even across API processes.
    session_epoch: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class UserPublic(SQLModel):
    """`GET /me` and user listings: never the password hash."""

    username: str
    display_name: str
    role: Role
    division_code: str | None = None
    department_id: int | None = None
    enterprise_id: int | None = None


class UserAdminView(UserPublic):
    """The administrator's user listing: with whether the account may log in."""

    is_active: bool


class UserActivation(SQLModel):
    """`POST /users/{username}/deactivate` and `/reactivate`: why (recorded in the audit chain)."""

    reason: str | None = Field(default=None, max_length=500, schema_extra={"pattern": SAFE_TEXT},
                               description="理由（记入审计链）")


class LoginThrottle(SQLModel, table=True):
    """Consecutive failed logins per username or client address (api/login.py)."""

    __tablename__ = "login_throttles"
    key: str = Field(primary_key=True, max_length=120)
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
