# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
`alike-ros odometry-eval`: the graph's metric `odom` against ground truth, with peers.

Colour, depth and CameraInfo (an RGB-D folder as 7-Scenes ships it, or a bag with its ground
truth) go through the real graph under `ros2 launch` as `motion-eval` runs it, with the
matcher's odometry on; every nav_msgs/Odometry on `odom` is recorded. In the same run the
same keypoints through an offline FrontEnd, OpenCV ORB and SIFT keypoints through the same
lifting and PnP (odometry.Odometry; their tracks carried frame to frame by mutual nearest
neighbours), and OpenCV's dense cv2.Odometry (RGB_DEPTH and DEPTH, frame to frame) give their
trajectories. Each is scored with evo's metrics: ATE RMSE after an SE(3) alignment (no scale),
RPE translation and rotation frame to frame (median, RMSE), frames with a pose; on its own
frames and on the frames every method has. The added cost of odometry is FrontEnd.process
with and without depth on the same keypoints, interleaved, medians.

Writes odometry.json, odometry.png (trajectories from above, error over time) and TUM-format
trajectories (camera poses, `stamp tx ty tz qx qy qz qw`) so that `evo_ape tum
groundtruth.txt graph.txt -a` and `evo_rpe tum groundtruth.txt graph.txt --delta 1
--delta_unit f` reproduce the numbers.
"""

from collections import Counter
import copy
import json
from pathlib import Path
import re
import threading
import time

import cv2
import numpy as np

from alike_ros.runtime import cpu_summary
from alike_ros.tools.rgbd_folder import ground_truth

PEERS = ('orb', 'sift', 'cv2_rgbd', 'cv2_depth')
ODOM_TOPIC = '/alike_demo/odom'  # launch_replay's namespace


def read_rgbd_bag(bag, image_topic=None, depth_topic=None, tolerance_s=0.02):
    """
    Return (RGB frames, depth images, stamps ns, camera_info fields, depth stamps ns) of a bag.

    Each frame gets the depth image nearest its stamp (within `tolerance_s`); frames without
    one are left out.
    """
    from rosbags.typesys import get_typestore, Stores

    from alike_ros.geometry.depth import depth_pixels
    from alike_ros.tools.bag import bag_camera_info, DEPTH_TOPIC, image_topic as chosen
    from alike_ros.tools.bag import read_bag
    from alike_ros.tools.motion_eval import bag_frames
    frames, stamps = bag_frames(bag, image_topic)
    store = get_typestore(Stores.ROS2_JAZZY)
    depth_at = {}
    for _, msgtype, _, data in read_bag(bag, {depth_topic or DEPTH_TOPIC}):
        msg = store.deserialize_cdr(data, msgtype)
        depth_at[msg.header.stamp.sec * 10**9 + msg.header.stamp.nanosec] = depth_pixels(
            msg.encoding, msg.height, msg.width, msg.step, bytes(msg.data),
            bool(msg.is_bigendian))
    if not depth_at:
        raise ValueError(f'{bag} has no depth images on {depth_topic or DEPTH_TOPIC} '
                         '(choose the topic with --depth-topic)')
    keys = np.array(sorted(depth_at))
    out = [], [], [], []
    for frame, stamp in zip(frames, stamps):
        near = keys[np.argmin(np.abs(keys - stamp))]
        if abs(near - stamp) <= tolerance_s * 1e9:
            for lst, v in zip(out, (frame, depth_at[int(near)], stamp, int(near))):
                lst.append(v)
    info = bag_camera_info(bag, chosen(bag, image_topic))
    if info is None:
        raise ValueError(f'{bag} has no CameraInfo beside its images')
    return (*out[:3], info, out[3])


# Trajectories: {stamp ns: 4 x 4 camera pose}, each in its own first camera's frame.
def relative_to_first(poses):
    """Return {stamp: pose} relative to the first pose (the frame odometry starts in)."""
    if not poses:
        return {}
    first = np.linalg.inv(poses[min(poses)])
    return {s: first @ p for s, p in poses.items()}


def write_tum(path, poses):
    """Write {stamp ns: 4 x 4} as a TUM trajectory (seconds, position, quaternion xyzw)."""
    from alike_ros.geometry import quaternion_xyzw
    lines = []
    for stamp in sorted(poses):
        p = poses[stamp]
        q = quaternion_xyzw(p[:3, :3])
        lines.append(f'{stamp / 1e9:.9f} ' + ' '.join(f'{v:.9f}' for v in (*p[:3, 3], *q)))
    Path(path).write_text('\n'.join(lines) + '\n')


def _evo_trajectory(poses, stamps):
    from evo.core.trajectory import PoseTrajectory3D
    return PoseTrajectory3D(poses_se3=[poses[s] for s in stamps],
                            timestamps=np.array(stamps, np.float64) / 1e9)


def scores(estimate, truth, stamps=None):
    """
    Return evo's metrics of one trajectory: ATE (SE(3)-aligned) and RPE frame to frame.

    `estimate`, `truth`: {stamp ns: camera pose}; `stamps` the frames to score (default: all
    the estimate has and the truth knows). Metres and degrees.
    """
    from evo.core import metrics
    stamps = sorted(stamps if stamps is not None else set(estimate) & set(truth))
    out = {'frames': len(stamps)}
    if len(stamps) < 3:
        return out
    ref, est = _evo_trajectory(truth, stamps), _evo_trajectory(estimate, stamps)
    aligned = copy.deepcopy(est)
    aligned.align(ref, correct_scale=False)
    ape = metrics.APE(metrics.PoseRelation.translation_part)
    ape.process_data((ref, aligned))
    out['ate_rmse_m'] = float(ape.get_statistic(metrics.StatisticsType.rmse))
    out['ate_per_frame_m'] = [float(e) for e in ape.error]
    for key, relation in (('rpe_translation_m', metrics.PoseRelation.translation_part),
                          ('rpe_rotation_deg', metrics.PoseRelation.rotation_angle_deg)):
        rpe = metrics.RPE(relation, delta=1, delta_unit=metrics.Unit.frames, all_pairs=False)
        rpe.process_data((ref, est))
        out[key] = {'median': float(np.median(rpe.error)),
                    'rmse': float(rpe.get_statistic(metrics.StatisticsType.rmse))}
    out['aligned_xyz'] = aligned.positions_xyz.tolist()
    return out


# The methods.
def front_end_odometry(features, depths, stamps, camera, matcher_config, odometry_config,
                       matcher=None, depth_stamps=None):
    """
    Return ({stamp: camera pose}, [OdometryResult]) of keypoints through a FrontEnd.

    `features` are (keypoints, descriptors, scores or None); `matcher` a peer's own matching;
    `depth_stamps` the depth images' own stamps (None: the frames').
    """
    from alike_ros.frontend import Frame, FrontEnd
    front = FrontEnd(matcher_config, odometry=odometry_config, matcher=matcher)
    poses, results = {}, []
    for (kp, desc, sc), depth, stamp, depth_stamp in zip(features, depths, stamps,
                                                         depth_stamps or stamps):
        r = front.process(Frame(kp, desc, scores=sc), stamp, camera, depth=depth,
                          depth_stamp=depth_stamp).odometry
        results.append(r)
        if not r.lost:
            poses[stamp] = r.camera_pose
    return camera_poses(poses, front.odometry.base_camera), results


def lost_reasons(results):
    """Return {reason: frames} of the lost OdometryResults, most frequent first (numbers: #)."""
    counts = Counter(re.sub(r'\b\d+(\.\d+)?\b', '#', r.reason) for r in results if r.lost)
    return dict(counts.most_common())


def camera_poses(optical_in_odom, base_camera):
    """Return {stamp: T_first_camera_camera} of {stamp: T_odom_optical}."""
    from alike_ros.odometry import invert
    to_first = invert(base_camera)
    return {s: to_first @ p for s, p in optical_in_odom.items()}


def peer_config(matcher_config):
    """
    Return the MatcherConfig ORB and SIFT run with: tracks through essential-fit inliers only.

    The window pass compares unit descriptors (ORB's are binary codes), so the peers carry a
    track by inlier links of frame-to-frame fits: mutual nearest neighbours, PoseLib.
    """
    return matcher_config.with_changes(geometry='essential', motion_reference='previous',
                                       track_window=0.0, track_max_missed=0)


def keypoint_peer(name, frames, depths, stamps, camera, matcher_config, odometry_config,
                  depth_stamps=None):
    """Return ({stamp: camera pose}, ms) of ORB or SIFT through a FrontEnd: our map and PnP."""
    from alike_ros.tools.baselines import opencv_features
    from alike_ros.tools.motion_eval import PeerMatcher

    feats = opencv_features(name, [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in frames])
    poses, results = front_end_odometry([(kp, desc, None) for kp, desc in feats], depths,
                                        stamps, camera, peer_config(matcher_config),
                                        odometry_config, PeerMatcher(name), depth_stamps)
    return poses, float(np.median([r.ms for r in results]))


def opencv_odometry(kind, frames, depths, stamps, camera):
    """Return {stamp: camera pose} of cv2.Odometry (RGB_DEPTH or DEPTH), frame to frame."""
    settings = cv2.OdometrySettings()
    settings.setCameraMatrix(np.asarray(camera.K, np.float32))
    odometry = cv2.Odometry({'cv2_rgbd': cv2.OdometryType_RGB_DEPTH,
                             'cv2_depth': cv2.OdometryType_DEPTH}[kind], settings,
                            cv2.OdometryAlgoType_COMMON)
    pose, poses, previous, times = np.eye(4), {}, None, []
    for frame, depth, stamp in zip(frames, depths, stamps):
        t0 = time.perf_counter()
        current = cv2.OdometryFrame(np.ascontiguousarray(depth, np.float32),
                                    cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY))
        odometry.prepareFrame(current)
        if previous is None:
            poses[stamp] = pose.copy()
        else:
            ok, Rt = odometry.compute(previous, current)
            if ok:
                # Rt * src = dst: the previous camera's points into the current camera.
                pose = pose @ np.linalg.inv(np.asarray(Rt, np.float64))
                poses[stamp] = pose.copy()
        times.append((time.perf_counter() - t0) * 1e3)
        previous = current
    return poses, float(np.median(times[1:])) if len(times) > 1 else None


