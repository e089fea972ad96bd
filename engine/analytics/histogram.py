"""Log-scale duration histograms of the per-day summaries, and finding an order statistic's bucket in them.

A duration in seconds falls into one of these buckets (JSON keys, as text):

* ``ZERO`` (-2): exactly 0 s;
* ``SUB_SECOND`` (-1): more than 0 s and less than 1 s;
* ``i`` ≥ 0: ``[2 ** (i / 16), 2 ** ((i + 1) / 16))`` seconds — 16 buckets per doubling, so a bucket is
  2 ** (1/16) − 1 ≈ 4.4 % wide relative to its lower edge.

Any value inside a bucket is within one bucket width of the bucket's bounds, so a percentile read from the
histogram alone is off by at most 4.4 % of the value (at most 1 s below one second). The pages do better: they
use the histogram only to find the bucket and the rank inside it, then read the exact value from the fact table
within that narrow range (``engine.analytics.summary_figures``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

PER_DOUBLING = 16
ZERO = -2
SUB_SECOND = -1
RELATIVE_WIDTH = 2 ** (1 / PER_DOUBLING) - 1  # ≈ 0.0443
# The page's duration chart: edges in business hours (the last bucket is open-ended).
COARSE_EDGES_H = (0, 1, 2, 4, 8, 16, 24, 40, 80, 160)


def bucket_edge(index: int) -> float:
    """The lower edge (seconds) of log bucket ``index`` ≥ 0."""
    return float(2 ** (index / PER_DOUBLING))


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """``[low, high)`` seconds of a bucket (``ZERO`` is ``[0, 0]``)."""
    if bucket == ZERO:
        return 0.0, 0.0
    if bucket == SUB_SECOND:
        return 0.0, 1.0
    return bucket_edge(bucket), bucket_edge(bucket + 1)


def bucket_of(seconds: float) -> int:
    """The bucket of a duration; the edges are the same floats the SQL range reads compare with."""
    if seconds <= 0:
        return ZERO
    if seconds < 1:
        return SUB_SECOND
    index = max(0, math.floor(PER_DOUBLING * math.log2(seconds)))
    while index > 0 and seconds < bucket_edge(index):
        index -= 1
    while seconds >= bucket_edge(index + 1):
        index += 1
    return index


def add_value(histogram: dict[str, int], seconds: float | None, times: int = 1) -> None:
    """Count a value (None is not counted) ``times`` times (negative removes it); empty buckets are dropped."""
    if seconds is None:
        return
    key = str(bucket_of(seconds))
    count = histogram.get(key, 0) + times
    if count:
        histogram[key] = count
    else:
        histogram.pop(key, None)


def merge(histograms: Iterable[Mapping[str, int] | None]) -> dict[int, int]:
    """Sum histograms into ``{bucket: count}`` (buckets with a zero sum dropped)."""
    total: dict[int, int] = {}
    for histogram in histograms:
        for key, count in (histogram or {}).items():
            bucket = int(key)
            total[bucket] = total.get(bucket, 0) + int(count)
    return {b: n for b, n in total.items() if n}


def locate(histogram: Mapping[int, int], rank: int) -> tuple[int, int] | None:
    """The bucket holding the ``rank``-th smallest value (0-based) and its rank inside that bucket."""
    seen = 0
    for bucket in sorted(histogram):
        count = histogram[bucket]
        if rank < seen + count:
            return bucket, rank - seen
        seen += count
    return None


def estimate_order_statistic(histogram: Mapping[int, int], rank: int) -> float | None:
    """The ``rank``-th smallest value read from the histogram alone (values spread evenly in the bucket)."""
    found = locate(histogram, rank)
    if found is None:
        return None
    bucket, inside = found
    low, high = bucket_bounds(bucket)
    return low + (high - low) * (inside + 0.5) / histogram[bucket]


def percentile_ranks(total: int, fraction: float) -> tuple[int, int, float]:
    """The two ranks ``percentile_cont`` interpolates between, and the weight of the upper one."""
    position = (total - 1) * fraction
    low = int(position)
    return low, min(low + 1, total - 1), position - low
