"""The accuracy statistics from revisions, in numpy: integer sums, one rounding at the end.

PostgreSQL only scans (``sql/queries/accuracy/revisions.sql``); this module sorts each series'
revisions, picks each target's final and its forecast at every lead, adds them up per group
(entity, kind, subtype) and target, and sums the errors. The same work done in SQL (a window
over each (series, target), groups, then sums) took 121-132 ms over HTTP for a region's year at
four leads, most of it after the scan; this way the request takes 34-35 ms
(``bench/README.md``, "Accuracy in numpy").

Every sum is exact: values are integers of the kind's smallest unit (migration 0010), so the
errors and their squares are integers, added in int64 where a bound on them (the group's series
times its largest value) says they fit, and as Python integers where it does not. A mean kind's
error is that integer over the number of series (the divisor), so the sums are kept per divisor
and combined as fractions. Only the answer's columns are rounded, once each, to the nearest
float (the square root through 60-digit decimals).
The percentage error of a target is a quotient of two integers: each is a float plus the float of
its remainder (Dekker's product, below), and their sum is kept as two floats (``math.fsum`` and
what it rounded off) before the one rounding: the nearest float too, short of a sum within about
2**-100 of a halfway point (the SQL version's numerics left some a unit in the last place off).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from decimal import Context
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    Ints = NDArray[np.int64]
    Bools = NDArray[np.bool_]
    #: Sums: int64, or Python integers (``object``) where int64 could overflow.
    Sums = NDArray[Any]

#: int64 holds the integers of smaller magnitude than this.
_INT64 = 2**63
#: Integers below this are floats exactly.
_FLOAT = 2**53
#: Veltkamp's constant: splits a float into two halves whose products are exact.
_SPLIT = 134217729.0  # 2**27 + 1
_SQRT = Context(prec=60)


@dataclass(frozen=True)
class Revisions:
    """One series' revisions, in any order (as PostgreSQL's send format gives them).

    Times are microseconds since 2000-01-01 UTC; a missing observation's value is 0 and
    ``missing`` is true.
    """

    targets: Ints
    collected: Ints
    values: Ints
    missing: Bools

    @classmethod
    def decode(cls, revisions: bytes, missing: bytes | None) -> Revisions:
        """From the query's packed revisions and the keys of those with no value (or None).

        ``revisions``: each revision's target, collection time and value, big-endian 8-byte
        integers, 24 bytes after 24 bytes. ``missing``: the target and collection time of each
        missing one, 16 bytes each.
        """
        packed = np.frombuffer(revisions, dtype=">i8").reshape(-1, 3)
        targets = packed[:, 0].astype(np.int64)
        collected = packed[:, 1].astype(np.int64)
        keys = np.frombuffer(missing or b"", dtype=">i8").reshape(-1, 2).astype(np.int64)
        return cls(
            targets,
            collected,
            packed[:, 2].astype(np.int64),
            _flagged(targets, collected, keys[:, 0], keys[:, 1]),
        )

    def largest(self) -> int:
        """The largest magnitude of a value (0 if none)."""
        return int(np.abs(self.values).max()) if len(self.values) else 0


def _flagged(targets: Ints, collected: Ints, key_targets: Ints, key_collected: Ints) -> Bools:
    """Which revisions have one of the keys (target, collection time); none if there are none.

    A series' keys are unique, among its revisions and among the keys, so sorted together
    each key lies next to its revision: the only equal neighbours are such pairs.
    """
    flags = np.zeros(len(targets), dtype=np.bool_)
    if len(key_targets):
        both_targets = np.concatenate([targets, key_targets])
        both_collected = np.concatenate([collected, key_collected])
        order = np.lexsort((both_collected, both_targets))
        t, c = both_targets[order], both_collected[order]
        pairs = np.flatnonzero((t[1:] == t[:-1]) & (c[1:] == c[:-1]))
        flags[np.minimum(order[pairs], order[pairs + 1])] = True  # the revision: below len
    return flags


@dataclass(frozen=True)
class Totals:
    """A group's finals and forecasts added up per target, in ascending order of target.

    Per target: how many series have a final (``finals``), the finals' sum (``final``), and per
    lead (``[lead, target]``) the forecasts' sum and how many series had one. One series' known
    values are ``Totals`` with one final per target; ``combine`` adds them up.
    """

    targets: Ints
    finals: Ints
    final: Sums
    forecast: Sums
    forecasts: Ints


def known(revisions: Revisions, leads: Ints, *, at_target: bool) -> Totals:
    """Each target's final and its forecast at each lead (microseconds), for one series.

    The final is the latest revision, or with ``at_target`` the first collected at or after the
    target; a target whose final is missing or absent is left out. The forecast at a lead is
    the revision collected last at or before target - lead; none (or a missing value) counts 0.
    """
    order = np.lexsort((revisions.collected, revisions.targets))
    targets = revisions.targets[order]
    collected = revisions.collected[order]
    values = revisions.values[order]
    missing = revisions.missing[order]
    if not len(targets):
        empty = np.zeros(0, dtype=np.int64)
        return Totals(
            empty,
            empty,
            empty,
            np.zeros((len(leads), 0), dtype=np.int64),
            np.zeros((len(leads), 0), dtype=np.int64),
        )
    # each target's run of rows, by collection time
    starts = np.flatnonzero(np.concatenate(([True], targets[1:] != targets[:-1])))
    ends = np.append(starts[1:], len(targets))
    counted = np.zeros(len(targets) + 1, dtype=np.int64)

    def in_runs(rows: Bools) -> Ints:
        """How many of each run's rows are ``rows`` (a running count, not ``reduceat``: half)."""
        np.cumsum(rows, out=counted[1:])
        runs: Ints = counted[ends] - counted[starts]
        return runs

    if at_target:
        pick = starts + in_runs(collected < targets)
        kept = pick < ends
        pick = np.minimum(pick, ends - 1)
    else:
        pick = ends - 1
        kept = np.ones(len(starts), dtype=np.bool_)
    kept &= ~missing[pick]
    forecast = np.zeros((len(leads), len(starts)), dtype=np.int64)
    forecasts = np.zeros((len(leads), len(starts)), dtype=np.int64)
    for i, lead in enumerate(leads):
        # a run is sorted by collection time: the rows known by target - lead are its first ones
        known_by = in_runs(collected <= targets - lead)
        last = starts + np.maximum(known_by - 1, 0)
        has = (known_by > 0) & ~missing[last]
        forecast[i] = np.where(has, values[last], 0)
        forecasts[i] = has
    return Totals(
        targets[starts[kept]],
        np.ones(int(kept.sum()), dtype=np.int64),
        values[pick[kept]],
        forecast[:, kept],
        forecasts[:, kept],
    )