def added_cost(features, depths, stamps, camera, matcher_config, odometry_config, passes=3,
               depth_stamps=None):
    """
    Return the milliseconds odometry adds to FrontEnd.process per frame (and both medians).

    The same keypoints through a FrontEnd without and one with odometry (its depth as the node
    gives it: a callable), frame by frame in turn (which goes first alternates), `passes`
    times; medians over every frame after the first of each pass.
    """
    from alike_ros.frontend import Frame, FrontEnd
    plain, timed = [], []
    for p in range(passes):
        fronts = (FrontEnd(matcher_config), FrontEnd(matcher_config, odometry=odometry_config))
        for i, ((kp, desc, sc), depth, stamp, depth_stamp) in enumerate(
                zip(features, depths, stamps, depth_stamps or stamps)):
            order = (0, 1) if (i + p) % 2 == 0 else (1, 0)
            for which in order:
                frame = Frame(kp, desc, scores=sc)
                kwargs = {'depth': (lambda d=depth, s=depth_stamp: (d, '', s))} if which else {}
                t0 = time.perf_counter()
                fronts[which].process(frame, stamp, camera, **kwargs)
                ms = (time.perf_counter() - t0) * 1e3
                if i:
                    (timed if which else plain).append(ms)
    without, with_depth = float(np.median(plain)), float(np.median(timed))
    return {'without_depth_ms': without, 'with_depth_ms': with_depth,
            'added_ms': with_depth - without, 'frames': len(plain)}


