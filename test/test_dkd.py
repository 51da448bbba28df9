# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Stage-2 steps on small hand-made score maps."""

import numpy as np
import pytest

from alike_ros import dkd


def peaks(shape, points, value=0.9, background=0.01):
    s = np.full(shape, background, np.float32)
    for (y, x), v in zip(points, np.broadcast_to(value, len(points))):
        s[y, x] = v
    return s


def kept(s, iterations=1):
    """Kept maxima above the flat background (a flat region is a plateau of maxima)."""
    keep = dkd.remove_border(dkd.nms(s, 2, iterations), 2)
    return sorted(map(tuple, np.argwhere(keep & (s > 0.05)).tolist()))


def test_nms_keeps_isolated_maxima_and_suppresses_neighbours():
    s = peaks((20, 20), [(8, 8), (8, 10), (14, 5)], [0.9, 0.5, 0.7])
    assert (8, 10) not in kept(s)
    assert {(8, 8), (14, 5)} <= set(kept(s))


def test_nms_tie_keeps_both_plateau_pixels():
    # Equal values are both local maxima (== comparison), as in the public code.
    s = peaks((20, 20), [(8, 8), (8, 9)], 0.8)
    assert {(8, 8), (8, 9)} <= set(kept(s))


def test_suppression_iteration_recovers_hidden_maximum():
    # (10, 12) is suppressed by (10, 10) in plain NMS; (10, 14) is not a 5x5 maximum either
    # (its window holds (10, 12)); after suppressing (10, 10)'s window it becomes one.
    s = peaks((24, 24), [(10, 10), (10, 12), (10, 14)], [0.9, 0.8, 0.7])
    assert (10, 14) not in kept(s, iterations=0)
    assert (10, 14) in kept(s, iterations=1)


def test_graph_max_filter_equals_host_max_filter():
    rng = np.random.default_rng(0)
    s = rng.random((33, 47), dtype=np.float32)
    three = dkd.max_filter(dkd.max_filter(s, 1), 1)
    np.testing.assert_array_equal(three, dkd.max_filter(s, 2))
    np.testing.assert_array_equal(dkd.nms(s, 2, 1, three), dkd.nms(s, 2, 1))


def test_border_rows_and_columns_are_dropped():
    # 30 x 30, radius 2: rows/cols 0..2 and 28..29 are dropped.
    inside = [(3, 20), (27, 10), (20, 3), (10, 27)]
    outside = [(2, 10), (28, 20), (10, 2), (20, 28)]
    assert kept(peaks((30, 30), inside + outside)) == sorted(inside)


def test_empty_map_gives_empty_result():
    s = np.zeros((16, 16), np.float32)
    keep = dkd.remove_border(dkd.nms(s, 2, 1), 2)
    idx = dkd.select(keep, s, -1, 0.2, 100)
    assert idx.size == 0
    assert dkd.refine(s, idx).shape == (0, 2)
    assert dkd.sample_scores(s, dkd.refine(s, idx)).shape == (0,)


def test_threshold_falls_back_to_mean():
    s = peaks((20, 20), [(6, 6), (12, 12)], [0.15, 0.1], background=0.02)
    keep = dkd.remove_border(dkd.nms(s, 2, 1), 2)
    idx = dkd.select(keep, s, -1, 0.2, 100)  # nothing above 0.2: use the mean (~0.02)
    assert sorted(idx) == [6 * 20 + 6, 12 * 20 + 12]


def test_n_limit_keeps_best():
    s = peaks((30, 30), [(5, 5), (5, 15), (15, 5), (15, 15)], [0.5, 0.9, 0.7, 0.6])
    keep = dkd.remove_border(dkd.nms(s, 2, 1), 2)
    idx = dkd.select(keep, s, -1, 0.2, 2)
    assert set(idx) == {5 * 30 + 15, 15 * 30 + 5}


def test_top_k_larger_than_candidates_returns_candidates_best_first():
    s = peaks((30, 30), [(5, 5), (5, 15), (15, 5)], [0.5, 0.9, 0.7], background=0.0)
    keep = dkd.remove_border(dkd.nms(s, 2, 1), 2)
    idx = dkd.select(keep, s, 10, 0.2, 100)
    assert list(idx) == [5 * 30 + 15, 15 * 30 + 5, 5 * 30 + 5]


def test_refine_symmetric_peak_stays_and_skewed_peak_moves():
    s = peaks((20, 20), [(10, 10)], 0.9, background=0.0)
    xy = dkd.refine(s, np.array([10 * 20 + 10]))
    np.testing.assert_allclose(xy, [[10, 10]], atol=1e-6)
    s[10, 11] = 0.9  # plateau to the right: offset half-way
    xy = dkd.refine(s, np.array([10 * 20 + 10]))
    assert 10.4 < xy[0, 0] < 10.6 and abs(xy[0, 1] - 10) < 1e-6
    assert dkd.refine(s, np.array([10 * 20 + 10]), sub_pixel=False).tolist() == [[10, 10]]


def test_bilinear_sampling_matches_hand_computation():
    s = np.arange(20, dtype=np.float32).reshape(4, 5)
    got = dkd.sample_scores(s, np.array([[1.5, 2.25], [4.0, 3.0]], np.float32))
    np.testing.assert_allclose(got, [2.25 * 5 + 1.5, 19.0])


def reference_nms(s, radius, iterations):
    """Compute the public simple_nms plainly: max-pools with -inf padding, zeroed scores."""
    def max_pool(x):
        padded = np.pad(x, radius, constant_values=-np.inf)
        win = np.lib.stride_tricks.sliding_window_view(padded, (2 * radius + 1,) * 2)
        return win.max(axis=(2, 3))
    max_mask = s == max_pool(s)
    for _ in range(iterations):
        supp_mask = max_pool(max_mask.astype(np.float32)) > 0
        supp_scores = np.where(supp_mask, np.float32(0), s)
        new_max_mask = supp_scores == max_pool(supp_scores)
        max_mask = max_mask | (new_max_mask & ~supp_mask)
    return max_mask


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('iterations', [0, 1, 2])
def test_nms_equals_the_public_definition(seed, iterations):
    rng = np.random.default_rng(seed)
    s = rng.random((37, 53), dtype=np.float32)
    if seed % 2:  # few levels, zeros and ones: plateaus and ties everywhere
        s = np.round(s * 4) / np.float32(4)
    np.testing.assert_array_equal(dkd.nms(s, 2, iterations), reference_nms(s, 2, iterations))


def test_refine_with_the_max_filter_equals_refine_without():
    rng = np.random.default_rng(3)
    s = rng.random((30, 40), dtype=np.float32)
    idx = dkd.select(dkd.remove_border(dkd.nms(s, 2, 1), 2), s, -1, 0.5, 100)
    assert len(idx) > 5
    np.testing.assert_array_equal(dkd.refine(s, idx, 2, True, dkd.max_filter(s, 2)),
                                  dkd.refine(s, idx, 2, True))
