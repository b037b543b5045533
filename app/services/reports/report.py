"""One call for everything a report shows: the page, the printout and the workbook."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from cachetools import TTLCache

from app.services.reports import breakdowns as breakdown_queries
from app.services.reports import details, figures, places
from app.services.reports.base import Frame, Scope
from app.services.reports.period import Period


@dataclass
class Report:
    frame: Frame
    figures: figures.Figures
    breakdowns: dict[str, list[breakdown_queries.Line]]
    unmet: list[places.Unmet]
    child_days: list[details.ChildDays]
    comments: list[details.Comment]
    ledger: list[details.LedgerLine] | None = None

    @property
    def period(self) -> Period:
        return self.frame.period

    @property
    def scope(self) -> Scope:
        return self.frame.scope


def build_report(
    period: Period, scope: Scope, now: datetime, *, with_ledger: bool = False
) -> Report:
    """The figures, breakdowns, unmet demand, childcare days and remarks of `period`
    for `scope`, as of `now`. `with_ledger` (the workbook, the ledger's CSV): the
    ledger of every session held too, and every remark, not only the latest."""
    frame = Frame(period, scope, now)
    found = breakdown_queries.tally(frame)
    unmet_total, unmet = places.unmet_demand(frame)
    counted = figures.figures(frame, found, unmet_total=unmet_total)
    return Report(
        frame=frame,
        figures=counted,
        breakdowns=breakdown_queries.breakdowns(frame, found),
        unmet=unmet,
        child_days=details.child_days(frame),
        comments=details.comments(frame, limit=None if with_ledger else details.COMMENTS_SHOWN),
        ledger=details.ledger(frame) if with_ledger else None,
    )


class KeptReports:
    """Reports kept `seconds` in this process by period and scope (a teacher's are
    their own), so the page, its reloads and its tabs do not count the same month
    again: at a district's size (a million bookings, a month of 36,000 visits) a
    month takes 0.3–0.5 s to count. `seconds` 0 keeps nothing. What it keeps is
    plain figures and names (no database objects), and says when it was counted
    (`report.frame.now`)."""

    def __init__(self, seconds: float, size: int = 64):
        self._kept = TTLCache(maxsize=size, ttl=seconds) if seconds > 0 else None
        self._lock = threading.Lock()

    def report(self, period: Period, scope: Scope, now: datetime, *, fresh: bool = False) -> Report:
        """The report kept for (period, scope), else (or `fresh`) counted now and kept."""
        if self._kept is None:
            return build_report(period, scope, now)
        key = (period, scope)
        with self._lock:
            report = None if fresh else self._kept.get(key)
        if report is None:
            report = build_report(period, scope, now)
            with self._lock:
                self._kept[key] = report
        return report
