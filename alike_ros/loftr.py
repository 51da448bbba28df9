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

"""
Coarse LoFTR (distilled, ONNX): dense matching of two images on a 30 x 40 grid of 16 px cells.

Inputs are resized to the model's 640x480 grey / 255; a match is a cell pair whose dual-softmax
confidence exceeds a threshold and is the maximum of its row and of its column. A match is placed
at the centres of its cells: cell i spans pixels (i mod 40, i div 40) * 16 + [0, 15] of the
model's input (the authors' demo reports the corner, * 16), so its centre is * 16 + 7.5,
scaled back to each image.
"""

import cv2
import numpy as np

from alike_ros.paths import shared_dir
from alike_ros.onnx_model import OnnxModel

GRID_W, GRID_H, CELL = 40, 30, 16
MODEL_W, MODEL_H = GRID_W * CELL, GRID_H * CELL


def default_model():
    """Return the shared ONNX model (../shared/weights/coarse_loftr)."""
    return shared_dir() / 'weights' / 'coarse_loftr' / 'LoFTR_teacher.onnx'


def cell_pixels(index, width, height):
    """Pixel positions (N x 2) of cell centres, in an image of width x height."""
    xy = np.stack([index % GRID_W, index // GRID_W], axis=1).astype(np.float32) * CELL
    # Pixel centres: the model's (u + 0.5) maps to the image's (u + 0.5) * scale.
    return (xy + CELL / 2) * np.float32([width / MODEL_W, height / MODEL_H]) - 0.5


def mutual_matches(conf, threshold=0.01):
    """Cell pairs (M x 2) above `threshold` that are the maximum of their row and column."""
    rows = conf.argmax(axis=1)
    best = conf[np.arange(len(conf)), rows]
    keep = (best > threshold) & (best >= conf.max(axis=0)[rows])
    i0 = np.flatnonzero(keep)
    return np.stack([i0, rows[i0]], axis=1).astype(np.int32), best[i0].astype(np.float32)


def _grey(image, bgr):
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY if bgr else cv2.COLOR_RGB2GRAY)
    small = cv2.resize(image, (MODEL_W, MODEL_H), interpolation=cv2.INTER_AREA)
    return (small.astype(np.float32) / np.float32(255))[None, None]


class CoarseLoftr:
    """The matcher: two uint8 images in, matched pixel positions out."""

    def __init__(self, path=None, provider='cpu', threads=2, log=None):
        self.session = OnnxModel(path or default_model(), provider, threads, log=log).session
        self.output = self.session.get_outputs()[0].name

    def match(self, image0, image1, threshold=0.01, bgr=False):
        """Return (M x 2 cell pairs, points in image0, points in image1, confidences)."""
        conf = self.session.run([self.output], {'img0': _grey(image0, bgr),
                                                'img1': _grey(image1, bgr)})[0][0]
        pairs, scores = mutual_matches(conf, threshold)
        p0 = cell_pixels(pairs[:, 0], image0.shape[1], image0.shape[0])
        p1 = cell_pixels(pairs[:, 1], image1.shape[1], image1.shape[0])
        return pairs, p0, p1, scores
