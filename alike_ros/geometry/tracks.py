# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Track identities through frames, and the recent positions the overlay draws.

A VO back-end wants a landmark's observations under one id for as long as it is visible. Two
passes per frame: inlier matches with the previous frame carry its ids on; then the active
tracks still unclaimed (not matched this frame, or missed in up to `max_missed` frames
before) are looked for among the unclaimed keypoints near where the frame-to-frame motion
(a homography fitted to the inliers) puts them, and taken when track and keypoint are each
other's most similar descriptor there, above `min_similarity`.

With a `budget`, only that many keypoints per frame carry tracks, chosen as a KLT front-end
keeps its corners: the continuations first, then new tracks by score, at least `spacing` px
from those taken. The others get id UNTRACKED (age 0) and the next frame is matched against
the chosen ones only, so a track does not end because its point fell out of the top scores.
"""

import cv2
import numpy as np


# Track id of a keypoint that carries no track (outside the budget); real ids start at 1.
UNTRACKED = 0

# The prediction only has to land inside the window: a least-squares homography of this many
# inlier pairs, spread over the list, is as good as of all of them and costs a fifth.
PREDICTION_POINTS = 128


def motion_prediction(points0, points1):
    """Least-squares homography of inlier pairs (N x 2 each): where points move; None if < 4."""
    if len(points0) < 4:
        return None
    step = max(1, len(points0) // PREDICTION_POINTS)
    matrix, _ = cv2.findHomography(np.asarray(points0[::step], np.float64),
                                   np.asarray(points1[::step], np.float64), 0)
    return matrix


# near_pairs finds a column's run of cells in a table when it has at most this many cells (a
# VGA image at a 16 px window: 1500); spread-out or far-off points binary-search instead.
TABLE_CELLS = 1 << 16


def near_pairs(points_a, points_b, radius):
    """
    Return (a indices, b indices) of the point pairs at most `radius` apart.

    Points of b are bucketed into square cells of `radius` (one sort); each point of a looks
    in its cell and the 8 around it, so the cost grows with the pairs, not with |a| x |b|.
    A cell's key is column * stride + row, so the three cells of a column around a point are
    one run of keys: found in a table of where each key's run starts (two rings of empty cells
    around b's keep every look-up inside it), or by binary search where the table would be
    large. Pairs come in a's order, then by b's cell (column, then row; cells counted from the
    lowest x and y of b's points within reach of a's), then in b's order.
    """
    none = np.zeros(0, np.intp)
    a = np.asarray(points_a, np.float64).reshape(-1, 2)
    b = np.asarray(points_b, np.float64).reshape(-1, 2)
    if len(a) == 0 or len(b) == 0 or radius <= 0:
        return none, none
    # 1-D coordinates: reductions and gathers along a contiguous axis are the cheap ones.
    ax, ay, bx, by = (np.ascontiguousarray(v) for v in (a[:, 0], a[:, 1], b[:, 0], b[:, 1]))
    # Only b's points within reach of a's (a track predicted far off, NaN) are bucketed.
    reach = np.isfinite(ax) & np.isfinite(ay)
    if not reach.any():
        return none, none
    ib_of = np.flatnonzero((bx >= ax[reach].min() - radius) & (bx <= ax[reach].max() + radius)
                           & (by >= ay[reach].min() - radius) & (by <= ay[reach].max() + radius))
    if len(ib_of) == 0:
        return none, none
    bx, by = bx[ib_of], by[ib_of]
    x0, y0 = bx.min(), by.min()
    col_b = np.floor((bx - x0) / radius).astype(np.intp)
    row_b = np.floor((by - y0) / radius).astype(np.intp)
    cols, rows = int(col_b.max()) + 1, int(row_b.max()) + 1
    stride = rows + 4
    cells = (cols + 4) * stride
    keys_b = (col_b + 2) * stride + row_b + 2
    # Stable sort: numpy sorts 16-bit integers by radix (linear), wider ones by merging.
    order = np.argsort(keys_b.astype(np.int16) if cells < 2 ** 15 else keys_b, kind='stable')
    # a's cells clipped to one ring around b's: farther points have nothing near anyway.
    with np.errstate(invalid='ignore'):  # a non-finite point of a: any cell, no pair
        col_a = np.clip(np.floor((ax - x0) / radius).astype(np.intp), -1, cols)
        row_a = np.clip(np.floor((ay - y0) / radius).astype(np.intp), -1, rows)
    centre = (col_a + 2) * stride + row_a + 2
    columns = (centre[:, None] + np.array([-stride, 0, stride])).reshape(-1)
    if cells <= TABLE_CELLS:
        start = np.zeros(cells + 1, np.intp)
        np.cumsum(np.bincount(keys_b, minlength=cells), out=start[1:])
        lo = start[columns - 1]
        counts = start[columns + 2] - lo
    else:
        sorted_keys = keys_b[order]
        lo = np.searchsorted(sorted_keys, columns - 1, 'left')
        counts = np.searchsorted(sorted_keys, columns + 1, 'right') - lo
    total = int(counts.sum())
    if total == 0:
        return none, none
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    ia = np.repeat(np.arange(len(a)), counts.reshape(-1, 3).sum(axis=1))
    ib = order[np.arange(total) + starts]
    dx, dy = ax[ia] - bx[ib], ay[ia] - by[ib]
    close = np.flatnonzero(dx * dx + dy * dy <= radius * radius)
    return ia[close], ib_of[ib[close]]


def window_pairs(predicted, keypoints, track_desc, desc, window_px, min_similarity):
    """
    Mutual best (track, keypoint) pairs within `window_px` of the prediction.

    predicted: T x 2 predicted track positions, keypoints: K x 2; descriptors are unit rows.
    Returns (track indices, keypoint indices).
    """
    ki, ti = near_pairs(keypoints, predicted, window_px)  # bucket the (more) tracks: faster
    # np.take: row gathers at a third of fancy indexing's time.
    sims = np.einsum('ij,ij->i', np.take(track_desc, ti, axis=0), np.take(desc, ki, axis=0))
    good = sims >= min_similarity
    ti, ki, sims = ti[good], ki[good], sims[good]
    # Each track's and each keypoint's best similarity, without sorting (ufunc.at: linear).
    best_t = np.full(len(predicted), -np.inf, sims.dtype)
    np.maximum.at(best_t, ti, sims)
    best_k = np.full(len(keypoints), -np.inf, sims.dtype)
    np.maximum.at(best_k, ki, sims)
    mutual = (sims == best_t[ti]) & (sims == best_k[ki])
    ti, ki = ti[mutual], ki[mutual]
    # Exact ties (a track with two equally similar keypoints, or the reverse): the first.
    for side in (0, 1):
        first = np.unique((ti, ki)[side], return_index=True)[1]
        if len(first) < len(ti):
            keep = np.sort(first)
            ti, ki = ti[keep], ki[keep]
    return ti, ki


def top_up(keypoints, scores, taken, count, spacing):
    """
    Return indices of up to `count` keypoints not `taken`, by score, `spacing` px apart.

    Each is at least `spacing` px from every taken keypoint and from those chosen before it
    (greedy in score order, as goodFeaturesToTrack's minimum distance). Without `scores`, in
    the keypoints' order; `keypoints` may be None when `spacing` is 0.
    """
    free = np.flatnonzero(~taken)
    if count <= 0 or len(free) == 0:
        return np.zeros(0, np.intp)
    if scores is not None:
        free = free[np.argsort(-np.asarray(scores)[free], kind='stable')]
    if spacing <= 0:
        return free[:count]
    keypoints = np.asarray(keypoints, np.float32).reshape(-1, 2)
    radius = np.nextafter(spacing, 0)  # exactly `spacing` apart is far enough
    near, _ = near_pairs(keypoints[free], keypoints[taken], radius)
    ok = np.ones(len(free), bool)
    ok[near] = False
    free = free[ok]
    # Among the candidates only pairs closer than `spacing` matter: visit those greedily.
    a, b = near_pairs(keypoints[free], keypoints[free], radius)
    clash = a != b
    if not clash.any():
        return free[:count]
    neighbours = {}
    for i, j in zip(a[clash].tolist(), b[clash].tolist()):
        neighbours.setdefault(i, []).append(j)
    chosen, blocked = [], np.zeros(len(free), bool)
    for i in range(len(free)):
        if len(chosen) == count:
            break
        if blocked[i]:
            continue
        chosen.append(i)
        blocked[neighbours.get(i, [])] = True
    return free[chosen]


class Tracker:
    """
    Gives each keypoint of a stream a track id and an age (frames it was seen in, 1 = new).

    Ids increase from 1 and are never reused. With `window_px` 0 (or without descriptors)
    only inlier matches carry ids on, and a track ends the first frame it is not matched. With
    `budget` > 0 at most that many keypoints a frame carry tracks (module doc); `chosen` then
    says which, for matching the next frame.
    """

    def __init__(self, window_px=0.0, min_similarity=0.8, max_missed=0, budget=0,
                 spacing=0.0):
        self.window_px, self.min_similarity, self.max_missed = window_px, min_similarity, \
            max_missed
        self.budget, self.spacing = budget, spacing
        self.next_id = UNTRACKED + 1
        self.chosen = None  # the last frame's keypoints that carry tracks (None: all)
        # Active tracks: the previous frame's keypoints first (row i = keypoint i), then the
        # tracks missed there, at their predicted positions.
        self.ids = np.zeros(0, np.uint64)
        self.ages = np.zeros(0, np.uint32)
        self.xy = np.zeros((0, 2), np.float32)
        self.desc = None
        self.missed = np.zeros(0, np.int32)
        self.num_previous = 0

    @classmethod
    def from_config(cls, config, budget=None):
        """Build from a MatcherConfig's track_* settings (`budget`: instead of its own)."""
        return cls(config.track_window, config.track_min_similarity, config.track_max_missed,
                   config.track_budget if budget is None else budget,
                   config.track_min_distance)

    def settings(self):
        """Return what the tracker was built with (a node restarts tracks when they change)."""
        return (self.window_px, self.min_similarity, self.max_missed, self.budget,
                self.spacing if self.budget else None)

    def update(self, count, pairs=None, inliers=None, keypoints=None, descriptors=None,
               prediction=None, scores=None):
        """
        Return (ids, ages) of the current frame's `count` keypoints.

        `pairs` (M x 2: previous index, current index) with `inliers` (M flags) link it to
        the previous frame given to update; None (no valid model) starts every track anew.
        `keypoints` (count x 2) and unit `descriptors` enable the window pass; `prediction`
        (3 x 3, previous pixels -> current) moves the tracks' positions first; `scores`
        rank new tracks under a budget (else the keypoints' order).
        """
        rows = len(self.ids)
        track_of = np.full(count, -1, np.intp)  # current keypoint -> active track row
        claimed = np.zeros(rows, bool)
        if pairs is None:
            rows, claimed = 0, np.zeros(0, bool)
        elif len(pairs):
            links = np.asarray(pairs)[np.asarray(inliers, bool)]
            links = links[links[:, 0] < self.num_previous]
            links = links[self.ids[links[:, 0]] != UNTRACKED]  # outside the last budget
            track_of[links[:, 1]] = links[:, 0]
            claimed[links[:, 0]] = True
        window = self.window_px > 0 and descriptors is not None and keypoints is not None \
            and self.desc is not None and rows > 0
        predicted = self.xy[:rows]
        if window and prediction is not None:
            predicted = cv2.perspectiveTransform(
                predicted.reshape(-1, 1, 2).astype(np.float64),
                np.asarray(prediction, np.float64)).reshape(-1, 2).astype(np.float32)
        free_t = np.flatnonzero(~claimed & (self.ids[:rows] != UNTRACKED))
        free_k = np.flatnonzero(track_of < 0)
        if window and len(free_t) and len(free_k):  # no lost tracks or no free keypoints: skip
            ti, ki = window_pairs(predicted[free_t], np.asarray(keypoints)[free_k],
                                  np.take(self.desc, free_t, axis=0),
                                  np.take(descriptors, free_k, axis=0), self.window_px,
                                  self.min_similarity)
            track_of[free_k[ki]] = free_t[ti]
            claimed[free_t[ti]] = True
        ids = np.full(count, UNTRACKED, np.uint64)
        ages = np.zeros(count, np.uint32)
        has = track_of >= 0
        fresh = np.flatnonzero(~has)
        if self.budget > 0:
            within, fresh = self._within_budget(has, track_of, keypoints, scores)
            claimed[track_of[has & ~within]] = False  # over the budget: missed, not ended
            has = within
        ids[has] = self.ids[track_of[has]]
        ages[has] = self.ages[track_of[has]] + 1
        ids[fresh] = self.next_id + np.arange(len(fresh), dtype=np.uint64)
        ages[fresh] = 1
        self.next_id += len(fresh)
        self.chosen = ids != UNTRACKED if self.budget > 0 else None
        self._keep(ids, ages, keypoints, descriptors, predicted, claimed, window)
        return ids, ages

    def _within_budget(self, has, track_of, keypoints, scores):
        """Return (continuing, new) keypoints within the budget: the oldest tracks first."""
        cont = np.flatnonzero(has)
        if len(cont) > self.budget:
            cont = cont[np.argsort(-self.ages[track_of[cont]], kind='stable')[:self.budget]]
        taken = np.zeros(len(has), bool)
        taken[cont] = True
        fresh = top_up(keypoints, scores, taken, self.budget - len(cont),
                       self.spacing if keypoints is not None else 0.0)
        keep = np.zeros(len(has), bool)
        keep[cont] = True
        return keep, fresh

    def _keep(self, ids, ages, keypoints, descriptors, predicted, claimed, window):
        """Remember this frame's keypoints, and the unclaimed tracks for max_missed frames."""
        kept = np.flatnonzero(~claimed & (self.missed[:len(claimed)] < self.max_missed)
                              & (self.ids[:len(claimed)] != UNTRACKED)) \
            if window else np.zeros(0, np.intp)
        self.ids = np.concatenate([ids, self.ids[kept]]).astype(np.uint64)
        self.ages = np.concatenate([ages, self.ages[kept]]).astype(np.uint32)
        self.missed = np.concatenate([np.zeros(len(ids), np.int32), self.missed[kept] + 1])
        self.num_previous = len(ids)
        if keypoints is None or descriptors is None:
            self.xy, self.desc = np.zeros((len(ids), 2), np.float32), None
            return
        self.xy = np.concatenate([np.asarray(keypoints, np.float32),
                                  predicted[kept].astype(np.float32)])
        self.desc = np.concatenate([descriptors, self.desc[kept]]) if len(kept) \
            else np.array(descriptors)


class Trails:
    """
    The last `length` positions of each live track (for the overlay).

    Kept as one array aligned with the last frame's keypoints, so an update is a few numpy
    operations however many tracks there are (a dict of deques took 4 ms at 2000).
    """

    def __init__(self, length):
        self.length = length
        self.ids = np.zeros(0, np.uint64)
        self.history = np.zeros((0, length, 2), np.float32)  # oldest first, newest last
        self.count = np.zeros(0, np.intp)

    def update(self, ids, xy):
        """Add the current positions; forget tracks that ended; return the trails (k x 2)."""
        ids = np.asarray(ids, np.uint64)
        history = np.zeros((len(ids), self.length, 2), np.float32)
        count = np.ones(len(ids), np.intp)
        if len(self.ids) and len(ids):
            order = np.argsort(self.ids)
            at = np.minimum(np.searchsorted(self.ids, ids, sorter=order), len(order) - 1)
            prev = order[at]
            alive = (self.ids[prev] == ids) & (ids != UNTRACKED)
            history[alive, :-1] = self.history[prev[alive], 1:]
            count[alive] = np.minimum(self.count[prev[alive]] + 1, self.length)
        history[:, -1] = xy
        self.ids, self.history, self.count = ids, history, count
        return [history[i, self.length - count[i]:] for i in np.flatnonzero(count > 1)]
