# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
`alike-ros soak`: detector + matcher fed at a high rate for minutes; RSS, frames, drops, errors.

A publisher in this process cycles through the TUM frames with fresh stamps at the given rate;
the graph runs in the same process (as `alike_graph`), so its RSS is this process's RSS.
"""

from array import array
import time

from rclpy.node import Node
from rclpy.parameter import Parameter
from sensor_msgs.msg import Image

from alike_ros.tools.bench import default_images
from alike_ros.nodes import messages
from alike_ros.tools.ros_session import RosSession


def rss_mb():
    """Resident set size of this process now, in MB."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return float('nan')


def run(minutes=5.0, rate=60.0, warmup_s=20.0):
    """Run the soak; return a dict of results."""
    from alike_ros.nodes.detector_node import DetectorNode
    from alike_ros.nodes.matcher_node import MatcherNode
    frames = default_images(count=None)
    payloads = [array('B', f.tobytes()) for f in frames]
    ros = RosSession()
    kw = dict(namespace='alike_soak', context=ros.context)
    detector = DetectorNode(parameter_overrides=[
        Parameter('image_reliability', value='reliable')], **kw)
    feeder = Node('soak_feeder', **kw)
    ros.add(detector, MatcherNode(**kw), feeder)
    pub = feeder.create_publisher(Image, 'image', 10)
    counts = {'sent': 0, 'keypoints': 0, 'matches': 0, 'valid': 0}
    feeder.create_subscription(messages.KeypointArray, 'keypoints',
                               lambda m: counts.__setitem__('keypoints', counts['keypoints'] + 1),
                               10)

    def on_match(m):
        counts['matches'] += 1
        counts['valid'] += int(m.valid)
    feeder.create_subscription(messages.MatchArray, 'matches', on_match, 10)
    ros.start()
    start = time.monotonic()
    rss_start = None
    period = 1.0 / rate
    i = 0
    try:
        while time.monotonic() - start < warmup_s + minutes * 60:
            if rss_start is None and time.monotonic() - start >= warmup_s:
                rss_start, sent_start = rss_mb(), dict(counts)
            msg = Image(height=480, width=640, encoding='bgr8', step=1920)
            msg.header.stamp = feeder.get_clock().now().to_msg()
            msg.header.frame_id = 'soak'
            msg.data = payloads[i % len(payloads)]
            pub.publish(msg)
            counts['sent'] += 1
            i += 1
            time.sleep(max(0.0, start + i * period - time.monotonic()))
        time.sleep(2.0)
        node_counts, stats = detector.snapshot()
        rss_end = rss_mb()
    finally:
        ros.close()
    return {
        'minutes': minutes, 'rate_hz': rate, 'rss_mb_start': rss_start, 'rss_mb_end': rss_end,
        'rss_growth_pct': 100.0 * (rss_end - rss_start) / rss_start,
        'frames_sent': counts['sent'] - sent_start['sent'],
        'keypoints_out': counts['keypoints'] - sent_start['keypoints'],
        'matches_out': counts['matches'] - sent_start['matches'],
        'detector': node_counts, 'detector_stats': stats, 'exceptions': ros.errors,
    }
