# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Nodes with real rclpy: parameters, start-up errors, bad frames, matcher edge cases."""

import re
import subprocess
import time

from alike_ros_msgs.msg import KeypointArray, MatchArray
import cv2
import numpy as np
import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Image

from alike_ros.detector import ModelFileError
from alike_ros.paths import shared_dir
from alike_ros.nodes.messages import flat
from alike_ros.nodes.detector_node import DetectorNode
from alike_ros.nodes.matcher_node import MatcherNode
from alike_ros.nodes.params import ConfigError
from alike_ros.runtime import program_path
from conftest import needs_shared


def first_frame():
    """Return the first shared TUM frame (BGR)."""
    return cv2.imread(str(sorted((shared_dir() / 'data' / 'tum').glob('*.png'))[0]))


@pytest.fixture
def ros():
    rclpy.init()
    yield
    rclpy.shutdown()


def with_probe(node):
    """Return a probe node that talks to `node`, and an executor spinning both."""
    probe = Node('probe')
    executor = SingleThreadedExecutor()
    for n in (node, probe):
        executor.add_node(n)
    return probe, executor


def spin_until(executor, done, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)
    return done()


@pytest.mark.parametrize('name, value, words', [
    ('top_k', -5, "top_k must be 0 (the family's), -1 (threshold mode) or positive"),
    ('scores_th', 1.5, "scores_th must be -1 (the family's) or in [0, 1]"),
    ('scores_th', -0.5, "scores_th must be in [0, 1] or -1 (the family's)"),
    ('model', 'alike-x', "model 'alike-x' is unknown"),
    ('provider', 'npu', "provider 'npu' is unknown"),
    ('input_height', -1, 'input size must be positive'),
])
def test_invalid_startup_parameter_says_what_to_fix(ros, name, value, words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        DetectorNode(parameter_overrides=[Parameter(name, value=value)])


def test_missing_model_file(ros):
    with pytest.raises(ModelFileError, match='does not exist'):
        DetectorNode(parameter_overrides=[Parameter('model_file', value='/nonexistent.onnx')])


@pytest.mark.parametrize('args, words', [
    (['-p', 'scores_th:=1.5'], "scores_th must be -1 (the family's) or in [0, 1]"),
    (['-p', 'model_file:=/nope.onnx'], '/nope.onnx does not exist'),
    pytest.param(['-p', 'provider:=tidl', '-p', 'strict_provider:=true'], 'provider tidl',
                 marks=needs_shared),  # the model opens before the provider is refused
])
def test_executable_fails_with_one_line(args, words):
    proc = subprocess.run([program_path('detector_node'), '--ros-args'] + args,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert words in proc.stderr
    assert 'Traceback' not in proc.stderr + proc.stdout


@needs_shared
def test_live_parameter_changes_are_validated(ros):
    node = DetectorNode()
    try:
        # The range is the parameter's descriptor (ROS enforces it); what a range cannot say,
        # the config's check does.
        bad = node.set_parameters([Parameter('scores_th', value=1.5)])[0]
        assert not bad.successful and 'scores_th out of range' in bad.reason
        between = node.set_parameters([Parameter('scores_th', value=-0.5)])[0]
        assert not between.successful and "scores_th must be in [0, 1] or -1 (the family's)" \
            in between.reason
        # 0 / -1 live: back to the family's own (ALIKE: threshold mode at 0.2).
        family = node.set_parameters([Parameter('top_k', value=0),
                                      Parameter('scores_th', value=-1.0)])
        assert all(r.successful for r in family)
        assert (node.detector.config.scores_th, node.detector.config.top_k) == (0.2, -1)
        read_only = node.set_parameters([Parameter('model', value='alike-n')])[0]
        assert not read_only.successful
        ok = node.set_parameters([Parameter('scores_th', value=0.3),
                                  Parameter('top_k', value=500)])
        assert all(r.successful for r in ok)
        assert (node.detector.config.scores_th, node.detector.config.top_k) == (0.3, 500)
    finally:
        node.destroy_node()


def image_msg(bgr, sec, data=None, encoding='bgr8'):
    msg = Image()
    msg.header.stamp.sec, msg.header.frame_id = sec, 'cam'
    msg.height, msg.width = bgr.shape[:2]
    msg.encoding, msg.step = encoding, bgr.shape[1] * 3
    msg.data = flat(bgr if data is None else data, 'B')
    return msg


@needs_shared
def test_bad_frame_is_counted_and_next_good_frame_processed(ros):
    frame = first_frame()
    detector = DetectorNode(parameter_overrides=[
        Parameter('image_reliability', value='reliable')])
    probe, executor = with_probe(detector)
    got = []
    probe.create_subscription(KeypointArray, 'keypoints', got.append, 10)
    pub = probe.create_publisher(Image, 'image', 10)
    try:
        assert spin_until(executor, lambda: pub.get_subscription_count() > 0)
        pub.publish(image_msg(frame, 1, data=frame.reshape(-1)[:1000]))  # truncated
        assert spin_until(executor, lambda: detector.counts['rejected'] == 1)
        pub.publish(image_msg(frame, 2, encoding='16UC1'))  # unsupported
        assert spin_until(executor, lambda: detector.counts['rejected'] == 2)
        pub.publish(image_msg(frame, 3))
        assert spin_until(executor, lambda: len(got) == 1)
        assert got[0].header.stamp.sec == 3 and len(got[0].scores) > 100
        counts, _ = detector.snapshot()
        assert counts['received'] == counts['published'] + counts['dropped'] \
            + counts['rejected'] + counts['in_flight'] == 3
        assert 'unsupported encoding' in detector._last_reason
    finally:
        detector.destroy_node()
        probe.destroy_node()


def keypoints(sec, nsec, n=50, d=64, seed=0):
    rng = np.random.default_rng(seed)
    msg = KeypointArray()
    msg.header.stamp.sec, msg.header.stamp.nanosec = sec, nsec
    msg.height, msg.width, msg.descriptor_size, msg.model = 480, 640, d, 'test'
    kp = rng.random((n, 2)) * [639, 479]
    desc = rng.standard_normal((n, d))
    msg.keypoints = flat(kp, 'f')
    msg.scores = flat(np.ones(n), 'f')
    msg.descriptors = flat(desc / np.linalg.norm(desc, axis=1, keepdims=True), 'f')
    return msg


def test_matcher_faults_give_invalid_matches_with_reasons(ros):
    matcher = MatcherNode()
    probe, executor = with_probe(matcher)
    got = []
    probe.create_subscription(MatchArray, 'matches', got.append, 10)
    pub = probe.create_publisher(KeypointArray, 'keypoints', 10)
    sequence = [
        (keypoints(1, 0), 'first frame'),
        (keypoints(2, 0), ''),  # same keypoints again: a perfect identity match
        (keypoints(1, 5), 'stamp does not increase'),
        (keypoints(3, 0, d=32), 'descriptor size changed from 64 to 32'),
        (keypoints(4, 0, n=0, d=32), 'empty frame'),
        (keypoints(5, 0, d=32), 'empty frame'),
        (keypoints(6, 0, d=32, seed=1), 'matches fit a homography'),  # all outliers
        (keypoints(7, 0, d=32, seed=1), ''),  # and matching resumes
    ]
    try:
        assert spin_until(executor, lambda: pub.get_subscription_count() > 0
                          and probe.count_publishers('matches') > 0)
        for i, (msg, _) in enumerate(sequence):
            pub.publish(msg)
            assert spin_until(executor, lambda: len(got) == i + 1)
        for out, (msg, reason) in zip(got, sequence):
            assert out.header.stamp == msg.header.stamp
            assert out.valid == (reason == ''), out.reason
            assert reason in out.reason
        identity = np.asarray(got[1].matrix).reshape(3, 3)
        np.testing.assert_allclose(identity / identity[2, 2], np.eye(3), atol=1e-6)
        assert got[1].num_matches == got[1].num_inliers == 50
        assert got[1].method == 'mnn' and len(got[1].scores) == 50
    finally:
        matcher.destroy_node()
        probe.destroy_node()


@needs_shared
def test_coarse_loftr_matcher_mode(tmp_path):
    """method: coarse_loftr matches consecutive images and fits the homography the same way."""
    from alike_ros.tools.bag import make_bag
    from alike_ros.tools.replay import replay
    bag = tmp_path / 'tum'
    make_bag(shared_dir() / 'data' / 'tum', bag, rate=10.0)
    result = replay(bag, rate_scale=0.5, overlay=True,
                    matcher_params={'method': 'coarse_loftr'})
    stamps = sorted(result.sent)
    # Every frame answered: the replay plays reliably, and a reliable input loses no frame
    # to a busy node (test_node_promises), however loaded the machine.
    assert sorted(result.matches) == stamps
    assert 'first frame' in result.matches[stamps[0]].reason
    ratios = []
    for stamp in stamps[1:]:
        m = result.matches[stamp]
        assert m.valid, m.reason
        assert (m.num_previous, m.num_current) == (1200, 1200)
        assert m.method == 'coarse_loftr' and len(m.scores) == m.num_matches
        ratios.append(m.num_inliers / m.num_matches)
    # Measured: about 800 cell matches per pair, 43-65 % inliers at 3 px (16 px cells).
    assert np.median(ratios) > 0.3, ratios
    assert all(im.shape == (480, 640, 3) for im in result.overlays.values())


def _tum_bag(tmp_path, camera_info=True):
    from alike_ros.paths import config_file
    from alike_ros.tools.bag import load_camera_info, make_bag
    bag = tmp_path / 'tum'
    info = load_camera_info(config_file('tum_freiburg2_camera_info.yaml')) \
        if camera_info else None
    make_bag(shared_dir() / 'data' / 'tum', bag, rate=10.0, camera_info=info)
    return bag


@needs_shared
def test_essential_geometry_publishes_motion_and_carries_tracks(tmp_path):
    """Essential geometry: camera_info by stamp, R and t on motion, ids through inliers."""
    from alike_ros.geometry import rotation_angle_deg, rotation_from_quaternion
    from alike_ros.tools.replay import replay
    result = replay(_tum_bag(tmp_path), rate_scale=0.5,
                    matcher_params={'geometry': 'essential'})
    stamps = sorted(result.sent)
    assert sorted(result.matches) == stamps
    mt = [result.matches[s] for s in stamps]
    valid = [m for m in mt[1:] if m.valid]
    assert len(valid) >= len(stamps) - 3, [m.reason for m in mt if not m.valid]
    assert all(m.geometry == 'essential' and m.undistorted for m in valid)
    # One pose per valid fit, stamped with the current frame, frame ids from the images.
    assert sorted(result.motions) == sorted(messages_stamp(m) for m in valid)
    for m in valid:
        tf = result.motions[messages_stamp(m)]
        assert tf.header.frame_id == tf.child_frame_id == 'camera_optical_frame'
        t = tf.transform.translation
        assert abs(np.linalg.norm([t.x, t.y, t.z]) - 1) < 1e-6
        q = tf.transform.rotation
        rot = rotation_from_quaternion(q.x, q.y, q.z, q.w)
        assert rotation_angle_deg(rot) < 10  # a hand-held camera in 0.1 s
    # Tracks: every keypoint has an id and an age; inliers carry the previous id on; other
    # keypoints start a track or continue an earlier one (track_window, missed frames).
    carried, earlier = 0, set(np.asarray(mt[0].track_ids).tolist())
    for prev, cur in zip(mt, mt[1:]):
        ids, ages = np.asarray(cur.track_ids), np.asarray(cur.track_ages)
        assert len(ids) == len(ages) == cur.num_current
        if not cur.valid:
            assert (ages == 1).all()
            continue
        pairs = np.asarray(cur.matches).reshape(-1, 2)[np.asarray(cur.inliers, bool)]
        np.testing.assert_array_equal(ids[pairs[:, 1]], np.asarray(prev.track_ids)[pairs[:, 0]])
        np.testing.assert_array_equal(ages[pairs[:, 1]],
                                      np.asarray(prev.track_ages)[pairs[:, 0]] + 1)
        new = np.setdiff1d(np.arange(len(ids)), pairs[:, 1])
        assert ((ages[new] == 1) | np.isin(ids[new], list(earlier))).all()
        assert len(set(ids.tolist())) == len(ids)
        earlier |= set(ids.tolist())
        carried += len(pairs)
    assert carried > 11000, carried  # measured 12389 inlier continuations over the bag
    assert int(result.matcher_stats['undistorted']) == len(valid)
    assert int(result.matcher_stats['camera_info_missing']) == 0


def messages_stamp(msg):
    return msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec


@needs_shared
def test_missing_camera_info_is_reported_not_fatal(tmp_path):
    from alike_ros.tools.replay import replay
    result = replay(_tum_bag(tmp_path, camera_info=False), rate_scale=0.5,
                    matcher_params={'geometry': 'essential'})
    stamps = sorted(result.sent)
    assert sorted(result.matches) == stamps and len(result.keypoints) == len(stamps)
    for s in stamps[1:]:
        m = result.matches[s]
        assert not m.valid and 'essential needs camera_info: none received' in m.reason
    assert not result.motions
    assert int(result.matcher_stats['camera_info_missing']) == len(stamps) - 1


@needs_shared
def test_a_track_budget_tracks_that_many_points_and_indexes_the_full_arrays(tmp_path):
    """track_budget: continuations first, the rest untracked (id 0), matches in full indices."""
    from alike_ros.geometry.tracks import UNTRACKED
    from alike_ros.tools.replay import replay
    budget = 150
    result = replay(_tum_bag(tmp_path), rate_scale=0.5, params={'top_k': 600},
                    matcher_params={'geometry': 'essential', 'track_budget': budget})
    mt = [result.matches[s] for s in sorted(result.matches)]
    assert len(mt) >= 15 and sum(m.valid for m in mt[1:]) >= len(mt) - 3
    chosen_before, long_lived = None, {}
    for m in mt:
        ids, ages = np.asarray(m.track_ids), np.asarray(m.track_ages)
        assert m.num_current == len(ids) > budget  # every keypoint is listed
        tracked = ids != UNTRACKED
        assert tracked.sum() == budget
        assert (ages[~tracked] == 0).all() and (ages[tracked] >= 1).all()
        assert len(set(ids[tracked].tolist())) == budget
        if m.valid and chosen_before is not None:
            pairs = np.asarray(m.matches).reshape(-1, 2)
            # Indices into the full KeypointArrays, matched against the tracked points only.
            assert pairs[:, 0].max() < m.num_previous and pairs[:, 1].max() < m.num_current
            assert chosen_before[pairs[:, 0]].all()
            inl = pairs[np.asarray(m.inliers, bool)]
            # Inlier continuations are kept unless the continuations (with the missed tracks
            # the window found again) overflow the budget: then the oldest tracks go on.
            assert tracked[inl[:, 1]].mean() >= 0.9
        chosen_before = tracked
        for i in ids[tracked].tolist():
            long_lived[i] = long_lived.get(i, 0) + 1
    # Continuations first: the budget lives through the bag (measured: 153 tracks of 10+
    # frames for a budget of 150).
    assert sum(n >= 10 for n in long_lived.values()) >= 0.9 * budget


def test_a_track_budget_starts_tracks_by_score_even_without_a_fit(ros):
    """New tracks are the best by score on the first frame and after an invalid one."""
    from alike_ros.detector import Features
    from alike_ros.geometry.tracks import UNTRACKED
    from alike_ros.nodes.messages import features_to_msg
    from std_msgs.msg import Header
    node = MatcherNode(parameter_overrides=[Parameter('track_budget', value=3)])
    rng = np.random.default_rng(0)
    # Scores rise along the list (threshold mode lists keypoints in raster order).
    xy = np.c_[np.arange(10) * 50.0 + 10, np.full(10, 100.0)].astype(np.float32)
    desc = rng.normal(size=(10, 64)).astype(np.float32)
    desc /= np.linalg.norm(desc, axis=1, keepdims=True)
    got = []
    node.pub = type('Recorder', (), {'publish': lambda self, m: got.append(m)})()
    for i in range(2):  # the second frame is its own stamp again: invalid, matched to nothing
        h = Header(frame_id='camera')
        h.stamp.sec = 100
        msg = features_to_msg(Features(xy, np.linspace(0.1, 1.0, 10, dtype=np.float32), desc),
                              h, 480, 640, 'alike-t', 64)
        node._on_keypoints(msg)
    for m in got:
        assert np.flatnonzero(np.asarray(m.track_ids) != UNTRACKED).tolist() == [7, 8, 9]
    assert not got[1].valid
    node.destroy_node()
