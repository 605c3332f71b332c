"""Lead times ("known how long before the target"), as ``/horizon`` and ``/accuracy`` take them."""

from __future__ import annotations

import re
from datetime import timedelta

import msgspec

from gridts.errors import InvalidParameterError

MAX_LEAD = timedelta(days=366)
_HOURS = re.compile(r"[0-9]+(\.[0-9]+)?")


def parse_lead(text: str, key: str = "lead") -> timedelta:
    """A lead time: an ISO 8601 duration (``PT24H``, ``P1D``, ``PT90M``) or a number of hours.

    Months and years are refused (their length varies); so is a negative lead.
    """
    text = text.strip()
    try:
        lead = (
            timedelta(hours=float(text))
            if _HOURS.fullmatch(text)
            else msgspec.convert(text.upper(), timedelta)
        )
    except (msgspec.ValidationError, OverflowError):
        raise InvalidParameterError(
            f"{key} is not a duration: {text!r}",
            key,
            "give an ISO 8601 duration such as PT24H, P1D or PT90M, or a number of hours",
        ) from None
    if lead < timedelta(0):
        raise InvalidParameterError(
            f"{key} is negative", key, "a lead is how long before the target: >= 0"
        )
    if lead > MAX_LEAD:
        raise InvalidParameterError(f"{key} is too long", key, f"at most {MAX_LEAD.days} days")
    return lead
