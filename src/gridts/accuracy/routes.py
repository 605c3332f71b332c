"""``GET /api/v1/accuracy``."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from psycopg import AsyncConnection

from gridts.accuracy import service
from gridts.accuracy.schemas import AccuracyPage, Final
from gridts.hierarchy.service import check_timezone
from gridts.reads.leads import parse_lead
from gridts.reads.levels import Selection
from gridts.settings import Settings

DEFAULT_LEADS = ("PT1H", "PT12H", "PT24H", "PT48H")


class AccuracyController(Controller):
    """Forecast accuracy by lead."""

    path = "/accuracy"
    tags = ["accuracy"]  # noqa: RUF012 - Litestar's declared attribute type

    @get("", operation_id="getAccuracy")
    async def accuracy(
        self,
        *,
        conn: NamedDependency[AsyncConnection],
        settings: NamedDependency[Settings],
        selection: NamedDependency[Selection],
        lead: Annotated[
            list[str] | None,
            QueryParameter(
                description="Leads to compare (repeatable): ISO 8601 durations or hours. "
                "Default PT1H, PT12H, PT24H, PT48H."
            ),
        ] = None,
        bucket: Annotated[
            Literal["1d"] | None,
            QueryParameter(
                description="1d: statistics per local day of the targets (the grid's zone, or "
                "timezone)."
            ),
        ] = None,
        timezone: Annotated[
            str | None,
            QueryParameter(description="IANA zone of the 1d buckets. Default: the grid's zone."),
        ] = None,
        final: Annotated[
            Final | None,
            QueryParameter(
                description="latest (the latest revision) or at_target (the first collected at "
                "or after the target). Default: GRIDTS_ACCURACY_FINAL."
            ),
        ] = None,
    ) -> AccuracyPage:
        """Count, bias, MAE, RMSE and MAPE of the value known ``lead`` before each target.

        Region and grid levels compare totals: a target counts at a lead only where every node
        with a final value there also had a forecast by then.
        """
        level, filters = selection.level, selection.filters
        await check_timezone(conn, timezone)
        leads = sorted({parse_lead(text) for text in lead or DEFAULT_LEADS})
        chosen = final or Final(settings.accuracy_final)
        data = await service.accuracy(
            conn,
            level,
            filters,
            leads,
            chosen,
            daily=bucket == "1d",
            timezone=timezone,
            limit=settings.max_response_rows,
        )
        return AccuracyPage(level, chosen, data)
