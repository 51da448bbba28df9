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

"""camera_info undistortion, geometry on synthetic scenes with known motion, and tracks."""

import cv2
import numpy as np
import pytest

from alike_ros import geometry
from alike_ros.geometry.camera import CalibrationError, Camera
from alike_ros.tools import synthetic
from alike_ros.geometry.tracks import Tracker, Trails

CAMERAS = {
    'plumb_bob': ([520.9, 0, 325.1, 0, 521.0, 249.7, 0, 0, 1],
                  [0.2312, -0.7849, -0.0033, -0.0001, 0.9172]),
    'rational_polynomial': ([600.0, 0, 330.0, 0, 602.0, 238.0, 0, 0, 1],
                            [0.3, -0.4, 0.001, -0.002, 0.1, 0.05, -0.1, 0.08]),
    'equidistant': ([280.0, 0, 322.0, 0, 281.0, 243.0, 0, 0, 1],
                    [0.05, -0.01, 0.002, -0.001]),
}


@pytest.mark.parametrize('model', sorted(CAMERAS))
def test_undistortion_inverts_opencv_projection(model):
    k, d = CAMERAS[model]
    camera = Camera.from_fields(k, d, model, 640, 480)
    rng = np.random.default_rng(3)
    # Points over the whole field of view (beyond 60 degrees off-axis for the fisheye).
    reach = 2.0 if model == 'equidistant' else 0.6
    depth = rng.uniform(1, 9, 500)[:, None]
    points = np.c_[rng.uniform(-reach, reach, (500, 2)), np.ones(500)] * depth
    pixels = synthetic.project(camera, points)
    assert np.ptp(pixels[:, 0]) > 300  # the test reaches into the distorted periphery
    ideal = points[:, :2] / points[:, 2:]
    np.testing.assert_allclose(camera.normalised(pixels), ideal, atol=1e-9)
    np.testing.assert_allclose(camera.undistorted_pixels(pixels),
                               ideal * np.diag(camera.K)[:2] + camera.K[:2, 2], atol=1e-6)
    if model != 'equidistant':  # and the distortion was real
        assert np.abs(pixels - camera.undistorted_pixels(pixels)).max() > 5


@pytest.mark.parametrize('k, d, model, words', [
    ([0] * 9, [], 'plumb_bob', 'no intrinsics'),
    (CAMERAS['plumb_bob'][0], [0.1] * 5, 'kannala', "'kannala' is not supported"),
    (CAMERAS['plumb_bob'][0], [0.1] * 5, 'equidistant', 'equidistant needs 4'),
    (CAMERAS['plumb_bob'][0], [0.1] * 3, 'plumb_bob', 'needs 5'),
])
def test_unusable_calibration_says_why(k, d, model, words):
    with pytest.raises(CalibrationError, match=words):
        Camera.from_fields(k, d, model, 640, 480)


def test_empty_distortion_means_none():
    camera = Camera.from_fields(CAMERAS['plumb_bob'][0], [], '', 640, 480)
    assert camera.model == 'plumb_bob'
    np.testing.assert_allclose(camera.undistorted_pixels([[10.0, 20.0]]), [[10.0, 20.0]])


@pytest.mark.parametrize('noise', [0.0, 0.5, 1.0])
@pytest.mark.parametrize('outliers', [0.0, 0.25, 0.5])
def test_essential_recovers_known_motion(noise, outliers):
    r = synthetic.evaluate('essential', 'usac_default', noise, outliers, trials=10)
    assert r['failures'] == 0
    # Measured (20 scenes): <= 0.29 deg, <= 4.7 deg, recall >= 0.92; margins for 10 scenes.
    assert r['rotation_deg'] < 0.6, r
    assert r['translation_deg'] < 10.0, r
    assert r['recall'] > 0.85 and r['precision'] > 0.95, r


def test_essential_pose_convention_and_quaternion():
    s = synthetic.scene(np.random.default_rng(5), noise_px=0.0, outliers=0.0, rotation_deg=10)
    f = geometry.fit('essential', s.camera.normalised(s.pts0), s.camera.normalised(s.pts1),
                     'usac_default', 1.0, 0.999, 2000, 521.0)
    # X_cur = R X_prev + t: the same convention as the scene (and cv2.recoverPose).
    np.testing.assert_allclose(f.rotation, s.rotation, atol=1e-6)
    np.testing.assert_allclose(f.translation, s.translation / np.linalg.norm(s.translation),
                               atol=1e-5)
    x, y, z, w = geometry.quaternion_xyzw(f.rotation)
    np.testing.assert_allclose(geometry.rotation_from_quaternion(x, y, z, w), f.rotation,
                               atol=1e-9)
    assert abs(np.degrees(2 * np.arccos(w)) - 10.0) < 1e-4
    rvec, _ = cv2.Rodrigues(s.rotation)
    np.testing.assert_allclose(np.array([x, y, z]) / np.sin(np.radians(5)),
                               rvec.reshape(3) / np.linalg.norm(rvec), atol=1e-6)


@pytest.mark.parametrize('outliers', [0.0, 0.5])
def test_fundamental_finds_the_true_matches(outliers):
    r = synthetic.evaluate('fundamental', 'usac_default', 0.5, outliers, trials=10)
    assert r['failures'] == 0 and r['recall'] > 0.95 and r['precision'] > 0.95, r


def test_too_few_points_and_rho_outside_homography():
    p = np.random.default_rng(0).uniform(0, 640, (7, 2))
    assert geometry.fit('fundamental', p, p + 1) is None
    with pytest.raises(ValueError, match='rho fits homographies only'):
        geometry.fit('fundamental', np.r_[p, p], np.r_[p, p] + 1, 'rho')
    with pytest.raises(ValueError, match='camera_info'):
        geometry.fit('essential', p, p + 1)


def test_tracks_carry_ids_through_inliers_only():
    tracker = Tracker()
    ids, ages = tracker.update(3)
    assert ids.tolist() == [0, 1, 2] and ages.tolist() == [1, 1, 1]
    # Current 0 <- previous 2 (inlier), current 1 <- previous 0 (outlier), current 2 new.
    ids, ages = tracker.update(3, np.array([[2, 0], [0, 1]]), np.array([1, 0]))
    assert ids.tolist() == [2, 3, 4] and ages.tolist() == [2, 1, 1]
    ids, ages = tracker.update(2, np.array([[0, 1]]), np.array([1]))
    assert ids.tolist() == [5, 2] and ages.tolist() == [1, 3]
    ids, ages = tracker.update(2)  # no valid model: every track starts anew
    assert ids.tolist() == [6, 7] and ages.tolist() == [1, 1]


def test_trails_keep_the_last_positions_of_live_tracks():
    trails = Trails(3)
    for step in range(5):
        out = trails.update(np.array([7, 100 + step], np.uint64), [[step, 0], [0, step]])
    assert len(out) == 1  # track 7; the others lived one frame each
    np.testing.assert_array_equal(out[0], [[2, 0], [3, 0], [4, 0]])
