"""Reports for owners: what a show, or a cinema's shows over a time, sold. A cinema's report
comes as JSON, or as CSV for a spreadsheet."""

from __future__ import annotations

import csv
import io

import falcon

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.endpoints import Call, Rendered

CSV = "text/csv"
CSV_COLUMNS = (
    "show_id",
    "capacity",
    "sold",
    "held",
    "free",
    "checked_in",
    "gross",
    "refunds",
    "net",
    "currency",
)


class Reports:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def show(self, call: Call[None, None]) -> shapes.ShowReport:
        return shapes.ShowReport.of(self._boxoffice.show_report(call.actor, call.ids["show_id"]))

    def cinema(self, call: Call[None, shapes.ReportQuery]) -> shapes.CinemaReport | Rendered:
        start, end = call.query.instant("from"), call.query.instant("to")
        report = self._boxoffice.cinema_report(
            call.actor, call.ids["cinema_id"], starts_from=start, starts_before=end
        )
        shaped = shapes.CinemaReport.of(report, start, end)
        if call.req.client_prefers((falcon.MEDIA_JSON, CSV)) == CSV:
            return Rendered(f"{CSV}; charset=utf-8", cinema_csv(shaped))
        return shaped


def cinema_csv(report: shapes.CinemaReport) -> bytes:
    """A header, a line per show, then a totals line (show_id "total"): what a spreadsheet
    user sums first, given so that nobody sums it differently. Its capacity, held and free
    are blank: they describe one show at a time."""
    out = io.StringIO()
    # RFC 4180: lines end in CRLF.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.shows:
        writer.writerow(
            (
                row.show_id,
                row.capacity,
                row.sold,
                row.held,
                row.free,
                row.checked_in,
                row.gross,
                row.refunds,
                row.net,
                row.currency or "",
            )
        )
    totals = report.totals
    writer.writerow(
        (
            "total",
            "",
            totals.sold,
            "",
            "",
            totals.checked_in,
            totals.gross,
            totals.refunds,
            totals.net,
            report.currency,
        )
    )
    return out.getvalue().encode()
