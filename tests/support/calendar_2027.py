"""A made-up but plausible official 2027 arrangement (the shape of a 国务院办公厅关于2027年部分节假日安排的通知),
for tests: each holiday with its 补假 and 调休 as such a notice would set them."""

from datetime import date, timedelta


def _span(first: str, last: str) -> list[str]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return [str(a + timedelta(days=i)) for i in range((b - a).days + 1)]


OFFICIAL_2027 = {
    "source": "国办发明电〔2026〕9号（测试用）",
    "holidays": [
        *_span("2027-01-01", "2027-01-03"),  # 元旦 (Fri–Sun)
        *_span("2027-02-05", "2027-02-13"),  # 春节 (除夕 Fri – Sat), 9 days
        *_span("2027-04-03", "2027-04-05"),  # 清明 (Sat–Mon)
        *_span("2027-05-01", "2027-05-05"),  # 劳动节 (Sat–Wed)
        "2027-06-09",  # 端午 (Wed)
        "2027-09-15",  # 中秋 (Wed)
        *_span("2027-10-01", "2027-10-07"),  # 国庆 (Fri–Thu)
    ],
    "workdays": ["2027-02-20", "2027-04-25", "2027-09-26", "2027-10-09"],  # 调休上班 (Sat, Sun, Sun, Sat)
}
