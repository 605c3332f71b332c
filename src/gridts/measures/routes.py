"""``GET /api/v1/measures``, ``/measures/horizon`` and ``/measures/revisions``.

Only GET lives here: writing measures (POST on the same path) is ``gridts.ingest``'s controller.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Annotated, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from psycopg import AsyncConnection

from gridts.errors import InvalidParameterError
from gridts.measures import service
from gridts.measures.schemas import Cutoff, Measure, MeasurePage
from gridts.reads.filters import Filters, require_aware
from gridts.reads.leads import parse_lead
from gridts.retention import dropped_note
from gridts.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence

COLUMNAR = True
"""Big reads come back as columns that write their own answer, in every format
(``gridts.measures.columns``); the tests turn it off to compare them with rows in Structs."""


class MeasureReadController(Controller):
    """Reads of the ``measures`` hypertable."""

    path = "/measures"
    tags = ["measures"]  # noqa: RUF012 - Litestar's declared attribute type

    @get("", operation_id="listMeasures")
    async def latest(
        self,
        *,
        conn: NamedDependency[AsyncConnection],
        settings: NamedDependency[Settings],
        filters: NamedDependency[Filters],
        state: State,
        collected_datetime: Annotated[
            datetime | None,
            QueryParameter(
                description="As of this collection time: per target, the latest revision "
                "collected at or before it; targets unknown by then are left out."
            ),
        ] = None,
    ) -> MeasurePage:
        """One value per node and target timestamp: the latest revision, or the one known then."""
        require_aware(collected_datetime, "collected_datetime")
        dropped = await dropped_note(conn, state, filters.start)
        data = await service.latest(
            conn,
            filters,
            collected_datetime,
            settings.max_response_rows,
            columnar=COLUMNAR,
        )
        return _page(data, dropped)

    @get("/horizon", operation_id="listMeasuresAtHorizon")
    async def horizon(
        self,
        *,
        conn: NamedDependency[AsyncConnection],
        settings: NamedDependency[Settings],
        filters: NamedDependency[Filters],
        state: State,
        lead: Annotated[
            str | None,
            QueryParameter(
                description="Per target t, the latest revision collected at or before t - lead: "
                "an ISO 8601 duration (PT24H, P1D) or a number of hours."
            ),
        ] = None,
        issued_before: Annotated[
            str | None,
            QueryParameter(
                description="Day-ahead form, with timezone: for targets of local day D, the "
                "latest revision collected before this local time (HH:MM) on day D-1."
            ),
        ] = None,
        timezone: Annotated[
            str | None,
            QueryParameter(description="IANA time zone of issued_before, e.g. Europe/Dublin."),
        ] = None,
    ) -> MeasurePage:
        """What was known a fixed time ahead of each target (targets unknown then left out)."""
        cutoff = parse_cutoff(lead, issued_before, timezone)
        dropped = await dropped_note(conn, state, filters.start)
        data = await service.horizon(
            conn, filters, cutoff, settings.max_response_rows, columnar=COLUMNAR
        )
        return _page(data, dropped)

    @get("/revisions", operation_id="listMeasureRevisions")
    async def revisions(
        self,
        *,
        conn: NamedDependency[AsyncConnection],
        settings: NamedDependency[Settings],
        filters: NamedDependency[Filters],
        state: State,
        collected_from: Annotated[
            datetime | None,
            QueryParameter(description="Only revisions collected at or after this."),
        ] = None,
        collected_to: Annotated[
            datetime | None,
            QueryParameter(description="Only revisions collected at or before this."),
        ] = None,
    ) -> MeasurePage:
        """Every stored revision, ordered by node, target, then collection time."""
        require_aware(collected_from, "collected_from")
        require_aware(collected_to, "collected_to")
        if collected_from and collected_to and collected_to < collected_from:
            raise InvalidParameterError(
                "collected_to is before collected_from",
                "collected_to",
                "the collection window is inclusive: collected_to must be >= collected_from",
            )
        dropped = await dropped_note(conn, state, filters.start)
        data = await service.revisions(
            conn,
            filters,
            collected_from,
            collected_to,
            settings.max_response_rows,
            columnar=COLUMNAR,
        )
        return _page(data, dropped)


def _page(data: Sequence[Measure], dropped: tuple[datetime, str] | None) -> MeasurePage:
    """The answer, saying so when raw data before the range's start has been dropped.

    ``dropped`` is asked before the rows: they stream, and are the last read on the connection.
    ``data`` may be ``MeasureColumns`` in place of the list: only ``TableResponse`` reads it.
    """
    rows = cast("list[Measure]", data)
    if dropped is None:
        return MeasurePage(rows)
    return MeasurePage(rows, raw_dropped_before=dropped[0], note=dropped[1])


def parse_cutoff(lead: str | None, issued_before: str | None, timezone: str | None) -> Cutoff:
    """Check that exactly one form is given, and parse it (422 naming the parameter)."""
    if (lead is None) == (issued_before is None):
        raise InvalidParameterError(
            "give either lead or issued_before (with timezone)",
            "lead",
            "lead=PT24H for a fixed lead, or issued_before=12:00&timezone=Europe/Dublin",
        )
    if lead is not None:
        if timezone is not None:
            raise InvalidParameterError(
                "timezone goes with issued_before", "timezone", "drop it, or use issued_before"
            )
        return Cutoff(lead=parse_lead(lead))
    assert issued_before is not None  # noqa: S101 - checked above
    try:
        issued = time.fromisoformat(issued_before)
    except ValueError:
        raise InvalidParameterError(
            f"issued_before is not a time of day: {issued_before!r}",
            "issued_before",
            "give a local time as HH:MM, e.g. 12:00",
        ) from None
    if issued.tzinfo is not None:
        raise InvalidParameterError(
            "issued_before is a local time", "issued_before", "put the zone in timezone"
        )
    if not timezone:
        raise InvalidParameterError(
            "issued_before needs a timezone", "timezone", "e.g. timezone=Europe/Dublin"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidParameterError(
            f"unknown time zone {timezone!r}", "timezone", "give an IANA zone such as Europe/Dublin"
        ) from None
    return Cutoff(issued_before=issued, timezone=timezone)
