# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
XFeat's stage 2, by the rules of the public detectAndCompute, in numpy/OpenCV.

- heatmap: softmax over the 65 logits of each 8x8 cell, dustbin dropped, depth-to-space;
- keypoints: pixels equal to their 5x5 max with heatmap > scores_th (integer positions);
- score: heatmap at the keypoint x reliability sampled bilinearly (zero padding); top_k;
- descriptors: the 4x4 bicubic taps (A = -0.75, zero padding) of the 1/8 map at each keypoint,
  each tap normalised, weighted, normalised again. The public code normalises the whole map
  first: the same numbers, as a tap's normalisation is the map's at that cell.

Sampling positions follow the public code's grid: x / (W - 1) * 2 - 1 with W the network
width, read with align_corners=False, so map column u = x * (W / 8) / (W - 1) - 0.5. Two of
its quirks are kept for parity: a keypoint at (0, 0) is dropped (the public code's padding
marker), and one on the last row or column scores 0 and is dropped (its nearest-neighbour
read rounds to outside the map).
"""

import functools

import cv2
import numpy as np

from alike_ros import dkd
from alike_ros.extractors import base

CELL = 8
BICUBIC_A = np.float32(-0.75)  # PyTorch's (and OpenCV's) cubic convolution constant
INSTANCE_NORM_EPS = 1e-5


def heatmap(logits, nchw):
    """Return the keypoint heatmap at full resolution, H x W float32, of the cell logits."""
    if nchw:  # 1 x 65 x h x w
        _, c, h, w = logits.shape
        flat = logits.reshape(c, h * w)
        e = np.exp(flat - flat.max(axis=0))
        cells = e[:c - 1] / e.sum(axis=0)
        return cells.reshape(CELL, CELL, h, w).transpose(2, 0, 3, 1).reshape(h * CELL, -1)
    _, h, w, c = logits.shape  # channels last
    flat = logits.reshape(h * w, c)
    e = np.exp(flat - flat.max(axis=1, keepdims=True))
    cells = e[:, :c - 1] / e.sum(axis=1, keepdims=True)
    return cells.reshape(h, w, CELL, CELL).transpose(0, 2, 1, 3).reshape(h * CELL, -1)


def grid_position(v, size, cells):
    """Map column (row) read by the public grid for pixel v of a `size`-wide network input."""
    g = np.float32(2) * (v.astype(np.float32) / np.float32(size - 1)) - np.float32(1)
    return ((g + np.float32(1)) * np.float32(cells) - np.float32(1)) / np.float32(2)


def _linear(t):
    return np.stack([1 - t, t], axis=1)


def _cubic(t):
    a = BICUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)


@functools.lru_cache(maxsize=16)
def axis_taps(size, cells, cubic):
    """
    Map indices and weights (n x size) of each integer pixel 0..size-1 along one axis.

    Bilinear (n = 2) or bicubic (n = 4, floor - 1 .. floor + 2) at grid_position; taps outside
    the map get weight 0 (zero padding) and a clamped index. Keypoints are integer pixels, so
    a table per network size replaces the per-keypoint arithmetic.
    """
    n, weights = (4, _cubic) if cubic else (2, _linear)
    p = grid_position(np.arange(size), size, cells)
    f = np.floor(p)
    w = weights((p - f).astype(np.float32)).T
    i = f.astype(np.intp) + np.arange(1 - n // 2, 1 + n - n // 2)[:, None]
    w[(i < 0) | (i >= cells)] = 0
    i = np.clip(i, 0, cells - 1)
    i, w = np.ascontiguousarray(i), np.ascontiguousarray(w)
    for a in (i, w):  # cached and shared: read-only
        a.flags.writeable = False
    return i, w


def taps(x, y, shape, size, cubic):
    """
    Flat map indices and weights (n^2 x N) at integer pixels x, y of a `size` input.

    Tap-major: every array operation runs along the keypoints (4x faster than N x 16).
    """
    (h, w), n = shape, 4 if cubic else 2
    ix, wx = axis_taps(size[1], w, cubic)
    iy, wy = axis_taps(size[0], h, cubic)
    idx = (iy[:, y] * w)[:, None, :] + ix[:, x][None, :, :]
    return idx.reshape(n * n, -1), (wy[:, y][:, None, :] * wx[:, x][None, :, :]).reshape(n * n, -1)


def describe(feats, xy, size, dense=False):
    """
    Return unit descriptors at integer keypoints from the h x w x 64 map of an (H, W) input.

    Each keypoint's 16 bicubic taps are normalised, weighted and summed, then the sum is
    normalised. When the taps outnumber the map's cells (above about 300 keypoints at VGA),
    each cell's norm is taken once and looked up: the same numbers. dense=True normalises the
    whole map first (the public code's order; kept to measure the difference).
    """
    h, w, c = feats.shape
    flat = feats.reshape(h * w, c)
    if dense:
        flat = flat / dkd.row_norms(flat)[:, None]
    idx, wts = taps(xy[:, 0].astype(np.intp), xy[:, 1].astype(np.intp), (h, w), size, True)
    rows = np.take(flat, idx.T, axis=0)  # N x 16 x c
    if not dense:
        norms = dkd.row_norms(rows.reshape(-1, c)).reshape(idx.T.shape) if idx.size < len(flat) \
            else dkd.row_norms(flat)[idx].T
        return dkd.normalise_rows(np.matmul((wts.T / norms)[:, None, :], rows)[:, 0])
    return dkd.normalise_rows(np.matmul(wts.T[:, None, :], rows)[:, 0])


class Stage2(base.Stage2):
    """XFeat: 1 x 1 x H x W instance-normalised grey in, integer keypoints, 64-D descriptors."""

    dense = False  # normalise each keypoint's taps, not the map

    @classmethod
    def prepare(cls, image, bgr=False, size=None):
        """
        Return the channel mean of the pixels (0..255), resized, instance-normalised.

        As the public code: the image (or `size`) is resized down to multiples of 32, bilinear
        without antialiasing (cv2.INTER_LINEAR on floats is F.interpolate's arithmetic), and
        the keypoints are scaled back; only an image under 32 pixels is zero-padded instead.
        The resize runs on the channel sum s = 3 m (bilinear is linear: the same as resizing
        the channels first), and the instance norm of m (eps 1e-5) is (s - mean) /
        sqrt(var + 9 eps).
        """
        image, _, _ = base.fit(image, False, None)  # checks; the channel order does not matter
        h, w = image.shape[:2]
        th, tw = (n // 32 * 32 or n for n in (size or (h, w)))
        grey = base.channel_sum(image)
        if (th, tw) != (h, w):
            grey = cv2.resize(grey, (tw, th), interpolation=cv2.INTER_LINEAR)
        blob = base.instance_normalised(grey, 9 * INSTANCE_NORM_EPS)
        return base.NetworkInput(blob, (th, tw), (w / tw, h / th))

    def run(self, outputs, config, valid, clock=base.no_clock, region=None):
        """NMS and threshold on the heatmap, score with the reliability, top_k, descriptors."""
        th, tw = valid
        if 'scores' in outputs:  # the TIDL form with the heatmap and its max in the graph
            heat = outputs['scores'][0, 0]
            heat_max = outputs['scores_max'][0, 0, :th, :tw]
        else:
            heat, heat_max = heatmap(outputs['logits'], self.nchw), None
        size = heat.shape  # the network input's (H, W): the public grid's normaliser
        heat = heat[:th, :tw]
        keep = dkd.nms(heat, self.spec.radius, 0, heat_max)
        keep &= heat > np.float32(config.scores_th)
        keep[0, 0] = False
        if tw == size[1]:
            keep[:, -1] = False
        if th == size[0]:
            keep[-1] = False
        if region is not None:
            keep &= region
        clock('nms')
        candidates = np.flatnonzero(keep)
        y, x = np.divmod(candidates, tw)
        reliability = outputs['reliability'].reshape(size[0] // CELL, size[1] // CELL)
        ridx, rwts = taps(x, y, reliability.shape, size, cubic=False)
        score_map = np.zeros(th * tw, np.float32)
        score_map[candidates] = heat.reshape(-1)[candidates] * np.einsum(
            'kn,kn->n', reliability.reshape(-1)[ridx], rwts)
        idx = dkd.select(keep, score_map.reshape(th, tw), config.top_k, 0.0, config.n_limit,
                         cell=config.spread_cell, most=config.spread_max)
        yk, xk = np.divmod(idx, tw)
        xy = np.stack([xk, yk], axis=1).astype(np.float32)
        clock('select_refine')
        feats = outputs['feats'][0]
        if self.nchw:
            feats = base.channels_last(feats)
        return xy, score_map[idx], describe(feats, xy, size, self.dense)


class DenseStage2(Stage2):
    """The seed paper's split, for benchmarks: the whole descriptor map normalised first."""

    dense = True
