# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Motion against ground truth: the metrics, then `alike-ros motion-eval` on the TUM frames.

The command runs as a user runs it, through `ros2 launch` with the package's defaults
(geometry essential), and the tests guard what the defaults reach on the 20 shared frames,
every one scored (README: rotation median 0.243 deg, translation direction 3.89 deg, AUC@20
0.74, 853 tracks of 10+ frames), within about one run's spread.
"""

import json
import subprocess

import cv2
import numpy as np
import pytest

from alike_ros.runtime import program_path
from alike_ros.tools import motion_metrics as metrics
from conftest import needs_shared


def test_auc_follows_the_lightglue_protocol():
    # Half the pairs at 0 deg, half failed: recall 0.5 at every threshold.
    assert metrics.pose_auc([0.0, np.inf]) == pytest.approx([0.5, 0.5, 0.5])
    # Errors spread evenly up to 10 deg: AUC@10 is the area under a ramp, about a half.
    auc = metrics.pose_auc(np.linspace(0, 10, 1001), (5.0, 10.0, 20.0))
    assert auc[1] == pytest.approx(0.5, abs=0.01)
    assert auc[0] == pytest.approx(0.25, abs=0.01)
    assert auc[2] == pytest.approx(0.75, abs=0.01)
    assert metrics.pose_auc([30.0]) == [0.0, 0.0, 0.0]


def test_errors_fold_the_translation_sign_and_compare_rotations():
    assert metrics.direction_error_deg([0, 0, 1], [0, 0, -1]) == pytest.approx(0.0)
    assert metrics.direction_error_deg([0, 0, 1], [0, 1, 0]) == pytest.approx(90.0)
    r, _ = cv2.Rodrigues(np.radians([0.0, 2.0, 0.0]))
    assert metrics.rotation_error_deg(r, np.eye(3)) == pytest.approx(2.0)
    row = metrics.pair_errors(None, None, np.eye(3), [1, 0, 0])
    assert row['pose_deg'] == np.inf


def test_ground_truth_at_the_camera_rate_is_taken_as_it_is(tmp_path):
    # A driving set's poses: one per frame at 10 Hz, stamped as the frames.
    lines = [f'{t:.1f} {t * 10} 0 0 0 0 0 1' for t in np.arange(0, 1.0, 0.1)]
    (tmp_path / 'gt.txt').write_text('\n'.join(lines) + '\n')
    trajectory = metrics.read_tum(tmp_path / 'gt.txt')
    poses = metrics.poses_at(trajectory, [0.0, 0.3, 0.35, 0.9, 1.3])
    assert [p is None for p in poses] == [False, False, False, False, True]
    np.testing.assert_allclose([p[0, 3] for p in poses[:4]], [0.0, 3.0, 3.5, 9.0])
    # TUM's 100 Hz motion capture: a 0.1 s hole is not interpolated.
    assert metrics.poses_at(trajectory, [0.35], max_gap=0.05) == [None]
    # Every pose written twice: still 0.1 s apart, still interpolated.
    (tmp_path / 'twice.txt').write_text('\n'.join(line for line in lines for _ in (0, 1)))
    twice = metrics.poses_at(metrics.read_tum(tmp_path / 'twice.txt'), [0.35])
    assert twice[0][0, 3] == pytest.approx(3.5)


@needs_shared
def test_a_bag_without_calibration_or_with_several_cameras_says_what_to_give(tmp_path):
    from alike_ros.paths import tum_dir
    from alike_ros.tools import motion_eval
    from alike_ros.tools.bag import make_bag
    make_bag(tum_dir(), tmp_path / 'bag', rate=10.0, topic='/left/image_raw')
    with pytest.raises(ValueError, match='no CameraInfo beside /left/image_raw.*--camera-info'):
        motion_eval.inputs(bag=tmp_path / 'bag')
    with pytest.raises(ValueError, match='no images on /right/image_raw.*/left/image_raw'):
        motion_eval.bag_frames(tmp_path / 'bag', '/right/image_raw')
    from alike_ros.tools.bag import camera_info_topic
    assert camera_info_topic('/left/image_raw/compressed') == '/left/camera_info'
    assert camera_info_topic('/left/image_raw') == '/left/camera_info'


def test_ground_truth_interpolates_and_gives_the_relative_motion(tmp_path):
    # Camera-to-world: the camera moves 1 m along world x and turns 10 deg about world y.
    q = [0.0, np.sin(np.radians(5)), 0.0, np.cos(np.radians(5))]
    (tmp_path / 'gt.txt').write_text('# t tx ty tz qx qy qz qw\n'
                                     '0.0 0 0 0 0 0 0 1\n'
                                     f'1.0 1 0 0 {q[0]} {q[1]} {q[2]} {q[3]}\n')
    trajectory = metrics.read_tum(tmp_path / 'gt.txt')
    p0, half, p1, outside = metrics.poses_at(trajectory, [0.0, 0.5, 1.0, 2.0], max_gap=2.0)
    assert outside is None
    np.testing.assert_allclose(half[:3, 3], [0.5, 0, 0])
    assert metrics.rotation_error_deg(half[:3, :3], np.eye(3)) == pytest.approx(5.0)
    rotation, translation = metrics.relative_motion(p0, p1)
    # A point fixed in the world, seen from the first camera, then from the second.
    x_world = np.array([0.3, -0.2, 4.0])
    x1 = np.linalg.inv(p1) @ np.r_[x_world, 1]
    np.testing.assert_allclose(rotation @ x_world + translation, x1[:3], atol=1e-9)


def foreign_bag(path):
    """
    Record the TUM frames as another robot's camera driver would.

    PNG CompressedImage on its own topic names, each after its CameraInfo, stamped with the
    frames' own times.
    """
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.typesys import get_typestore, Stores

    from alike_ros.paths import config_file, tum_dir
    from alike_ros.tools.bag import (CAMERA_INFO_TYPE, camera_info_message, COMPRESSED_TYPE,
                                     load_camera_info)
    store = get_typestore(Stores.ROS2_JAZZY)
    info = load_camera_info(config_file('tum_freiburg2_camera_info.yaml'))
    with Writer(path, version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        image = writer.add_connection('/tum/rgb/image_color/compressed', COMPRESSED_TYPE,
                                      typestore=store)
        calib = writer.add_connection('/tum/rgb/camera_info', CAMERA_INFO_TYPE, typestore=store)
        for f in sorted(tum_dir().glob('*.png')):
            ns = round(float(f.stem) * 1e9)
            ci = camera_info_message(store, info, ns, 'kinect_rgb')
            msg = store.types[COMPRESSED_TYPE](header=ci.header, format='png',
                                               data=np.frombuffer(f.read_bytes(), np.uint8))
            writer.write(calib, ns, store.serialize_cdr(ci, CAMERA_INFO_TYPE))
            writer.write(image, ns, store.serialize_cdr(msg, COMPRESSED_TYPE))
    return path


@pytest.fixture(scope='module')
def report(tmp_path_factory):
    """Run `alike-ros motion-eval` as a user does; return its motion.json (gaps as ints)."""
    out = tmp_path_factory.mktemp('motion')
    # Half speed: CI's machine may be loaded; the motions do not depend on the rate. The
    # frames come from a bag with its own topic names and calibration (the graph gets them
    # in a bag of motion-eval's): the same frames, stamps and camera as the image folder.
    bag = foreign_bag(out / 'recorded')
    proc = subprocess.run([program_path('alike-ros'), 'motion-eval', '--bag', str(bag),
                           '--rate', '0.5', '--out', str(out)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"report: {out / 'motion.json'}" in proc.stdout
    assert (out / 'motion.png').stat().st_size > 10_000
    result = json.loads((out / 'motion.json').read_text())
    assert result['camera_info'] == f'{bag} (CameraInfo)'
    result['offline'] = {k: {int(gap): v for gap, v in by_gap.items()}
                         for k, by_gap in result['offline'].items()}
    return result


@needs_shared
def test_the_graph_motion_reaches_the_measured_accuracy(report):
    graph = report['graph']
    # Every frame scored (the README's promise): the bag plays reliably, and a reliable input
    # loses no frame to a busy detector, however loaded the machine.
    assert graph['frames_out'] == graph['frames_in'] == 20
    assert graph['valid'] == graph['pairs'] == 19
    assert 2 <= graph['keyframes'] <= 6  # keyframes, not every frame (measured 3-4)
    # Measured (keyframe motion refined from the frame before; every frame scored, so three
    # runs gave the same figures): rotation 0.255 deg, translation direction 3.32 deg, AUC@5
    # / @20 0.35 / 0.82 (README). Before that refinement (0.24-0.26, 3.4-3.9, AUC@5 0.26,
    # @20 0.74-0.82) the direction and AUC@5 bounds fail. Margins: about 10 %.
    assert graph['rotation_deg']['median'] <= 0.28
    assert graph['translation_deg']['median'] <= 3.65
    assert graph['auc']['@20'] >= 0.78 and graph['auc']['@5'] >= 0.30
    # The baseline the issue reports (frame to frame, OpenCV at 3 px): 34 deg, AUC@20 0.15.
    refs = [p['stamp_ns'] - p['reference_ns'] for p in graph['pairs_detail']]
    assert max(refs) > min(refs)  # some motions reach back past the previous frame


@needs_shared
def test_offline_peers_run_through_the_same_geometry(report):
    keys = sorted(report['offline'])
    assert [k.split()[0] for k in keys] == ['orb', 'ours', 'sift']
    for key in keys:
        by_gap = report['offline'][key]
        assert sorted(by_gap) == [1, 3, 5]
        assert by_gap[1]['valid'] == by_gap[1]['pairs'] == 19
        assert by_gap[3]['auc']['@20'] > by_gap[1]['auc']['@20']  # more parallax
    ours = next(v for k, v in report['offline'].items() if k.startswith('ours'))
    # Offline runs are deterministic (same keypoints, seeded fits): measured 0.267 deg and
    # 3.44 deg, AUC@20 0.50 and 0.83 at gaps 1 and 3 (README: 0.27 / 8.4, 0.32 / 3.4).
    assert ours[1]['rotation_deg']['median'] <= 0.30
    assert ours[3]['translation_deg']['median'] <= 3.8
    assert ours[1]['auc']['@20'] >= 0.45 and ours[3]['auc']['@20'] >= 0.78


@needs_shared
def test_tracks_last_beside_klt(report):
    tracks = report['tracks']
    ours = next(v for k, v in tracks.items() if k.startswith('ours_top_k') and 'only' not in k)
    only = next(v for k, v in tracks.items() if k.endswith('inlier_links_only'))
    klt = tracks['klt_vins']
    assert abs(ours['points_per_frame'] - klt['points_per_frame']) <= 1
    assert ours['tracks_10_or_longer'] >= 0.85 * klt['tracks_10_or_longer']  # measured 0.94
    # As many tracked points per frame as KLT (top_k raised): measured 160 against 159.
    many = next(v for k, v in tracks.items() if k.endswith('tracking_as_many'))
    assert many['tracked_per_frame'] >= klt['tracked_per_frame']
    assert many['tracks_10_or_longer'] >= 0.9 * klt['tracks_10_or_longer']
    assert ours['tracks_10_or_longer'] >= 1.5 * only['tracks_10_or_longer']
    # Measured 849 with every frame scored (README; 470-604 in runs that dropped frames);
    # before the motion work: 336, p90 5. A margin of 5 %: shorter tracks fail.
    assert tracks['graph']['tracks_10_or_longer'] >= 810, tracks['graph']
    assert tracks['graph']['p90_length'] >= 12  # measured 13
    # The matcher's track_budget at KLT's count (continuations first, as KLT keeps its
    # corners): measured 200 tracks of 10+ frames against KLT's 159; 0.53 % wrong on the
    # synthetic sequences.
    budget = next(v for k, v in tracks.items() if k.startswith('ours_budget'))
    assert abs(budget['points_per_frame'] - klt['points_per_frame']) <= 1
    assert budget['tracks_10_or_longer'] >= klt['tracks_10_or_longer']
    assert budget['tracks_10_or_longer'] >= 1.1 * ours['tracks_10_or_longer']


@needs_shared
def test_a_bag_gives_the_frames_and_stamps_of_its_images(tmp_path, report):
    from alike_ros.paths import config_file, tum_dir
    from alike_ros.tools import motion_eval
    from alike_ros.tools.bag import load_camera_info, make_bag
    # The TUM frames at 10 Hz from the first frame's time: stamps within 2 ms of the files'.
    first = sorted(tum_dir().glob('*.png'))[0]
    make_bag(tum_dir(), tmp_path / 'bag', rate=10.0, start_ns=round(float(first.stem) * 1e9),
             camera_info=load_camera_info(config_file('tum_freiburg2_camera_info.yaml')))
    frames, stamps = motion_eval.bag_frames(tmp_path / 'bag')
    assert len(frames) == 20 and frames[0].shape == (480, 640, 3)
    assert abs(stamps[0] / 1e9 - float(first.stem)) < 1e-6
    offline = motion_eval.run(tmp_path / 'out', bag=tmp_path / 'bag', peers=(), launch=False,
                              track_report=False)['offline']
    (key, got), = offline.items()
    want = report['offline'][key]
    for gap in (1, 3, 5):
        assert got[gap]['auc']['@20'] == pytest.approx(want[gap]['auc']['@20'], abs=0.05)


def test_keyframe_motion_through_tracks_on_a_synthetic_sequence():
    """
    The matcher node's motion from its keyframe, against a synthetic sequence's true poses.

    A frame's correspondences with the keyframe are the points of shared tracks (no second
    matching): the published motions refer to keyframes up to frames back, and are right.
    """
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.parameter import Parameter
    from geometry_msgs.msg import TransformStamped
    from sensor_msgs.msg import CameraInfo
    from alike_ros.geometry import angle_between_deg, rotation_angle_deg, \
        rotation_from_quaternion
    from alike_ros.nodes import messages
    from alike_ros.nodes.matcher_node import MatcherNode
    from alike_ros.lab.synthetic import track_sequence

    camera, frames = track_sequence(np.random.default_rng(3))
    context = rclpy.Context()
    rclpy.init(context=context)
    try:
        node = MatcherNode('keyframe_test', context=context,
                           parameter_overrides=[Parameter('geometry', value='essential')])
        probe = rclpy.create_node('keyframe_probe', context=context)
        executor = SingleThreadedExecutor(context=context)
        executor.add_node(node)
        executor.add_node(probe)
        arrays, motions = [], {}
        probe.create_subscription(messages.MatchArray, 'matches', arrays.append, 30)
        probe.create_subscription(TransformStamped, 'motion',
                                  lambda m: motions.__setitem__(m.header.stamp.sec, m), 30)
        kp_pub = probe.create_publisher(messages.KeypointArray, 'keypoints', 30)
        info_pub = probe.create_publisher(CameraInfo, 'camera_info', 10)

        def spin_until(done, timeout=20.0):
            import time
            deadline = time.monotonic() + timeout
            while not done() and time.monotonic() < deadline:
                executor.spin_once(timeout_sec=0.05)
            return done()

        assert spin_until(lambda: kp_pub.get_subscription_count() > 0
                          and info_pub.get_subscription_count() > 0)
        for i, obs in enumerate(frames):
            info = CameraInfo()
            info.header.stamp.sec = i + 1
            info.width, info.height = camera.width, camera.height
            info.k = [float(v) for v in camera.K.reshape(-1)]
            info.d = [float(v) for v in camera.D.reshape(-1)]
            info.distortion_model = camera.model
            info_pub.publish(info)
            assert spin_until(lambda: len(node.camera_infos) > i)
            msg = messages.KeypointArray()
            msg.header.stamp.sec = i + 1
            msg.height, msg.width, msg.descriptor_size = camera.height, camera.width, 64
            msg.keypoints = messages.flat(obs.keypoints, 'f')
            msg.scores = messages.flat(np.ones(len(obs.keypoints)), 'f')
            msg.descriptors = messages.flat(obs.descriptors, 'f')
            kp_pub.publish(msg)
            assert spin_until(lambda: len(arrays) == i + 1)
            if i == 9:  # tracks restart with new settings: ids go on, the keyframe follows
                node.set_parameters([Parameter('track_min_similarity', value=0.81)])
                assert node.front.tracker.min_similarity == 0.81
                restart_id = node.front.tracker.next_id
        # Every frame after the first has a motion but the one after the restart: it has no
        # track in common with the keyframe, so it becomes the keyframe.
        assert spin_until(lambda: len(motions) == len(frames) - 2)
        assert arrays[10].keyframe and arrays[10].header.stamp.sec not in motions
        rotation_err, direction_err, gaps = [], [], []
        for out in arrays[1:10] + arrays[11:]:
            assert out.valid, out.reason
            cur, ref = out.header.stamp.sec - 1, out.motion_reference.stamp.sec - 1
            gaps.append(cur - ref)
            m = motions[out.header.stamp.sec]
            q, t = m.transform.rotation, m.transform.translation
            r_true = frames[cur].rotation @ frames[ref].rotation.T
            t_true = frames[cur].translation - r_true @ frames[ref].translation
            rotation_err.append(rotation_angle_deg(
                rotation_from_quaternion(q.x, q.y, q.z, q.w).T @ r_true))
            direction_err.append(angle_between_deg([t.x, t.y, t.z], t_true))
        keyframes = sum(out.keyframe for out in arrays)
        print(f'rotation {np.median(rotation_err):.3f} deg, direction '
              f'{np.median(direction_err):.2f} deg, gaps {gaps}, keyframes {keyframes}')
        # Measured (seed 3): rotation median 0.029 deg, direction 0.49 deg, references 1-6
        # frames back, 4 keyframes.
        assert max(gaps) >= 3 and 2 <= keyframes < len(frames) // 2
        assert np.median(rotation_err) < 0.1 and np.median(direction_err) < 2.0
        assert max(direction_err) < 30.0  # the sign of t too (no folding here)
        assert min(int(i) for i in arrays[10].track_ids) >= restart_id  # no id reused
    finally:
        rclpy.shutdown(context=context)
