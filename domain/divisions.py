"""行政区划代码 (division codes), GB/T 2260: six digits, province (2) + city (2) + county (2)."""

# GB/T 2260 province-level codes (省、自治区、直辖市、特别行政区).
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
     "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
     "71", "81", "82"}
)


def division_code_problem(code: str) -> str | None:
    """Why `code` is not a well-formed GB/T 2260 code, in Chinese, or None."""
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return "行政区划代码应为6位数字"
    if code[:2] not in PROVINCE_CODES:
        return "行政区划代码前两位不是有效的省级代码"
    return None


def level(code: str) -> str:
    """`province`, `city` or `county` by the code's trailing zeros."""
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "city"
    return "county"


def scope_prefix(code: str) -> str:
    """The prefix shared by every division inside `code`'s jurisdiction (a city covers its counties)."""
    return {"province": code[:2], "city": code[:4], "county": code}[level(code)]


def covers(jurisdiction: str, division_code: str) -> bool:
    """Whether an official of `jurisdiction` oversees `division_code`."""
    return division_code.startswith(scope_prefix(jurisdiction))


def city_of(code: str) -> str:
    return code[:4] + "00"