def combine(parts: list[Totals], *, bound: int) -> Totals:
    """The totals of ``parts`` (series of one group, or earlier totals) per target.

    ``bound``: no total's magnitude exceeds it (the group's series times its largest value);
    past int64's range the sums are Python integers.
    """
    wide = 2 * bound >= _INT64
    if len(parts) == 1 and not wide:
        return parts[0]
    first = parts[0].targets
    if not wide and all(np.array_equal(part.targets, first) for part in parts[1:]):
        # the usual case, series of one group reporting the same targets: added as they are
        # (10 series of a year: 0.4 ms against 14 ms sorted together)
        return Totals(
            first,
            np.sum([part.finals for part in parts], axis=0),
            np.sum([part.final for part in parts], axis=0),
            np.sum([part.forecast for part in parts], axis=0),
            np.sum([part.forecasts for part in parts], axis=0),
        )
    targets = np.concatenate([part.targets for part in parts])
    order = np.argsort(targets, kind="stable")
    targets = targets[order]
    if not len(targets):
        return parts[0]
    starts = np.flatnonzero(np.concatenate(([True], targets[1:] != targets[:-1])))
    dtype = object if wide else np.int64

    def summed(arrays: list[Sums], kind: type | None = None) -> Sums:
        joined = np.concatenate([a.astype(kind or dtype) for a in arrays], axis=-1)
        added: Sums = np.add.reduceat(joined[..., order], starts, axis=-1)
        return added

    return Totals(
        targets[starts],
        summed([part.finals for part in parts], np.int64),
        summed([part.final for part in parts]),
        summed([part.forecast for part in parts]),
        summed([part.forecasts for part in parts], np.int64),
    )


@dataclass(frozen=True)
class Statistic:
    """One answer row's numbers: a lead (its index), a bucket (its start, or ``None``)."""

    lead: int
    bucket: int | None
    count: int
    bias: float
    mae: float
    rmse: float
    mape: float | None


