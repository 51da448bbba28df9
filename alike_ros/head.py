# Copyright 2026 alike_ros maintainers
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Stage 2, description: descriptors computed only at the keypoints, exactly.

The public model builds a dense dim-channel map D = head(concat(up_s(f_s))), L2-normalises it
per pixel and samples it bilinearly at each keypoint. Here D is evaluated only at the four
pixels around each keypoint, from the four feature maps stage 1 returns (f1 at full
resolution, f2, f3, f4 at 1/2, 1/8, 1/32, upsampled bilinearly with align_corners=True to the
network input size): normalise, blend with the bilinear weights, normalise again. Same
arithmetic as the dense path, a few thousand pixels instead of a few hundred thousand.
"""

import numpy as np

from alike_ros.dkd import bilinear_taps


def _axis_taps(coords, n_in, n_out):
    # align_corners=True: output coordinate c reads input position c * (n_in - 1) / (n_out - 1).
    scale = np.float32((n_in - 1) / (n_out - 1)) if n_out > 1 else np.float32(0)
    pos = coords.astype(np.float32) * scale
    i0 = np.minimum(pos.astype(np.intp), n_in - 1)
    frac = pos - i0
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, frac


def upsampled_at(feat, rows, cols, out_h, out_w):
    """Values of feat (C x h x w) upsampled to out_h x out_w, at integer pixels (rows, cols).

    Returns C x M float32.
    """
    c, h, w = feat.shape
    flat = feat.reshape(c, -1)
    if (h, w) == (out_h, out_w):
        return flat[:, rows * w + cols]
    y0, y1, fy = _axis_taps(rows, h, out_h)
    x0, x1, fx = _axis_taps(cols, w, out_w)
    top = flat[:, y0 * w + x0] * (1 - fx) + flat[:, y0 * w + x1] * fx
    bottom = flat[:, y1 * w + x0] * (1 - fx) + flat[:, y1 * w + x1] * fx
    return top * (1 - fy) + bottom * fy


def _normalise(v, axis):
    n = np.linalg.norm(v, axis=axis, keepdims=True)
    return v / np.maximum(n, np.float32(1e-12))


class DescriptorHead:
    """The head of one exported model: w_desc (D x dim) and, for alike-l, w_hidden."""

    def __init__(self, w_desc, w_hidden=None):
        self.w_desc = np.ascontiguousarray(w_desc, np.float32)
        self.w_hidden = None if w_hidden is None else np.ascontiguousarray(w_hidden, np.float32)

    @classmethod
    def load(cls, path):
        with np.load(path) as data:
            return cls(data['w_desc'], data['w_hidden'] if 'w_hidden' in data else None)

    @property
    def size(self):
        return self.w_desc.shape[0]

    def dense_at(self, feats, rows, cols, net_h, net_w):
        """Unnormalised descriptors D at integer pixels: D x M."""
        x = np.concatenate([upsampled_at(f, rows, cols, net_h, net_w) for f in feats])
        if self.w_hidden is not None:
            x = np.maximum(self.w_hidden @ x, 0)
        return self.w_desc @ x

    def describe(self, feats, xy, height, width):
        """N x D unit descriptors at keypoints xy (pixels of the H x W cropped maps)."""
        if len(xy) == 0:
            return np.zeros((0, self.size), np.float32)
        net_h, net_w = feats[0].shape[1:]
        idx, wts = bilinear_taps(xy, height, width)
        rows, cols = np.divmod(idx.reshape(-1), width)
        dense = _normalise(self.dense_at(feats, rows, cols, net_h, net_w), axis=0)
        n = len(xy)
        blended = (dense.reshape(-1, 4, n) * wts[None]).sum(axis=1)
        return np.ascontiguousarray(_normalise(blended, axis=0).T)
