"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters: registration authority (1), organisation type (1), division code (6, GB/T 2260),
organisation code (9, GB 11714) and a check character computed over the first 17 (§4, 附录 B).
"""

# GB 32100-2015 表 1: the 31 characters in use (I, O, S, V, Z are never used), each worth its index.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The 18th character for the given first 17 (GB 32100-2015 附录 B)."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why `code` is not a valid 统一社会信用代码, in Chinese, or None when it is valid."""
    if len(code) != 18:
        return "统一社会信用代码应为18位"
    if bad := sorted({ch for ch in code if ch not in ALPHABET}):
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}"
    if not (code[2:8].isascii() and code[2:8].isdigit()):
        return "统一社会信用代码第3至8位应为行政区划代码（数字）"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误"
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_problem(code) is None
