# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Stage 2, description: descriptors computed only at the keypoints, exactly.

The public model builds a dense dim-channel map D = head(concat(up_s(f_s))), L2-normalises it
per pixel and samples it bilinearly at each keypoint. Here D is evaluated only at the four
pixels around each keypoint, from the four feature maps stage 1 returns (f1 at full
resolution, f2, f3, f4 at 1/2, 1/8, 1/32, upsampled bilinearly with align_corners=True to the
network input size): normalise, blend with the bilinear weights, normalise again. Same
arithmetic as the dense path, a few thousand pixels instead of a few hundred thousand.
Feature maps are channels-last (h x w x C), so a gather reads one contiguous row per pixel.
"""

from pathlib import Path

import numpy as np

from alike_ros.dkd import bilinear_taps, normalise_rows, row_norms


def _axis_taps(coords, n_in, n_out):
    # align_corners=True: output coordinate c reads input position c * (n_in - 1) / (n_out - 1).
    scale = np.float32((n_in - 1) / (n_out - 1)) if n_out > 1 else np.float32(0)
    pos = coords.astype(np.float32) * scale
    i0 = np.minimum(pos.astype(np.intp), n_in - 1)
    # float32 - int64 would promote to float64, and every later step would run in it.
    frac = (pos - i0.astype(np.float32))[:, None]
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, frac


def upsampled_at(feat, rows, cols, out_h, out_w, out=None):
    """
    Values of feat (h x w x C) upsampled to out_h x out_w, at integer pixels (rows, cols).

    Returns M x C float32 (written into `out` when given).
    """
    h, w, c = feat.shape
    flat = feat.reshape(-1, c)
    if out is None:
        out = np.empty((len(rows), c), np.float32)
    if (h, w) == (out_h, out_w):
        return np.take(flat, rows * w + cols, axis=0, out=out)
    y0, y1, fy = _axis_taps(rows, h, out_h)
    x0, x1, fx = _axis_taps(cols, w, out_w)
    # One gather for the four taps (numpy's per-call overhead dominates at these sizes), then
    # a + f (b - a) in place on its rows.
    m = len(rows)
    t = np.take(flat, np.concatenate([y0 * w + x0, y0 * w + x1, y1 * w + x0, y1 * w + x1]),
                axis=0)
    a, b, c_, d = t[:m], t[m:2 * m], t[2 * m:3 * m], t[3 * m:]
    b -= a
    b *= fx
    a += b
    d -= c_
    d *= fx
    c_ += d
    c_ -= a
    c_ *= fy
    return np.add(a, c_, out=out)


class DescriptorHead:
    """
    The head of one exported model, as 1x1-convolution weights (out x in).

    w_desc (D x dim); w_hidden (dim x dim, alike-l's first head layer); w_feat1 (dim/4 x c1)
    when stage 1 returns block1's output instead of the first feature map.
    """

    def __init__(self, w_desc, w_hidden=None, w_feat1=None):
        def t(w):
            return None if w is None else np.ascontiguousarray(np.asarray(w, np.float32).T)
        self.w_desc_t, self.w_hidden_t, self.w_feat1_t = t(w_desc), t(w_hidden), t(w_feat1)

    @classmethod
    def load(cls, path):
        with np.load(path) as data:
            return cls(**{k: data[k] for k in ('w_desc', 'w_hidden', 'w_feat1') if k in data})

    @property
    def size(self):
        return self.w_desc_t.shape[1]

    def dense_at(self, feats, rows, cols, net_h, net_w):
        """Unnormalised descriptors D at integer pixels: M x D."""
        m, q = len(rows), feats[1].shape[2]
        x = np.empty((m, 4 * q), np.float32)  # the concatenated maps, filled in place
        if self.w_feat1_t is not None:
            # ReLU writes the contiguous product into its (strided) columns in one pass.
            first = upsampled_at(feats[0], rows, cols, net_h, net_w) @ self.w_feat1_t
            np.maximum(first, 0, out=x[:, :q])
        else:
            upsampled_at(feats[0], rows, cols, net_h, net_w, out=x[:, :q])
        for k in (1, 2, 3):
            upsampled_at(feats[k], rows, cols, net_h, net_w, out=x[:, k * q:(k + 1) * q])
        if self.w_hidden_t is not None:
            x = np.maximum(x @ self.w_hidden_t, 0)
        return x @ self.w_desc_t

    def describe(self, feats, xy, height, width):
        """
        N x D unit descriptors at keypoints xy (pixels of the H x W cropped maps).

        `feats` are the four channels-last feature maps; the first one is at network size.
        """
        n = len(xy)
        if n == 0:
            return np.zeros((0, self.size), np.float32)
        net_h, net_w = feats[0].shape[:2]
        idx, wts = bilinear_taps(xy, height, width)
        rows, cols = np.divmod(idx.reshape(-1), width)
        dense = self.dense_at(feats, rows, cols, net_h, net_w)
        # Normalising each pixel and weighting it are one row scale: one pass, not two.
        dense *= (wts.reshape(-1) / row_norms(dense))[:, None]
        return normalise_rows(dense.reshape(4, n, -1).sum(axis=0))


def head_path(onnx_path):
    """Sidecar of a stage-1 model with the descriptor-head weights stage 2 needs."""
    return Path(onnx_path).with_suffix('.head.npz')
