# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
camera_info undistortion, geometry on synthetic scenes, keyframes and tracks.

Geometry with OpenCV and PoseLib on scenes of known motion; tracks on synthetic sequences
where each keypoint's 3D point is known.
"""

import cv2
import numpy as np
import pytest

from alike_ros import geometry
from alike_ros.config import MatcherConfig
from alike_ros.geometry.camera import CalibrationError, Camera
from alike_ros.geometry.keyframes import is_new_keyframe, shared_tracks, \
    translation_parallax_px
from alike_ros.geometry.tracks import near_pairs, top_up, Tracker, Trails, UNTRACKED, window_pairs
from alike_ros.lab import synthetic, track_study

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


@pytest.mark.parametrize('noise', [0.5, 1.0])
@pytest.mark.parametrize('outliers', [0.25, 0.5])
def test_poselib_essential_recovers_known_motion_at_least_as_well(noise, outliers):
    # robust_method auto for essential: PoseLib at 1.5 px (docs/motion.md).
    r = synthetic.evaluate('essential', 'poselib', noise, outliers, trials=10, threshold=1.5)
    cv = synthetic.evaluate('essential', 'usac_default', noise, outliers, trials=10,
                            threshold=1.5)
    assert r['failures'] == 0
    assert r['rotation_deg'] < 0.3 and r['translation_deg'] < 3.0, r
    assert r['recall'] > 0.8, r
    assert r['rotation_deg'] <= 1.2 * cv['rotation_deg'], (r, cv)


def test_refining_a_near_pose_finds_the_fit_and_a_far_one_is_refused():
    """The keyframe's motion refined from the frame before (FrontEnd): no sampling needed."""
    from alike_ros.geometry.poselib_fit import refine_essential
    s = synthetic.scene(np.random.default_rng(7), noise_px=0.5, outliers=0.2)
    xy0, xy1 = s.camera.normalised(s.pts0), s.camera.normalised(s.pts1)
    t_true = s.translation / np.linalg.norm(s.translation)
    # The motion of a frame before: 0.5 deg and 10 deg of direction away from this one's.
    nudge, _ = cv2.Rodrigues(np.radians([0.3, -0.3, 0.2]))
    t_prior = t_true + 0.17 * np.cross(t_true, [0.0, 0.0, 1.0])
    f = refine_essential(xy0, xy1, nudge @ s.rotation, t_prior / np.linalg.norm(t_prior),
                         1.5, s.camera.focal)
    assert f is not None
    # LO-RANSAC on this scene: 0.047 deg and 0.56 deg; refined from the prior: 0.036, 0.56.
    assert geometry.rotation_angle_deg(f.rotation.T @ s.rotation) < 0.045
    assert geometry.angle_between_deg(f.translation, t_true) < 0.7
    recall = (f.inliers.astype(bool) & s.inlier).sum() / s.inlier.sum()
    assert recall > 0.9 and (f.inliers.astype(bool) & ~s.inlier).sum() <= 0.02 * len(xy0)
    # A prior that explains too few pairs: None (the caller samples a fit instead).
    away, _ = cv2.Rodrigues(np.radians([0.0, 8.0, 0.0]))
    assert refine_essential(xy0, xy1, away @ s.rotation, -t_true, 1.5, s.camera.focal) is None


@pytest.mark.parametrize('method', ['usac_default', 'poselib'])
def test_essential_pose_convention_and_quaternion(method):
    s = synthetic.scene(np.random.default_rng(5), noise_px=0.0, outliers=0.0, rotation_deg=10)
    f = geometry.fit('essential', s.camera.normalised(s.pts0), s.camera.normalised(s.pts1),
                     method, 1.0, 0.999, 2000, 521.0)
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


@pytest.mark.parametrize('method', ['usac_default', 'poselib'])
@pytest.mark.parametrize('outliers', [0.0, 0.5])
def test_fundamental_finds_the_true_matches(outliers, method):
    r = synthetic.evaluate('fundamental', method, 0.5, outliers, trials=10)
    assert r['failures'] == 0 and r['recall'] > 0.95 and r['precision'] > 0.95, r


