"""统一社会信用代码 (GB 32100-2015) check character."""

import pytest

from domain.credit_code import ALPHABET, credit_code_problem, is_valid_credit_code
from models.demo import credit_code

STANDARD_EXAMPLE = "91350100M000100Y43"  # the worked example of GB 32100-2015 附录 B


def test_standard_example_is_valid():
    assert credit_code_problem(STANDARD_EXAMPLE) is None


@pytest.mark.parametrize(("code", "reason"), [
    ("91350100M000100Y44", "校验位错误"),
    ("91350100M000100Y4", "应为18位"),
    ("91350100M000100Y433", "应为18位"),
    ("", "应为18位"),
    ("91350100I000100Y43", "不允许的字符"),  # I is never used
    ("913501OOM000100Y43", "不允许的字符"),  # letter O, not zero
    ("91350100M000100Y4Z", "不允许的字符"),
    ("91ABCDEFM000100Y43", "行政区划代码"),
    ("91350100m000100y43", "不允许的字符"),  # lower case is not the standard form
])
def test_invalid_codes_say_why(code, reason):
    problem = credit_code_problem(code)
    assert problem is not None and reason in problem


@pytest.mark.parametrize("position", range(18))
def test_any_single_mistyped_character_is_caught(position):
    """31 is prime and no weight is a multiple of it, so every one-character substitution changes the check."""
    for ch in ALPHABET:
        if ch == STANDARD_EXAMPLE[position]:
            continue
        changed = STANDARD_EXAMPLE[:position] + ch + STANDARD_EXAMPLE[position + 1:]
        assert not is_valid_credit_code(changed), changed


def test_demo_enterprises_have_valid_codes():
    codes = [credit_code("640521", serial) for serial in range(100, 130)]
    assert all(is_valid_credit_code(c) for c in codes)
    assert len(set(codes)) == len(codes)
