"""A year's official holiday arrangement (国务院办公厅关于部分节假日安排的通知), loaded by an administrator
(`mineflow calendar load`, `POST /api/v1/admin/calendar/{year}`). It outranks the shipped provisional table and
the operator's file for that year (domain/calendar.py). Workflows never read it: the calendar activities do, and
their results are recorded in each case's history."""

import json
from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.calendar import YearTable, year_table
from models.db import UTCDateTime


class CalendarYear(SQLModel, table=True):
    __tablename__ = "calendar_years"
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    holidays: str = Field(sa_column=Column(Text, nullable=False), description="JSON list of ISO dates: rest days")
    workdays: str = Field(sa_column=Column(Text, nullable=False),
                          description="JSON list of ISO dates: weekend days worked (调休)")
    source: str = Field(max_length=200, description="the notice, e.g. 国办发明电〔2026〕7号")
    loaded_by: str = Field(max_length=40)
    loaded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

    def dates(self) -> tuple[list[date], list[date]]:
        return ([date.fromisoformat(d) for d in json.loads(self.holidays)],
                [date.fromisoformat(d) for d in json.loads(self.workdays)])

    def table(self) -> YearTable:
        holidays, workdays = self.dates()
        return year_table(holidays, workdays, provisional=False, source=self.source)


async def official_tables(session: AsyncSession) -> dict[int, YearTable]:
    """Every loaded year's table (a handful of rows)."""
    return {row.year: row.table() for row in (await session.exec(select(CalendarYear))).all()}