class _OdomRecorder:
    """Records nav_msgs/Odometry on the graph's odom and TF messages on /tf."""

    def __init__(self, session, topic=ODOM_TOPIC):
        from nav_msgs.msg import Odometry as OdometryMsg
        from rclpy.node import Node
        from rclpy.qos import QoSProfile, ReliabilityPolicy
        from tf2_msgs.msg import TFMessage
        self.odom, self.tf, self.lock = {}, {}, threading.Lock()
        self.node = Node('alike_odometry_recorder', context=session.context)
        reliable = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
        self.node.create_subscription(OdometryMsg, topic, self._odom, reliable)
        self.node.create_subscription(TFMessage, '/tf', self._tf, reliable)
        session.add(self.node)

    def _odom(self, msg):
        from alike_ros.nodes.messages import stamp_ns
        with self.lock:
            self.odom[stamp_ns(msg.header.stamp)] = msg

    def _tf(self, msg):
        from alike_ros.nodes.messages import stamp_ns
        with self.lock:
            for t in msg.transforms:
                self.tf[stamp_ns(t.header.stamp)] = t


def odom_pose(msg):
    """Return the 4 x 4 pose of a nav_msgs/Odometry (base in odom)."""
    from alike_ros.geometry import rotation_from_quaternion
    from alike_ros.odometry import transform
    p, q = msg.pose.pose.position, msg.pose.pose.orientation
    return transform(rotation_from_quaternion(q.x, q.y, q.z, q.w), (p.x, p.y, p.z))