@pytest.mark.parametrize('method', ['ransac', 'poselib'])
def test_homography_of_a_plane(method):
    rng = np.random.default_rng(3)
    h = np.array([[1.02, 0.01, 5.0], [-0.01, 0.99, -3.0], [1e-5, 2e-5, 1.0]])
    p0 = rng.uniform(0, 640, (300, 2))
    p1 = cv2.perspectiveTransform(p0.reshape(-1, 1, 2), h).reshape(-1, 2)
    p1 += rng.normal(0, 0.3, p1.shape)
    p1[:60] = rng.uniform(0, 640, (60, 2))  # 20 % outliers
    f = geometry.fit('homography', p0, p1, method, 2.0)
    assert f.inliers[60:].mean() > 0.97 and f.inliers[:60].mean() < 0.05
    np.testing.assert_allclose(f.matrix / f.matrix[2, 2], h, rtol=0.02, atol=0.5)


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
    assert ids.tolist() == [1, 2, 3] and ages.tolist() == [1, 1, 1]  # 0 is UNTRACKED
    # Current 0 <- previous 2 (inlier), current 1 <- previous 0 (outlier), current 2 new.
    ids, ages = tracker.update(3, np.array([[2, 0], [0, 1]]), np.array([1, 0]))
    assert ids.tolist() == [3, 4, 5] and ages.tolist() == [2, 1, 1]
    ids, ages = tracker.update(2, np.array([[0, 1]]), np.array([1]))
    assert ids.tolist() == [6, 3] and ages.tolist() == [1, 3]
    ids, ages = tracker.update(2)  # no valid model: every track starts anew
    assert ids.tolist() == [7, 8] and ages.tolist() == [1, 1]


def test_a_track_budget_keeps_continuations_first_then_the_best_new_points_apart():
    desc = np.eye(6, dtype=np.float32)
    xy = np.array([[10, 10], [50, 50], [90, 90], [130, 130], [132, 130], [170, 170]],
                  np.float32)
    scores = np.array([0.1, 0.2, 0.9, 0.8, 0.85, 0.3])
    tracker = Tracker(window_px=8.0, max_missed=1, budget=3, spacing=4.0)
    ids, ages = tracker.update(6, None, None, xy, desc, None, scores)
    # No tracks yet: the best three by score, 4 (0.85) before 3 (0.8), which is then too
    # close to it.
    assert np.flatnonzero(ids).tolist() == [2, 4, 5]
    assert ages.tolist() == [0, 0, 1, 0, 1, 1] and tracker.chosen.tolist() == [
        False, False, True, False, True, True]
    assert set(ids[[0, 1, 3]].tolist()) == {UNTRACKED}
    # Next frame, moved out of the other tracks' windows: previous 5 continues at current 0
    # (inlier) though it scores lowest; the budget tops up with the best new points.
    ids2, ages2 = tracker.update(6, np.array([[5, 0]]), np.array([1]), xy + 100, desc,
                                 None, np.array([0.0, 0.5, 0.4, 0.3, 0.2, 0.1]))
    assert ids2[0] == ids[5] and ages2[0] == 2
    assert np.flatnonzero(ids2).tolist() == [0, 1, 2]
    # A link to a point outside the last budget carries no track.
    ids3, _ = tracker.update(1, np.array([[4, 0]]), np.array([1]), xy[:1], desc[:1],
                             None, np.ones(1))
    assert ids3[0] not in ids2.tolist()


def test_top_up_keeps_new_points_apart_from_tracked_ones_and_each_other():
    xy = np.array([[0, 0], [3, 0], [10, 0], [12, 0], [30, 0]], np.float32)
    taken = np.array([True, False, False, False, False])
    scores = np.array([1.0, 0.9, 0.5, 0.8, 0.1])
    # 1 is 3 px from the taken 0; 3 comes before 2 (score) and 2 is 2 px from it.
    assert top_up(xy, scores, taken, 5, 4.0).tolist() == [3, 4]
    assert top_up(xy, scores, taken, 1, 4.0).tolist() == [3]
    assert top_up(xy, scores, taken, 2, 0.0).tolist() == [1, 3]