def statistics(
    totals: Totals, *, mean: bool, scale: int, buckets: Ints | None, bound: int
) -> list[Statistic]:
    """The error statistics of one group's ``totals``, per lead and bucket (ascending).

    A target counts at a lead only where every series with a final there had a forecast. A
    mean kind's error is the totals' difference over the number of series (the divisor).
    ``buckets``: each target's bucket start (microseconds), ``None`` for the whole range.
    ``bound``: as ``combine``'s. Errors are at most twice it; each sum is taken in int64 where
    that many such errors (or their squares) fit, else as Python integers.
    """
    error, targets = 2 * bound, max(len(totals.targets), 1)
    wide = error * targets >= _INT64
    squares_wide = error * error * targets >= _INT64
    rows: list[Statistic] = []
    for lead in range(totals.forecast.shape[0]):
        compared = totals.forecasts[lead] == totals.finals
        if not compared.any():
            continue
        final = totals.final[compared]
        diff = totals.forecast[lead][compared] - final
        if wide:
            final, diff = final.astype(object), diff.astype(object)
        divisor = totals.finals[compared] if mean else np.ones(len(diff), dtype=np.int64)
        bucket = buckets[compared] if buckets is not None else np.zeros(len(diff), np.int64)
        order = np.lexsort((divisor, bucket))
        diff, final, divisor, bucket = diff[order], final[order], divisor[order], bucket[order]
        # runs of one bucket and divisor (summed apart), and of one bucket (an answer row each)
        new_day = np.concatenate(([True], bucket[1:] != bucket[:-1]))
        starts = np.flatnonzero(new_day | np.concatenate(([False], divisor[1:] != divisor[:-1])))
        days = np.flatnonzero(new_day).tolist()
        runs = [*np.flatnonzero(new_day[starts]).tolist(), len(starts)]
        sums = np.add.reduceat(diff, starts).tolist()
        absolute = np.add.reduceat(np.abs(diff), starts).tolist()
        base = diff.astype(object) if squares_wide and not wide else diff
        squares = np.add.reduceat(base * base, starts).tolist()
        divisors = divisor[starts].tolist()
        terms = _ratio_terms(diff, final, exact_floats=error < _FLOAT)
        for day, (lo, hi) in enumerate(itertools.pairwise([*days, len(diff)])):
            parts = range(runs[day], runs[day + 1])
            count = hi - lo
            rows.append(
                Statistic(
                    lead,
                    int(bucket[lo]) if buckets is not None else None,
                    count,
                    _mean([(sums[p], divisors[p]) for p in parts], count, scale),
                    _mean([(absolute[p], divisors[p]) for p in parts], count, scale),
                    _root([(squares[p], divisors[p] ** 2) for p in parts], count, scale),
                    terms(lo, hi),
                )
            )
    return rows


def _mean(sums: list[tuple[int, int]], count: int, scale: int) -> float:
    """The float nearest ``sum(total / divisor) / count / scale``."""
    if len(sums) == 1 and sums[0][1] == 1:
        return sums[0][0] / (count * scale)  # int / int: correctly rounded
    return float(
        sum((Fraction(total, divisor) for total, divisor in sums), Fraction()) / (count * scale)
    )


def _root(sums: list[tuple[int, int]], count: int, scale: int) -> float:
    """The float nearest ``sqrt(sum(total / divisor) / count) / scale`` (60 digits, rounded)."""
    exact = sum((Fraction(t, d) for t, d in sums), Fraction()) / (count * scale * scale)
    return float(_SQRT.divide(exact.numerator, exact.denominator).sqrt(_SQRT))


def _ratio_terms(
    diff: Sums, final: Sums, *, exact_floats: bool
) -> Callable[[int, int], float | None]:
    """``terms(lo, hi)``: the mean absolute percentage error of rows ``[lo, hi)``, or ``None``.

    Each target's |diff| / |final| (finals of 0 left out) is its float quotient plus the float
    of its remainder, exact to about 2**-105 of it: the product of the quotient and the final
    is split into two floats (Dekker), and the remainder divided again. ``math.fsum`` adds all
    those parts up; it and what its rounding left out make the mean, rounded once. Unless
    ``exact_floats`` (every magnitude below 2**53), the integers are not all floats exactly:
    their quotients are added as fractions instead.
    """
    nonzero = final != 0
    if not exact_floats:
        ratios = [
            Fraction(abs(int(d)), abs(int(f))) if f else None
            for d, f in zip(diff.tolist(), final.tolist(), strict=True)
        ]

        def exact_terms(lo: int, hi: int) -> float | None:
            chosen = [r for r in ratios[lo:hi] if r is not None]
            return float(100 * sum(chosen) / len(chosen)) if chosen else None

        return exact_terms
    d = np.abs(diff[nonzero]).astype(np.float64)
    f = np.abs(final[nonzero]).astype(np.float64)
    quotient = d / f
    product = quotient * f
    q_hi, q_lo = _halves(quotient)
    f_hi, f_lo = _halves(f)
    error = ((q_hi * f_hi - product) + q_hi * f_lo + q_lo * f_hi) + q_lo * f_lo
    remainder = ((d - product) - error) / f
    # positions of the nonzero finals, to find each row range's share of the terms
    index = np.concatenate(([0], np.cumsum(nonzero)))
    quotients, remainders = quotient.tolist(), remainder.tolist()

    def terms(lo: int, hi: int) -> float | None:
        a, b = int(index[lo]), int(index[hi])
        if a == b:
            return None
        parts = quotients[a:b] + remainders[a:b]
        total = math.fsum(parts)
        parts.append(-total)
        exact = Fraction(total) + Fraction(math.fsum(parts))  # what rounding total left out
        return float(exact * 100 / (b - a))

    return terms


def _halves(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Veltkamp's split: ``hi + lo == x``, each with at most 26 significant bits."""
    c = _SPLIT * x
    hi = c - (c - x)
    return hi, x - hi
