"""How old a source's verification may grow: `extra.refkb.stale_after_months` (default 18) calendar months."""

from __future__ import annotations

import datetime as dt

DEFAULT_MONTHS = 18


def months_before(day: dt.date, months: int) -> dt.date:
    """`day` moved back by `months` calendar months (the month's last day when the day does not exist)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def is_stale(verified_on: dt.date | None, today: dt.date, months: int = DEFAULT_MONTHS) -> bool:
    """Verified longer ago than `months` (a record with no date counts as stale)."""
    return verified_on is None or verified_on < months_before(today, months)
