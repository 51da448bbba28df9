# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Stage 2's keypoint control for odometry: a static mask, an ROI, and spread per grid cell."""

import cv2
import numpy as np
import pytest

from alike_ros import dkd
from alike_ros.config import DetectorConfig
from alike_ros.detector import Detector, ModelFileError
from alike_ros.paths import shared_dir
from conftest import require_shared

require_shared()
FRAME = cv2.imread(str(sorted((shared_dir() / 'data' / 'tum').glob('*.png'))[0]))


def test_per_cell_keeps_the_best_of_each_cell():
    rng = np.random.default_rng(0)
    scores = rng.random((64, 96)).astype(np.float32)
    candidates = rng.choice(64 * 96, 2000, replace=False)
    chosen = dkd.per_cell(candidates, scores.reshape(-1)[candidates], 96, 16, 3)
    y, x = np.divmod(candidates, 96)
    cells = (y // 16) * 6 + x // 16
    for c in np.unique(cells):
        mine = cells == c
        assert chosen[mine].sum() == min(3, mine.sum())
        best = np.sort(scores.reshape(-1)[candidates[mine]])[::-1][:3]
        kept = np.sort(scores.reshape(-1)[candidates[mine & chosen]])[::-1]
        np.testing.assert_array_equal(kept, best)


@pytest.fixture(scope='module')
def detector():
    return Detector(DetectorConfig(model='alike-t'))


def _cell_counts(xy, cell):
    cells = (xy[:, 1] // cell).astype(int) * 1000 + (xy[:, 0] // cell).astype(int)
    return np.unique(cells, return_counts=True)[1]


def test_spread_caps_keypoints_per_cell(detector):
    # Without sub-pixel refinement keypoints are the selected pixels: cells count exactly.
    detector.update(sub_pixel=False)
    try:
        plain = detector.detect(FRAME, bgr=True)
        detector.update(spread_cell=32, spread_max=4)
        spread = detector.detect(FRAME, bgr=True)
    finally:
        detector.update(spread_cell=0, sub_pixel=True)
    assert _cell_counts(plain.keypoints, 32).max() > 4  # bunched on texture without it
    assert _cell_counts(spread.keypoints, 32).max() <= 4
    assert 0 < len(spread) < len(plain)
    # Each kept keypoint is one of the plain ones (spread only removes).
    d = np.abs(spread.keypoints[:, None] - plain.keypoints[None]).sum(axis=2).min(axis=1)
    assert d.max() < 1e-4


def test_spread_before_top_k_fills_k(detector):
    detector.update(top_k=300, spread_cell=32, spread_max=2, sub_pixel=False)
    try:
        spread = detector.detect(FRAME, bgr=True)
    finally:
        detector.update(top_k=-1, spread_cell=0, sub_pixel=True)
    assert len(spread) == 300
    assert _cell_counts(spread.keypoints, 32).max() <= 2


def test_roi_keeps_keypoints_inside(detector):
    detector.update(roi_x_offset=100, roi_y_offset=50, roi_width=300, roi_height=200)
    try:
        inside = detector.detect(FRAME, bgr=True)
    finally:
        detector.update(roi_x_offset=0, roi_y_offset=0, roi_width=0, roi_height=0)
    assert len(inside) > 50
    x, y = inside.keypoints.T
    assert x.min() >= 99 and x.max() <= 400 and y.min() >= 49 and y.max() <= 250


@pytest.mark.parametrize('model', ['alike-t', 'edgepoint2-T32'])
def test_mask_file_hides_the_masked_part(tmp_path, model):
    mask = np.full((240, 320), 255, np.uint8)  # any size: stretched to the frame
    mask[:, :160] = 0  # the left half, e.g. the robot's body
    path = tmp_path / 'mask.png'
    cv2.imwrite(str(path), mask)
    det = Detector(DetectorConfig(model=model, mask_file=str(path)))
    got = det.detect(FRAME, bgr=True)
    assert len(got) > 50 and got.keypoints[:, 0].min() >= 319


def test_unreadable_mask_stops_start_up(tmp_path):
    with pytest.raises(ModelFileError, match='mask_file .* is not a readable image'):
        Detector(DetectorConfig(mask_file=str(tmp_path / 'none.png')))