def is_lost(msg):
    """Tell whether an Odometry message says tracking was lost (covariance 9999)."""
    from alike_ros.odometry import LOST_VARIANCE
    return msg.pose.covariance[0] >= LOST_VARIANCE


def graph(out, frames, depths, stamps_ns, camera_info, matcher_params, detector_params,
          bag_rate=1.0, depth_stamps_ns=None):
    """
    Run the graph under ros2 launch on colour + depth; return (Replay, {stamp: Odometry}, tf).

    The frames go into a bag of their own (out/bag: the launch's topics, depth on
    /camera/depth/image_raw, which edge.launch.py's matcher takes when its params file sets
    use_depth), with a CameraInfo of `camera_info`'s fields; each depth image keeps its own
    stamp where `depth_stamps_ns` gives one.
    """
    from alike_ros.tools.bag import make_bag
    from alike_ros.tools.demo import reliable_params
    from alike_ros.tools.replay import launch_replay
    from alike_ros.tools.ros_session import RosSession
    out.mkdir(parents=True, exist_ok=True)
    bag = out / 'bag'
    if bag.exists():
        import shutil
        shutil.rmtree(bag)
    make_bag(frames, bag, camera_info=camera_info, stamps_ns=stamps_ns, depth=depths,
             depth_stamps_ns=depth_stamps_ns)
    params = reliable_params(out / 'params.yaml', detector_params, matcher_params)
    with RosSession() as session:
        recorder = _OdomRecorder(session)
        session.start()
        with open(out / 'launch.log', 'w') as log:
            result, code = launch_replay(bag, len(frames), params_file=params, overlay=False,
                                         log=log, bag_rate=bag_rate)
        deadline = time.monotonic() + 5.0
        while len(recorder.odom) < len(result.matches) and time.monotonic() < deadline:
            time.sleep(0.05)
        with recorder.lock:
            odom, tf = dict(recorder.odom), dict(recorder.tf)
    if code != 0:
        raise RuntimeError(f'ros2 launch exited {code}: see {out / "launch.log"}')
    return result, odom, tf


