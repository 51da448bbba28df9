# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""What the launch tests share: bags, a params file, the launch file, a probe node."""

from pathlib import Path
import threading
import time
import unittest

from alike_ros_msgs.msg import KeypointArray, MatchArray
from ament_index_python.packages import get_package_share_directory
import cv2
from diagnostic_msgs.msg import DiagnosticArray
import launch_testing
import launch_testing.asserts
import numpy as np
import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

from alike_ros.nodes.compat import publisher_count
from alike_ros.tools.bag import IMAGE_TYPE, image_message, make_bag
from alike_ros.tools.demo import reliable_params as demo_params

# Malformed frames of the mixed bag: each breaks one thing the detector must reject.
BREAKERS = [
    lambda m: setattr(m, 'data', m.data[:1000]),  # truncated
    lambda m: setattr(m, 'encoding', '16UC1'),  # unsupported
    lambda m: setattr(m, 'step', 100),  # step smaller than a row
    lambda m: setattr(m, 'width', 0),  # zero size
    lambda m: setattr(m, 'data', np.concatenate([m.data, m.data[:5000]])),  # oversized
]


def launch_file(name='edge.launch.py'):
    """Return the installed launch file, found as `ros2 launch alike_ros` finds it."""
    return str(Path(get_package_share_directory('alike_ros')) / 'launch' / name)


def tum_bag(images, path, loops=1):
    """Write the TUM frames at 10 Hz; return the number of frames."""
    if not Path(path).exists():
        make_bag(images, path, rate=10.0, storage='sqlite3', frame_id='tum_rgb', loops=loops)
    return 20 * loops


def mixed_bag(images, path):
    """TUM frames with every fourth one malformed; return (frames, malformed)."""
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.typesys import get_typestore, Stores
    store = get_typestore(Stores.ROS2_JAZZY)
    files = sorted(Path(images).glob('*.png'))
    bad = 0
    if Path(path).exists():
        return len(files), sum(1 for i in range(len(files)) if i % 4 == 1)
    with Writer(path, version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        conn = writer.add_connection('/camera/image_raw', IMAGE_TYPE, typestore=store)
        for i, f in enumerate(files):
            stamp = 1_700_000_000 * 10**9 + i * 100_000_000
            msg = image_message(store, cv2.imread(str(f))[:, :, ::-1], 'bgr8', stamp, 'tum_rgb')
            if i % 4 == 1:
                BREAKERS[bad % len(BREAKERS)](msg)
                bad += 1
            writer.write(conn, stamp, store.serialize_cdr(msg, IMAGE_TYPE))
    return len(files), bad


def reliable_params(path):
    """Write edge.yaml with reliable image QoS (bags play reliably), as the demo does."""
    return str(demo_params(path))


class Probe:
    """A node in its own context that records images, keypoints, matches and diagnostics."""

    def __init__(self, name='launch_probe', image_topic='/camera/image_raw',
                 images_after_outputs=False):
        """
        Start recording.

        With `images_after_outputs` the image subscription is made only once the keypoints
        and matches readers have found their writers: a player that waits for this probe on
        the image topic then cannot start before the probe can hear every output.
        """
        self.context = Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node(name, context=self.context)
        self.lock = threading.Lock()
        self._clients = {}
        self.images, self.keypoints, self.matches, self.diagnostics = [], [], [], {}
        reliable = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
        outputs = [
            self.node.create_subscription(KeypointArray, '/keypoints',
                                          self._add(self.keypoints), reliable),
            self.node.create_subscription(MatchArray, '/matches', self._add(self.matches),
                                          reliable)]
        self.node.create_subscription(DiagnosticArray, '/diagnostics', self._diag, 10)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.thread = threading.Thread(target=self.executor.spin, daemon=True)
        self.thread.start()
        if images_after_outputs:
            self.wait(lambda: all(publisher_count(self.node, s) > 0 for s in outputs), 60)
        self.node.create_subscription(Image, image_topic, self._add(self.images), reliable)

    def _add(self, target):
        def callback(msg):
            with self.lock:
                target.append((time.monotonic(), msg))
        return callback

    def _diag(self, msg):
        for status in msg.status:
            with self.lock:
                self.diagnostics[status.name.split(':')[0]] = (
                    time.monotonic(), {v.key: v.value for v in status.values})

    def counters(self, node='/alike_detector'):
        """Return the last diagnostics counters of a detector as ints (and its state)."""
        with self.lock:
            _, values = self.diagnostics.get(node, (0, {}))
        return {k: (v if k == 'state' else int(v)) for k, v in values.items()
                if k in ('received', 'published', 'dropped', 'rejected', 'in_flight', 'lost',
                         'lost_reported', 'state')}

    def wait(self, condition, timeout=60.0):
        """Wait until condition() is true; return it."""
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.05)
        return condition()

    # Queries that may be sent again when no answer comes: nothing changes on the server.
    READ_ONLY = ('GetState', 'ListNodes', 'GetParameters')

    def call(self, srv_type, name, request, timeout=60.0):
        """
        Call a service from this probe (one client per service); return the response.

        A fresh client's first request can go unanswered on a loaded machine (the server's
        reply is sent before its writer matched this client's reader). Read-only queries are
        sent again after 10 s; calls that change state are sent once.
        """
        client = self._clients.get(name)
        if client is None:
            client = self._clients[name] = self.node.create_client(srv_type, name)
        assert client.wait_for_service(timeout_sec=timeout), f'no service {name}'
        attempt = 10.0 if srv_type.__name__ in self.READ_ONLY else timeout
        deadline = time.monotonic() + timeout
        while True:
            future = client.call_async(request)
            if self.wait(future.done, min(attempt, deadline - time.monotonic())):
                return future.result()
            client.remove_pending_request(future)
            assert time.monotonic() < deadline, f'{name} did not answer'

    def close(self):
        """Stop spinning and shut the context down."""
        self.executor.shutdown()
        self.thread.join(timeout=5)
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


@launch_testing.post_shutdown_test()
class TestProcessesExitCleanly(unittest.TestCase):
    """Every process the launch started exited 0 (import it into each launch test module)."""

    def test_every_process_exits_0(self, proc_info):
        launch_testing.asserts.assertExitCodes(proc_info)
