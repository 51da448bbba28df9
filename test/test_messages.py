# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Exchange KeypointArray / MatchArray between rclpy nodes, in one process and in two."""

import subprocess
import sys
import time

from alike_ros_msgs.msg import KeypointArray, MatchArray
import numpy as np
import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy

QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)

# A second process that republishes what it receives, unchanged, on *_echo topics.
ECHO = '''
import rclpy, sys
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from alike_ros_msgs.msg import KeypointArray, MatchArray
rclpy.init()
node = Node('echo')
qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
for t, name in ((KeypointArray, 'kp'), (MatchArray, 'mt')):
    pub = node.create_publisher(t, name + '_echo', qos)
    node.create_subscription(t, name, lambda m, p=pub: p.publish(m), qos)
print('ready', flush=True)
try:
    rclpy.spin(node)
except Exception:
    pass
'''


def make_messages(seed=0):
    rng = np.random.default_rng(seed)
    n, d, m = 1234, 64, 321
    kp = KeypointArray()
    kp.header.stamp.sec, kp.header.stamp.nanosec = 1311868169, 163498000
    kp.header.frame_id = 'camera_optical'
    kp.height, kp.width, kp.descriptor_size, kp.model = 480, 640, d, 'alike-t'
    kp.keypoints = (rng.random(2 * n, dtype=np.float32) * 600)
    kp.scores = rng.random(n, dtype=np.float32)
    desc = rng.standard_normal((n, d)).astype(np.float32)
    kp.descriptors = (desc / np.linalg.norm(desc, axis=1, keepdims=True)).reshape(-1)
    mt = MatchArray()
    mt.header = kp.header
    mt.previous_header.stamp.sec, mt.previous_header.frame_id = 1311868168, 'camera_optical'
    mt.matches = rng.integers(0, n, 2 * m).astype(np.int32)
    mt.scores = rng.random(m, dtype=np.float32)
    mt.inliers = (rng.random(m) > 0.3).astype(np.uint8)
    mt.matrix = rng.standard_normal(9)
    mt.method, mt.geometry, mt.undistorted = 'mnn', 'essential', True
    mt.track_ids = rng.integers(0, 2**40, n).astype(np.uint64)
    mt.track_ages = rng.integers(1, 50, n).astype(np.uint32)
    mt.valid, mt.reason = True, ''
    mt.num_previous, mt.num_current, mt.num_matches = n, n, m
    mt.num_inliers = int(np.asarray(mt.inliers).sum())
    return kp, mt


def assert_same(sent, got):
    assert got.header.stamp == sent.header.stamp
    assert got.header.frame_id == sent.header.frame_id
    for name in sent.get_fields_and_field_types():
        a, b = getattr(sent, name), getattr(got, name)
        if hasattr(a, '__len__') and not isinstance(a, str):
            a, b = np.asarray(a), np.asarray(b)
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
        else:
            assert a == b, name


@pytest.fixture
def ros():
    rclpy.init()
    yield
    rclpy.shutdown()


def exchange(executor, sender, receiver, messages, out_topics, timeout):
    """Publish (KeypointArray, MatchArray) on kp/mt until both arrive on out_topics."""
    received = {}
    for key, msg, topic in zip(('kp', 'mt'), messages, out_topics):
        receiver.create_subscription(type(msg), topic,
                                     lambda m, k=key: received.setdefault(k, m), QOS)
    pubs = [sender.create_publisher(type(m), t, QOS) for m, t in zip(messages, ('kp', 'mt'))]
    deadline = time.monotonic() + timeout
    while len(received) < 2 and time.monotonic() < deadline:
        for pub, msg in zip(pubs, messages):
            pub.publish(msg)
        executor.spin_once(timeout_sec=0.1)
    assert set(received) == {'kp', 'mt'}
    for key, msg in zip(('kp', 'mt'), messages):
        assert_same(msg, received[key])


def test_one_process(ros):
    sender, receiver = Node('sender'), Node('receiver')
    executor = SingleThreadedExecutor()
    executor.add_node(sender)
    executor.add_node(receiver)
    exchange(executor, sender, receiver, make_messages(), ('kp', 'mt'), timeout=20)


def test_two_processes(ros):
    echo = subprocess.Popen([sys.executable, '-c', ECHO], stdout=subprocess.PIPE, text=True)
    try:
        assert echo.stdout.readline().strip() == 'ready'
        node = Node('sender')
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        exchange(executor, node, node, make_messages(1), ('kp_echo', 'mt_echo'), timeout=30)
    finally:
        echo.terminate()
        echo.wait(timeout=10)
