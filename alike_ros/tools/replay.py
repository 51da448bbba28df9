# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Replay a bag through detector + matcher and collect what comes out.

The graph runs in this process (one executor) or as two separate node processes; a player and
a collector node in this process publish the bag and record every KeypointArray, MatchArray,
overlay and diagnostics message. Used by `alike-ros demo`, the integration tests and the
throughput benchmark.
"""

from dataclasses import dataclass, field
import os
import subprocess
import threading
import time

import cv2
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import TransformStamped
import numpy as np
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

from alike_ros.tools.bag import BagPlayer, IMAGE_TYPE, topics
from alike_ros.tools.launching import LaunchedGraph, launch_command
from alike_ros.nodes import messages
from alike_ros.nodes.compat import publisher_count
from alike_ros.runtime import program_path
from alike_ros.tools.ros_session import RosSession


@dataclass
class Replay:
    """Everything the collector saw, per image stamp (ns)."""

    sent: dict = field(default_factory=dict)  # stamp -> wall time published
    keypoints: dict = field(default_factory=dict)  # stamp -> (recv time, KeypointArray)
    matches: dict = field(default_factory=dict)  # stamp -> MatchArray
    motions: dict = field(default_factory=dict)  # stamp -> TransformStamped (essential)
    overlays: dict = field(default_factory=dict)  # stamp -> BGR image
    keypoint_msgs: int = 0
    detector_stats: dict = field(default_factory=dict)  # last diagnostics key -> value
    matcher_stats: dict = field(default_factory=dict)  # the matcher's, the same way
    wall_s: float = 0.0
    peak_rss_mb: dict = field(default_factory=dict)  # graph process -> VmHWM (MB)

    def fps_out(self):
        """Return KeypointArrays per second between the first and the last one received."""
        times = sorted(t for t, _ in self.keypoints.values())
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0

    def latencies_ms(self):
        """Image published -> KeypointArray received (includes DDS both ways), by stamp."""
        return np.array([(t - self.sent[s]) * 1e3 for s, (t, _) in sorted(self.keypoints.items())
                         if s in self.sent])

    def first_latencies_ms(self, count=2):
        """Return the latencies of the stream's first `count` frames (a cold start's cost)."""
        return self.latencies_ms()[:count].tolist()


class _Collector(Node):
    def __init__(self, result, overlay, context, namespace='alike_replay', image_topic=None):
        super().__init__('alike_replay_collector', namespace=namespace, context=context)
        self.result = result
        self.prefix = f'/{namespace}/'
        self.image_topic, self._wait = image_topic, None
        self.lock = threading.Lock()
        self.kp_sub = self.create_subscription(messages.KeypointArray, 'keypoints', self._kp,
                                               100)
        self.mt_sub = self.create_subscription(messages.MatchArray, 'matches', self._mt, 100)
        self.motion_sub = self.create_subscription(TransformStamped, 'motion', self._motion, 100)
        self.create_subscription(DiagnosticArray, '/diagnostics', self._diag, 10)
        if overlay:
            self.create_subscription(Image, 'matches/overlay', self._overlay, 100)
        if image_topic:
            # The images as they appear on the topic: sent times and stamps. Subscribed once
            # this node's subscriptions to the graph's outputs are connected, so a player that
            # waits for this subscriber plays nothing before the first outputs can arrive.
            self._connect_by = time.monotonic() + self.CONNECT_TIMEOUT_S
            self._wait = self.create_timer(0.05, self._subscribe_images_when_connected)

    # A graph whose outputs never appear (a node failed to start) still gets its images.
    CONNECT_TIMEOUT_S = 30.0

    def _subscribe_images_when_connected(self):
        subs = (self.kp_sub, self.mt_sub, self.motion_sub)
        waiting = [s.topic_name for s in subs if publisher_count(self, s) == 0]
        if waiting and time.monotonic() < self._connect_by:
            return
        if waiting:
            self.get_logger().warning(f'no publisher on {", ".join(waiting)} after '
                                      f'{self.CONNECT_TIMEOUT_S:.0f} s: listening anyway')
        self.destroy_timer(self._wait)
        self.create_subscription(Image, self.image_topic, self._image, QoSProfile(
            depth=100, reliability=ReliabilityPolicy.RELIABLE))

    def _image(self, msg):
        with self.lock:
            self.result.sent[messages.stamp_ns(msg.header.stamp)] = time.monotonic()

    def _kp(self, msg):
        with self.lock:
            self.result.keypoint_msgs += 1
            self.result.keypoints[messages.stamp_ns(msg.header.stamp)] = (time.monotonic(), msg)

    def _mt(self, msg):
        with self.lock:
            self.result.matches[messages.stamp_ns(msg.header.stamp)] = msg

    def _motion(self, msg):
        with self.lock:
            self.result.motions[messages.stamp_ns(msg.header.stamp)] = msg

    def _overlay(self, msg):
        bgr = cv2.cvtColor(messages.image_msg_to_array(msg), cv2.COLOR_RGB2BGR)
        with self.lock:
            self.result.overlays[messages.stamp_ns(msg.header.stamp)] = bgr

    def _diag(self, msg):
        for status in msg.status:
            if status.name.startswith(self.prefix):
                which = 'matcher_stats' if 'matcher' in status.name else 'detector_stats'
                with self.lock:
                    setattr(self.result, which, {v.key: v.value for v in status.values})


def _param_args(params):
    args = []
    for key, value in params.items():
        args += ['-p', f'{key}:={str(value).lower() if isinstance(value, bool) else value}']
    return args


def _peak_rss_mb(pid):
    """Return the peak RSS (VmHWM) of a live process in MB (0 where /proc does not tell)."""
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _load_components(node, params, matcher_params, timeout_s):
    """Load detector and matcher into /alike_replay/alike_container through its service."""
    from composition_interfaces.srv import LoadNode
    client = node.create_client(LoadNode, '/alike_replay/alike_container/_container/load_node')
    if not client.wait_for_service(timeout_sec=timeout_s):
        raise TimeoutError('component_container did not come up')
    for plugin, values in (('alike_ros::DetectorNode', params),
                           ('alike_ros::MatcherNode', matcher_params)):
        request = LoadNode.Request(package_name='alike_ros', plugin_name=plugin,
                                   node_namespace='/alike_replay', parameters=[
                                       Parameter(k, value=v).to_parameter_msg()
                                       for k, v in values.items()])
        future = client.call_async(request)  # answered through the spinning executor
        deadline = time.monotonic() + timeout_s
        while not future.done():
            if time.monotonic() > deadline:
                raise TimeoutError(f'loading {plugin} got no answer in {timeout_s:.0f} s')
            time.sleep(0.02)
        if not future.result().success:
            raise RuntimeError(f'loading {plugin} failed: {future.result().error_message}')
    node.destroy_client(client)


def replay(bag, processes='one', rate_scale=1.0, loops=1, overlay=False, params=None,
           settle_s=3.0, startup_timeout_s=60.0, matcher_params=None):
    """
    Play `bag` into the graph and return a Replay.

    `params` go to the detector, `matcher_params` to the matcher. processes: 'one' (the nodes
    in this process), 'two' (detector_node and matcher_node processes), 'graph' (the
    alike_graph executable: both nodes on one executor) or 'container' (component_container
    with both loaded through its load_node service).

    The player publishes reliably, so the detector subscribes reliably too (keep-last 1 all
    the same): best-effort 1 MB frames lose UDP fragments between processes on this kind of
    machine, and a lost frame here would be a transport artefact, not a detector drop.
    """
    from alike_ros.nodes.detector_node import DetectorNode
    from alike_ros.nodes.matcher_node import MatcherNode

    params = {'image_reliability': 'reliable', **(params or {})}
    matcher_params = {'image_reliability': 'reliable', **(matcher_params or {})}
    from alike_ros import matchers
    loftr = matchers.get_method(matcher_params.get('method', 'mnn')).needs_image  # images in
    result = Replay()
    ros = RosSession()  # first participant of this process; the node processes inherit
    context = ros.context
    procs = []
    try:
        collector = _Collector(result, overlay, context)
        player_node = Node('alike_replay_player', namespace='alike_replay', context=context)
        ros.add(collector, player_node)
        if processes == 'one':
            overrides = [Parameter(k, value=v) for k, v in params.items()]
            kw = dict(namespace='alike_replay', context=context)
            ros.add(DetectorNode(parameter_overrides=overrides, **kw))
            ros.add(MatcherNode(parameter_overrides=[
                Parameter(k, value=v) for k, v in matcher_params.items()], **kw))
        elif processes in ('two', 'graph', 'container'):
            args = ['--ros-args', '-r', '__ns:=/alike_replay', '--log-level', 'warn']
            if processes == 'two':
                procs.append(subprocess.Popen([program_path('detector_node')] + args
                                              + _param_args(params)))
                procs.append(subprocess.Popen([program_path('matcher_node')] + args
                                              + _param_args(matcher_params)))
            elif processes == 'graph':
                # Node-specific parameters (node:name:=value): one process, two nodes.
                procs.append(subprocess.Popen(
                    [program_path('alike_graph')] + args
                    + _param_args({f'alike_detector:{k}': v for k, v in params.items()})
                    + _param_args({f'alike_matcher:{k}': v
                                   for k, v in matcher_params.items()})))
            else:
                procs.append(subprocess.Popen([program_path('component_container')] + args
                                              + ['-r', '__node:=alike_container']))
        else:
            raise ValueError("processes must be 'one', 'two', 'graph' or 'container', got "
                             f'{processes!r}')
        ros.start()
        if processes == 'container':
            _load_components(player_node, params, matcher_params, startup_timeout_s)

        player = BagPlayer(player_node, bag, rate_scale, topic_remap={
            t: '/alike_replay/image' if kind == IMAGE_TYPE else '/alike_replay/camera_info'
            for t, kind in topics(bag)})
        # Ready when our image writer is matched with the detector's reader (and the
        # matcher's, for the overlay), and our readers with the graph's writers. Graph counts
        # alone are not enough: a reliable writer drops what it sends before matching.
        image_pub = player.image_publishers()[0]
        need = [(image_pub.get_subscription_count, 2 if overlay or loftr else 1),
                (lambda: publisher_count(player_node, collector.kp_sub), 1),
                (lambda: publisher_count(player_node, collector.mt_sub), 1),
                (lambda: player_node.count_subscribers('/alike_replay/keypoints'),
                 1 if loftr else 2)]
        need += [(p.get_subscription_count, 1) for p in player.publishers.values()
                 if p not in player.image_publishers()]  # camera_info: the matcher
        deadline = time.monotonic() + startup_timeout_s
        while not all(count() >= n for count, n in need):
            if time.monotonic() > deadline:
                raise TimeoutError('the graph did not come up within '
                                   f'{startup_timeout_s:.0f} s')
            if any(p.poll() is not None for p in procs):
                raise RuntimeError('a node process exited during start-up')
            time.sleep(0.05)
        time.sleep(0.5)  # the matcher's reader of keypoints is remote: let it match too

        t0 = time.monotonic()
        for _ in range(loops):
            player.play(on_publish=lambda topic, stamp: result.sent.__setitem__(
                stamp, time.monotonic()))
        _settle(result, None, settle_s)  # the graph drained: no new output for settle_s
        result.wall_s = time.monotonic() - t0
        time.sleep(1.2)  # one more diagnostics period for final counters
        result.peak_rss_mb = {os.path.basename(p.args[0]): _peak_rss_mb(p.pid) for p in procs}
        return result
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        ros.close()


def _settle(result, frames, settle_s, timeout_s=float('inf')):
    """Wait until `frames` frames (if given) have outputs, or nothing new came for settle_s."""
    last, seen, deadline = time.monotonic(), -1, time.monotonic() + timeout_s
    while time.monotonic() - last < settle_s and time.monotonic() < deadline:
        count = result.keypoint_msgs + len(result.matches)
        if frames and result.keypoint_msgs >= frames and len(result.matches) >= frames:
            return
        if count != seen:
            seen, last = count, time.monotonic()
        time.sleep(0.05)


def launch_replay(bag, frames, composed=True, params_file=None, namespace='alike_demo',
                  overlay=True, settle_s=5.0, timeout_s=300.0, log=None, bag_rate=1.0):
    """
    Play `bag` with `ros2 launch alike_ros edge.launch.py bag:=...` and collect the outputs.

    The launch's own player plays the bag once the detector, the matcher's overlay image
    subscription and this collector listen on the image topic; when every frame has its
    KeypointArray and MatchArray (or nothing new came for settle_s), the launch is stopped
    with SIGINT. `bag_rate` scales the playback speed. Returns (Replay, the launch's exit code).
    """
    result = Replay()
    ros = RosSession()
    ros.add(_Collector(result, overlay, ros.context, namespace, image_topic='/camera/image_raw'))
    ros.start()
    args = [f'bag:={bag}', f'namespace:={namespace}',
            f"composed:={'true' if composed else 'false'}",
            f'bag_wait_subscribers:={3 if overlay else 2}', 'bag_delay:=2.0',
            f'bag_rate:={bag_rate}'] + ([f'params_file:={params_file}'] if params_file else [])
    launch = LaunchedGraph(launch_command(*args), log=log)
    try:
        t0 = time.monotonic()
        launch.wait_for(lambda: result.sent, timeout_s, 0.05)
        _settle(result, frames, settle_s, t0 + timeout_s - time.monotonic())
        result.wall_s = time.monotonic() - t0
        time.sleep(1.2)  # one more diagnostics period for final counters
    finally:
        code = launch.stop()
        launch.close()
        ros.close()
    if launch.problems and log is not None:
        log.write('\n'.join(launch.problems) + '\n')
    return result, code