def inputs(frames_dir=None, bag=None, ground_truth_file=None, image_topic=None,
           depth_topic=None, depth_scale=None, camera_info=None, max_frames=None, step=1):
    """
    Return frames, raw depths, depths (m), stamps, camera_info, truth, scale, depth stamps.

    RGB frames; stamps in ns. `truth` maps a stamp to its pose relative to the first; `raw`
    are the depth images as read; the depth stamps are their own (TUM's, a bag's), else the
    frames'.

    An RGB-D folder (rgbd_folder: TUM RGB-D or 7-Scenes; default the shared 7-Scenes frames;
    ground truth beside the frames or a TUM `ground_truth_file`) or a bag (and a TUM
    `ground_truth_file`). `depth_scale`: 16-bit depth units a metre (default the folder's:
    TUM 5000, else 1000, millimetres). `camera_info`: a calibration file in place of the
    folder's intrinsics. The first `max_frames`, then every `step`-th of them.
    """
    from alike_ros.geometry.depth import to_metres
    from alike_ros.paths import shared_dir
    from alike_ros.tools import rgbd_folder
    from alike_ros.tools.bag import camera_info_file
    scale = 1000.0
    if bag is None:
        folder = rgbd_folder.read(frames_dir or shared_dir() / 'data' / 'rgbd_7scenes',
                                  camera_info).select(max_frames, step)
        frames, raw = folder.load()
        stamps, info, poses, scale = (list(folder.stamps_ns), folder.camera_info, folder.poses,
                                      folder.depth_scale)
        depth_stamps = list(folder.depth_stamps)
    else:
        frames, raw, stamps, info, depth_stamps = (
            v[:max_frames][::step] if isinstance(v, list) else v
            for v in read_rgbd_bag(bag, image_topic, depth_topic))
        info['source'] = f'{bag} (CameraInfo)'
        if camera_info is not None:
            h, w = frames[0].shape[:2]
            info = {**camera_info_file(camera_info, w, h), 'source': str(camera_info)}
        poses = None
    if ground_truth_file is not None:
        poses = ground_truth(ground_truth_file, stamps)
    if poses is None:
        raise ValueError('no ground truth: give --ground-truth (TUM format), or a folder with '
                         'groundtruth.txt (TUM) or frame-*.pose.txt (7-Scenes)')
    scale = depth_scale or scale
    depths = [to_metres(d, '32FC1' if d.dtype == np.float32 else '16UC1', scale) for d in raw]
    truth = {s: p for s, p in zip(stamps, poses) if p is not None}
    if len(truth) < 2:
        raise ValueError(f'ground truth covers {len(truth)} of the {len(stamps)} frames: '
                         'it needs two at least')
    return frames, raw, depths, stamps, info, relative_to_first(truth), scale, depth_stamps