def test_window_pairs_are_mutual_best_inside_the_window():
    desc = np.eye(4, dtype=np.float32)
    tracks = np.array([[0, 0], [100, 0], [200, 0]], np.float32)
    keypoints = np.array([[3, 0], [100, 30], [204, 0], [1, 1]], np.float32)
    kdesc = np.stack([desc[0], desc[1], desc[3], 0.9 * desc[0] + 0.1 * desc[2]])
    kdesc /= np.linalg.norm(kdesc, axis=1, keepdims=True)
    ti, ki = window_pairs(tracks, keypoints, desc[:3], kdesc, 10.0, 0.8)
    # Track 0: keypoint 0 (1.0) beats keypoint 3; track 1's keypoint is outside the window;
    # track 2's is near but not alike.
    assert ti.tolist() == [0] and ki.tolist() == [0]


def test_tracks_continue_through_a_missed_detection():
    desc = np.eye(3, dtype=np.float32)
    tracker = Tracker(window_px=8.0, min_similarity=0.8, max_missed=1)
    xy = np.array([[10, 10], [50, 50], [90, 90]], np.float32)
    ids, _ = tracker.update(3, None, None, xy, desc)
    # Frame 2: keypoint 1 is not detected; the others are matched as inliers.
    ids2, ages2 = tracker.update(2, np.array([[0, 0], [2, 1]]), np.array([1, 1]),
                                 xy[[0, 2]] + 1, desc[[0, 2]])
    assert ids2.tolist() == [ids[0], ids[2]] and ages2.tolist() == [2, 2]
    # Frame 3: keypoint 1 is back, no inlier links (matching missed it): the window finds it.
    ids3, ages3 = tracker.update(1, np.zeros((0, 2), int), np.zeros(0), xy[[1]] + 2,
                                 desc[[1]])
    assert ids3.tolist() == [ids[1]] and ages3.tolist() == [2]
    # Missed twice with max_missed 1: the track has ended.
    tracker.update(1, np.zeros((0, 2), int), np.zeros(0), xy[[1]], desc[[1]])
    tracker.update(1, np.zeros((0, 2), int), np.zeros(0), xy[[1]] + 400, desc[[2]])
    ids5, _ = tracker.update(1, np.zeros((0, 2), int), np.zeros(0), xy[[0]] + 2, desc[[0]])
    assert ids5[0] != ids[0]


def test_tracks_last_with_few_wrong_continuations_on_synthetic_sequences():
    config = MatcherConfig(geometry='essential')  # the defaults: window, similarity, misses
    windowed = track_study.synthetic(config, sequences=2)
    inliers_only = track_study.synthetic(
        config.with_changes(track_window=0.0, track_max_missed=0), sequences=2)
    # Measured (5 sequences): 0.29 % wrong, 4417 tracks of 10+ frames against 511.
    assert windowed['wrong_share'] <= 0.01, windowed
    assert windowed['tracks_10_or_longer'] >= 4 * inliers_only['tracks_10_or_longer']


def test_keyframe_parallax_ignores_rotation():
    rng = np.random.default_rng(1)
    points = np.c_[rng.uniform(-1, 1, (50, 2)), rng.uniform(2, 6, 50)]
    rotation, _ = cv2.Rodrigues(np.radians([1.0, 4.0, -2.0]))
    xy0 = points[:, :2] / points[:, 2:]
    turned = points @ rotation.T
    assert translation_parallax_px(rotation, xy0, turned[:, :2] / turned[:, 2:], 500) < 1e-6
    moved = turned + [0.1, 0, 0]
    parallax = translation_parallax_px(rotation, xy0, moved[:, :2] / moved[:, 2:], 500)
    assert 500 * 0.1 / 6 < parallax < 500 * 0.1 / 2
    assert is_new_keyframe(2.0, 0.9, 2.0, 0.5) and is_new_keyframe(0.1, 0.4, 2.0, 0.5)
    assert not is_new_keyframe(1.9, 0.9, 2.0, 0.5)


