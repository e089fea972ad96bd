"""Log-scale duration histograms: bucket edges, counting in and out, and percentiles read from them."""

from __future__ import annotations

import random

import pytest

from engine.analytics.filters import interpolate
from engine.analytics.histogram import (
    RELATIVE_WIDTH,
    SUB_SECOND,
    ZERO,
    add_value,
    bucket_bounds,
    bucket_of,
    estimate_order_statistic,
    locate,
    merge,
    percentile_ranks,
)


def test_every_value_falls_inside_its_bucket_bounds():
    rng = random.Random(3)
    values = [0.0, 0.5, 1.0, 3600.0, 2.0**20, *(rng.lognormvariate(9, 2.5) for _ in range(5000))]
    for value in values:
        bucket = bucket_of(value)
        low, high = bucket_bounds(bucket)
        if bucket == ZERO:
            assert value == 0
        elif bucket == SUB_SECOND:
            assert 0 < value < 1
        else:
            assert low <= value < high
            assert high / low - 1 == pytest.approx(RELATIVE_WIDTH)
    assert bucket_of(1.0) == 0 and bucket_of(2.0) == 16 and RELATIVE_WIDTH < 0.045


def test_counting_in_and_out_leaves_no_empty_buckets():
    histogram: dict[str, int] = {}
    add_value(histogram, 7200.0)
    add_value(histogram, 7201.0)
    add_value(histogram, None)
    assert histogram == {str(bucket_of(7200.0)): 2}
    add_value(histogram, 7200.0, -1)
    add_value(histogram, 7201.0, -1)
    assert histogram == {}
    assert merge([{"3": 2, "5": 1}, {"3": -2}, None]) == {5: 1}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentile_from_the_histogram_is_within_one_bucket(seed):
    rng = random.Random(seed)
    values = sorted(
        rng.expovariate(1 / 20000) + rng.choice([0, 0, 100000]) for _ in range(rng.randrange(1, 3000))
    )
    histogram: dict[str, int] = {}
    for value in values:
        add_value(histogram, value)
    merged = merge([histogram])
    for fraction in (0.1, 0.5, 0.9, 0.99):
        low, high, weight = percentile_ranks(len(values), fraction)
        # the histogram locates the exact order statistics percentile_cont interpolates between
        for rank in (low, high):
            bucket, inside = locate(merged, rank)
            b_low, b_high = bucket_bounds(bucket)
            assert b_low <= values[rank] < b_high
            assert sum(n for b, n in merged.items() if b < bucket) + inside == rank
        a, b = estimate_order_statistic(merged, low), estimate_order_statistic(merged, high)
        estimate = a + (b - a) * weight
        exact = interpolate(values, fraction)
        assert abs(estimate - exact) <= RELATIVE_WIDTH * exact + 1.0  # the stated error: 4.4 % (or 1 s)
    assert locate(merged, len(values)) is None