def run(out, frames_dir=None, bag=None, ground_truth_file=None, matcher_params=None,
        detector_params=None, peers=PEERS, launch=True, bag_rate=1.0, image_topic=None,
        depth_topic=None, depth_scale=None, max_frames=None, step=1, camera_info=None):
    """
    Run the evaluation; write the report, plot and trajectories to `out`; return the report.

    `matcher_params` hold the matcher's and its odometry's parameters (geometry essential and
    use_depth by default); `depth_scale` (16-bit depth units a metre) is theirs unless given.
    `camera_info`: a calibration (YAML or 3 x 3 K text) in place of the input's.
    """
    from alike_ros.config import OdometryConfig
    from alike_ros.geometry.camera import Camera
    from alike_ros.detector import Detector
    from alike_ros.tools.motion_eval import configs, json_ready
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    matcher_params = dict(matcher_params or {})
    depth_scale = depth_scale or matcher_params.get('depth_scale')
    frames, raw, depths, stamps, info, truth, scale, depth_stamps = inputs(
        frames_dir, bag, ground_truth_file, image_topic, depth_topic, depth_scale, camera_info,
        max_frames, step)
    camera = Camera.from_info(info)
    matcher_params = {'geometry': 'essential', 'use_depth': True, **matcher_params,
                      'depth_scale': scale}
    detector_params = detector_params or {}
    mcfg, dcfg = configs(matcher_params, detector_params)
    ocfg = OdometryConfig().with_changes(**{k: v for k, v in matcher_params.items()
                                            if k in OdometryConfig.__dataclass_fields__})
    off = np.abs(np.subtract(depth_stamps, stamps, dtype=np.float64)) / 1e6
    report = {'frames': len(frames), 'camera_info': info['source'], 'matcher': matcher_params,
              'detector': detector_params, 'cpu': cpu_summary(), 'methods': {},
              'depth_offset_ms': {'median': float(np.median(off)), 'max': float(np.max(off)),
                                  'moved': bool(ocfg.depth_motion)}}
    trajectories = {}
    # Our keypoints first: the detector exports a missing stage-1 model before the graph runs.
    detector = Detector(dcfg)
    ours = [(f.keypoints, f.descriptors, f.scores) for f in map(detector.detect, frames)]
    if launch:
        result, odom, tf = graph(out, frames, raw, stamps, info, matcher_params,
                                 detector_params, bag_rate, depth_stamps)
        from alike_ros.odometry import base_from_optical
        base_camera = base_from_optical(*ocfg.base_to_camera)
        tracked = {s: odom_pose(m) @ base_camera for s, m in odom.items() if not is_lost(m)}
        trajectories['graph'] = camera_poses(tracked, base_camera)
        report['graph'] = {'frames_in': len(frames), 'matches': len(result.matches),
                           'odom': len(odom), 'tf': len(tf),
                           'lost': sum(is_lost(m) for m in odom.values()),
                           'matcher_stats': result.matcher_stats}
    # Our keypoints get the depth images as the node does (16-bit: scaled at the keypoints).
    trajectories['ours offline'], results = front_end_odometry(ours, raw, stamps, camera,
                                                               mcfg, ocfg,
                                                               depth_stamps=depth_stamps)
    report['ours offline'] = {'lost': sum(r.lost for r in results),
                              'lost_reasons': lost_reasons(results),
                              'starts': sum(r.status == 'started' for r in results),
                              'depth_only': sum(r.status == 'depth_only' for r in results),
                              # PnP inliers of the frames the keypoints placed.
                              'inliers_median': float(np.median(
                                  [r.inliers for r in results if r.status == 'tracking']
                                  or [0])),
                              'odometry_ms_median': float(np.median([r.ms for r in results]))}
    report['cost'] = added_cost(ours, raw, stamps, camera, mcfg, ocfg,
                                depth_stamps=depth_stamps)
    for name in peers:
        if name in ('orb', 'sift'):
            trajectories[name], ms = keypoint_peer(name, frames, depths, stamps, camera, mcfg,
                                                   ocfg, depth_stamps)
        else:
            trajectories[name], ms = opencv_odometry(name, frames, depths, stamps, camera)
        report.setdefault('peer_ms', {})[name] = ms
    shared = set(truth)
    for poses in trajectories.values():
        shared &= set(poses)
    report['shared_frames'] = len(shared)
    for name, poses in trajectories.items():
        report['methods'][name] = {'own': scores(poses, truth),
                                   'shared': scores(poses, truth, shared)}
        write_tum(out / f"{name.replace(' ', '_')}.txt", poses)
    write_tum(out / 'groundtruth.txt', truth)
    plot(report, truth, out / 'odometry.png')
    slim = copy.deepcopy(report)
    for m in slim['methods'].values():
        for s in m.values():
            s.pop('aligned_xyz', None)
    (out / 'odometry.json').write_text(json.dumps(json_ready(slim), indent=1))
    return report


