# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers


"""The network input size: a camera's aspect ratio kept, its pixels bounded by a VGA frame's."""

import cv2
import numpy as np
import pytest

from alike_ros.config import DetectorConfig
from conftest import needs_shared


@pytest.mark.parametrize('height, width, want', [
    (480, 640, None),  # a VGA camera runs as it is (the model set-up exports)
    (240, 320, None),  # never scaled up
    (960, 1280, (480, 640)),  # 4:3: as many pixels as VGA
    (376, 1241, (305, 1007)),  # a driving camera: 0.81 of its size, not half
    (720, 1280, (415, 739)),
    (1080, 1920, (415, 739)),
])
def test_images_keep_their_aspect_ratio_within_a_vga_frames_pixels(height, width, want):
    cfg = DetectorConfig()
    got = cfg.network_size(height, width)
    assert got == want
    if got:
        assert got[0] * got[1] <= 640 * 480
        assert got[1] / got[0] == pytest.approx(width / height, rel=0.01)
    assert cfg.input_rule() == 'aspect kept, at most 307200 pixels'


def test_a_side_bound_a_fixed_size_and_the_native_size():
    side = DetectorConfig(input_max_pixels=0, input_max_side=640)
    assert side.network_size(376, 1241) == (194, 640)
    assert side.input_rule() == 'aspect kept, longer side <= 640'
    both = DetectorConfig(input_max_side=640)  # the tighter bound wins
    assert both.network_size(376, 1241) == (194, 640)
    assert both.network_size(960, 1280) == (480, 640)
    fixed = DetectorConfig(input_height=480, input_width=640)
    assert fixed.network_size(376, 1241) == (480, 640) and fixed.input_rule() == '480x640'
    native = DetectorConfig(input_max_pixels=0)
    assert native.network_size(1080, 1920) is None and native.input_rule() == 'native size'


@needs_shared
def test_a_wide_camera_is_detected_at_its_own_aspect_ratio():
    from alike_ros.detector import Detector
    from alike_ros.paths import tum_dir
    rgb = cv2.imread(str(sorted(tum_dir().glob('*.png'))[0]))[143:337, :, ::-1]
    wide = cv2.resize(np.ascontiguousarray(rgb), (1241, 376), interpolation=cv2.INTER_LINEAR)
    det = Detector(DetectorConfig())
    assert det.preprocess(wide).blob.shape[2:] == (320, 1024)  # 305 x 1007 padded to /32
    f = det.detect(wide)
    assert len(f.keypoints) > 100
    # Keypoints come back in the image's pixels, over its whole width and height.
    assert f.keypoints[:, 0].max() > 1100 and f.keypoints[:, 0].min() >= 0
    assert f.keypoints[:, 1].max() < 376 and f.keypoints[:, 1].max() > 300