def test_shared_tracks_pair_the_points_of_one_track():
    k, c = shared_tracks(np.array([5, 9, 2, 7], np.uint64), np.array([7, 3, 5, 11], np.uint64))
    np.testing.assert_array_equal(np.c_[k, c], [[0, 2], [3, 0]])  # tracks 5 and 7
    k, c = shared_tracks(np.zeros(0, np.uint64), np.array([1, 2], np.uint64))
    assert len(k) == len(c) == 0


def test_near_pairs_are_the_pairs_within_the_radius_in_as_order():
    rng = np.random.default_rng(5)
    for trial in range(200):
        scale = (5, 50, 700)[trial % 3]
        a = rng.uniform(-0.2 * scale, scale, (rng.integers(0, 80), 2)).astype(np.float32)
        b = rng.uniform(-0.1 * scale, scale, (rng.integers(0, 80), 2)).astype(np.float32)
        if trial % 4 == 0:  # on cell borders and repeated points
            a, b = np.round(a), np.round(b)
        radius = float((0.5, 3.0, 16.0, 100.0)[trial % 4])
        ia, ib = near_pairs(a, b, radius)
        d2 = ((a[:, None].astype(np.float64) - b[None]) ** 2).sum(axis=2)
        expected = set(zip(*np.nonzero(d2 <= radius * radius)))
        assert set(zip(ia.tolist(), ib.tolist())) == expected and len(ia) == len(expected)
        assert (np.diff(ia) >= 0).all()  # in a's order (the window pass's ties take the first)
    # A track predicted far off or to NaN (a bad homography) costs no table of its extent.
    a = np.array([[10, 10], [np.nan, 5], [np.inf, 1]])
    b = np.array([[11, 10], [1e12, 1e12], [np.nan, np.nan], [-np.inf, 3], [10, 9.5]])
    ia, ib = near_pairs(a, b, 2.0)
    assert ia.tolist() == [0, 0] and sorted(ib.tolist()) == [0, 4]


def test_window_pairs_match_the_sorted_mutual_best_on_random_scenes():
    """The linear (ufunc.at) mutual best gives what sorting all candidates gives."""
    rng = np.random.default_rng(4)
    for _ in range(20):
        tracks, keypoints = rng.uniform(0, 200, (300, 2)), rng.uniform(0, 200, (250, 2))
        tdesc = rng.normal(size=(300, 8))
        kdesc = rng.normal(size=(250, 8))
        tdesc /= np.linalg.norm(tdesc, axis=1, keepdims=True)
        kdesc /= np.linalg.norm(kdesc, axis=1, keepdims=True)
        ti, ki = window_pairs(tracks, keypoints, tdesc, kdesc, 12.0, 0.3)
        near = np.linalg.norm(tracks[:, None] - keypoints[None], axis=2) <= 12.0
        sims = np.where(near, tdesc @ kdesc.T, -np.inf)
        sims[sims < 0.3] = -np.inf
        best_k, best_t = sims.argmax(axis=1), sims.argmax(axis=0)
        expected = {(t, best_k[t]) for t in range(300)
                    if np.isfinite(sims[t, best_k[t]]) and best_t[best_k[t]] == t}
        assert set(zip(ti.tolist(), ki.tolist())) == expected
        assert len(set(ti.tolist())) == len(ti) and len(set(ki.tolist())) == len(ki)


def test_trails_keep_the_last_positions_of_live_tracks():
    trails = Trails(3)
    for step in range(5):
        out = trails.update(np.array([7, 100 + step], np.uint64), [[step, 0], [0, step]])
    assert len(out) == 1  # track 7; the others lived one frame each
    np.testing.assert_array_equal(out[0], [[2, 0], [3, 0], [4, 0]])
