"""Roles and department kinds: the stable English codes of the HTTP contract."""

from enum import StrEnum


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    DEPARTMENT_OFFICER = "department_officer"
    EXPERT = "expert"
    COUNTY_NR = "county_nr"
    COMMITTEE_SECRETARY = "committee_secretary"
    CITY_NR = "city_nr"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLE_NAMES: dict[Role, str] = {
    Role.ENTERPRISE: "矿山企业",
    Role.DEPARTMENT_OFFICER: "部门经办人",
    Role.EXPERT: "专家",
    Role.COUNTY_NR: "县自然资源局",
    Role.COMMITTEE_SECRETARY: "县党委政府三重一大会议秘书",
    Role.CITY_NR: "市自然资源局",
    Role.SUPERVISOR: "督查组",
    Role.ADMIN: "系统管理员",
}

# Roles whose users belong to a jurisdiction (division) and see the cases in it.
OFFICIAL_ROLES = frozenset(
    {Role.COUNTY_NR, Role.COMMITTEE_SECRETARY, Role.CITY_NR, Role.SUPERVISOR, Role.DEPARTMENT_OFFICER, Role.EXPERT}
)


class DepartmentKind(StrEnum):
    NATURAL_RESOURCES = "natural_resources"
    EMERGENCY_MANAGEMENT = "emergency_management"
    ECOLOGY_ENVIRONMENT = "ecology_environment"
    PUBLIC_SECURITY = "public_security"
    WATER_RESOURCES = "water_resources"
    FORESTRY_GRASSLAND = "forestry_grassland"
    TOWNSHIP = "township"
    POWER_SUPPLY = "power_supply"


DEPARTMENT_KIND_NAMES: dict[DepartmentKind, str] = {
    DepartmentKind.NATURAL_RESOURCES: "自然资源",
    DepartmentKind.EMERGENCY_MANAGEMENT: "应急管理",
    DepartmentKind.ECOLOGY_ENVIRONMENT: "生态环境",
    DepartmentKind.PUBLIC_SECURITY: "公安",
    DepartmentKind.WATER_RESOURCES: "水务",
    DepartmentKind.FORESTRY_GRASSLAND: "林草",
    DepartmentKind.TOWNSHIP: "乡镇",
    DepartmentKind.POWER_SUPPLY: "供电",
}