def markdown(report):
    """Return the report's tables: on the frames every method has, then (if others) its own."""
    lines = [f"{report['shared_frames']} frames shared by every method of {report['frames']}",
             ''] + _table(report, 'shared')
    if any(m['own']['frames'] != report['shared_frames'] for m in report['methods'].values()):
        lines += ['', 'each method on its own frames', ''] + _table(report, 'own')
    ours = report.get('ours offline', {})
    if ours.get('lost'):
        # Why, so that a lost frame is not only a missing row (a failure inside the odometry
        # is caught, counted and carries its message as the reason).
        why = '; '.join(f'{n} x {reason}' for reason, n in ours['lost_reasons'].items())
        lines += ['', f"ours offline lost {ours['lost']} of {report['frames']} frames: {why}"]
    if ours.get('depth_only'):
        lines += ['', f"ours offline placed {ours['depth_only']} of {report['frames']} frames "
                      'by their depth alone (their keypoints could not: depth_only)']
    off = report.get('depth_offset_ms')
    if off and off['max'] > 0:
        lines += ['', f"depth images {off['median']:.1f} ms (median; at most {off['max']:.1f}) "
                      "off their frames' stamps: "
                      + ('moved by the motion in between (depth_motion)' if off['moved'] else
                         "taken as seen at the frames' stamps (depth_motion false)")]
    c = report['cost']
    lines += ['', f"odometry adds {c['added_ms']:.2f} ms a frame to FrontEnd.process "
                  f"({c['without_depth_ms']:.2f} -> {c['with_depth_ms']:.2f} ms, medians of "
                  f"{c['frames']} frames, interleaved); {report['cpu']}"]
    stats = report.get('graph', {}).get('matcher_stats', {})
    if 'odom_ms_p50' in stats:
        lines += [f"under ros2 launch the matcher's odometry took {stats['odom_ms_p50']} ms a "
                  f"frame (p50; p95 {stats['odom_ms_p95']}: its diagnostics, the last 100 "
                  "frames)"]
    return '\n'.join(lines)


def _table(report, frames):
    lines = ['| method | frames with a pose | ATE RMSE (mm) | RPE translation median / '
             'RMSE (mm) | RPE rotation median / RMSE (deg) |', '|---|---:|---:|---|---|']
    for name, m in report['methods'].items():
        s, own = m[frames], m['own']
        if 'ate_rmse_m' not in s:
            lines.append(f"| {name} | {own['frames']} | | | |")
            continue
        t, r = s['rpe_translation_m'], s['rpe_rotation_deg']
        lines.append(f"| {name} | {own['frames']} | {s['ate_rmse_m'] * 1e3:.1f} | "
                     f"{t['median'] * 1e3:.2f} / {t['rmse'] * 1e3:.2f} | "
                     f"{r['median']:.3f} / {r['rmse']:.3f} |")
    return lines


def plot(report, truth, path):
    """Trajectories from above (x-z of the first camera) and position error over time."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 5))
    stamps = sorted(truth)
    gt = np.array([truth[s][:3, 3] for s in stamps])
    ax0.plot(gt[:, 0], gt[:, 2], 'k-', linewidth=2, label='ground truth')
    for name, m in report['methods'].items():
        s = m['own']
        if 'aligned_xyz' not in s:
            continue
        xyz = np.array(s['aligned_xyz'])
        style = '-' if name == 'graph' else '--'
        ax0.plot(xyz[:, 0], xyz[:, 2], style, label=name)
        ax1.plot(np.array(s['ate_per_frame_m']) * 1e3, style, label=name)
    ax0.set_xlabel('x (m, first camera: right)')
    ax0.set_ylabel('z (m, first camera: forward)')
    ax0.set_title('trajectories from above, SE(3)-aligned to the ground truth')
    ax0.axis('equal')
    ax0.grid(alpha=0.3)
    ax0.legend(fontsize=8)
    ax1.set_xlabel('frame with a pose')
    ax1.set_ylabel('position error after alignment (mm)')
    ax1.set_title('error over time')
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
