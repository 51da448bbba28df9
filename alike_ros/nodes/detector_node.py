# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Detector node: image -> KeypointArray, as a managed (lifecycle) node.

configure loads the model (and warms it up); activate subscribes and starts the worker thread;
deactivate stops processing (frames that still arrive are counted as dropped); cleanup frees
the ONNX Runtime session. The subscription callback only hands the frame to the worker, so the
executor stays free (parameters, diagnostics, lifecycle services) while a frame is processed.
What waits for the worker follows the image QoS: best effort (a camera) keeps the newest frame
only, a slow detector drops stale frames and never queues them; reliable (bags, recordings:
every frame wanted) keeps up to the subscription's depth in order, and drops the oldest only
when that many wait. Counters span the node's life: received = published + dropped + rejected
+ in flight,
and frames a publisher sent that never reached the callback are counted `lost` (gaps in its
sequence numbers: overwritten in the subscription's history while the executor was busy, or
lost by the transport), so received + lost covers what was sent.
"""

from collections import deque
import threading
import time

import numpy as np
from sensor_msgs.msg import CompressedImage, Image

from alike_ros.config import DetectorConfig, DetectorNodeConfig
from alike_ros.detector import Detector
from alike_ros.image_encoding import ImageError
from alike_ros.nodes import compat, messages
from alike_ros.nodes.compat import SubscriptionEventCallbacks, UnsupportedEventTypeError
from alike_ros.nodes.managed import ManagedNode
from alike_ros.nodes.qos import image_qos
from alike_ros.nodes.runner import run_nodes


class DetectorNode(ManagedNode):
    """Runs the two-stage detector on every image it can keep up with."""

    CONFIGS = {'config': DetectorConfig, 'node_config': DetectorNodeConfig}

    def __init__(self, node_name='alike_detector', **kwargs):
        super().__init__(node_name, **kwargs)
        self.detector = None
        self.counts = dict(received=0, published=0, dropped=0, rejected=0, lost=0,
                           lost_reported=0)
        self._last_seq = None  # the publisher's sequence number of the last frame received
        self._lost_at_diagnostics = 0
        self.timings = deque(maxlen=200)  # per-frame stage timings (ms)
        self.latencies = deque(maxlen=200)  # receive -> publish (ms)
        self._last_reason = ''
        self._last_log = {}
        self._last_logged_received = -1
        self._cv = threading.Condition()
        self._pending = deque(maxlen=1)  # (msg, receive time) waiting for the worker
        self._busy = False
        self._processing = False  # active: frames go to the worker, else they are dropped
        self._worker = None
        self._sub = self.pub = self._diag_timer = None
        self.autostart()

    # Lifecycle.
    def configure(self):
        self.detector = Detector(self.config, log=self.get_logger())
        self.pub = self.create_lifecycle_publisher(messages.KeypointArray, 'keypoints', 10)
        self._diag_timer = self.create_timer(self.node_config.diagnostics_period,
                                             self._publish_diagnostics)

    def activate(self):
        with self._cv:
            self._processing = True
        warmed = threading.Event()
        self._worker = threading.Thread(target=self._work, args=(warmed,), name='alike_detector',
                                        daemon=True)
        self._worker.start()
        warmed.wait()  # before frames arrive: none waits for the worker's warm-up
        if self._sub is None:
            self._subscribe()
        self.get_logger().info(
            f'{self.config.model} on {self.detector.provider}, input {self.config.input_rule()}, '
            f'listening on {self.resolve_topic_name("image")}')

    def _subscribe(self):
        qos = image_qos(self.node_config.image_reliability)
        with self._cv:  # reliable: as many frames wait for the worker as the queue holds
            self._pending = deque(self._pending, maxlen=qos.depth)
        msg_type, topic = ((CompressedImage, 'image/compressed') if self.node_config.compressed
                           else (Image, 'image'))
        # The publisher's sequence numbers come with the message info (Iron and later).
        callback = self._on_image_info if compat.MESSAGE_INFO else self._on_image
        self._last_seq = None  # a new subscription: the publisher's numbers went on meanwhile
        try:
            self._sub = self.create_subscription(
                msg_type, topic, callback, qos,
                event_callbacks=SubscriptionEventCallbacks(message_lost=self._on_message_lost))
            if not compat.MESSAGE_INFO:
                self.get_logger().info(
                    'this rclpy (Humble) gives callbacks no message info: frames lost before '
                    "the detector are counted from the middleware's message_lost events only")
        except UnsupportedEventTypeError:  # an RMW without the event: sequence gaps only
            self._sub = self.create_subscription(msg_type, topic, callback, qos)
            if not compat.MESSAGE_INFO:
                self.get_logger().warning(
                    'this rclpy (Humble) gives callbacks no message info and this RMW has no '
                    "message_lost event: frames lost before the detector are not counted "
                    "('lost' stays 0)")

    def deactivate(self):
        """Stop the worker after the frame in hand; frames still waiting count as dropped."""
        with self._cv:
            self._processing = False
            self.counts['dropped'] += len(self._pending)
            self._pending.clear()
            self._cv.notify()
        if self._worker is not None:
            self._worker.join()
            self._worker = None

    def release(self):
        self.deactivate()
        if self._sub is not None:
            self.destroy_subscription(self._sub)
        if self.pub is not None:
            self.destroy_lifecycle_publisher(self.pub)
        if self._diag_timer is not None:
            self.destroy_timer(self._diag_timer)
        self._sub = self.pub = self._diag_timer = None
        self.detector = None  # frees the ONNX Runtime session

    def apply_live(self, attr, config):
        if attr == 'config':
            changed = {k: getattr(config, k) for k in DetectorConfig.live_fields()
                       if getattr(config, k) != getattr(self.config, k)}
            self.detector.update(**changed)
            if changed:
                self.get_logger().info(f'parameters changed: {changed}')
        setattr(self, attr, config)

    # Frames.
    def _throttled(self, key, text, level='warning'):
        """Log `text` unless `key` was logged within log_period; return whether it was."""
        now = time.monotonic()
        if now - self._last_log.get(key, -1e9) < self.node_config.log_period:
            return False
        self._last_log[key] = now
        # One call site per severity: rclpy refuses a call site that changes severity.
        if level == 'info':
            self.get_logger().info(text)
        else:
            self.get_logger().warning(text)
        return True

    def _on_image_info(self, msg, info):
        self._count_gap(info.get('publication_sequence_number'))
        self._on_image(msg)

    def _count_gap(self, seq):
        """Count the frames between this one and the last of the same publisher as lost."""
        last, self._last_seq = self._last_seq, seq
        if not seq or last is None or seq <= last + 1 or self._sub is None:
            return
        # Several publishers' numbers interleave: only one publisher's gaps mean anything
        # (a graph query, so asked only when there is a gap, not for every frame).
        if compat.publisher_count(self, self._sub) != 1:
            return
        missed = seq - last - 1
        with self._cv:
            self.counts['lost'] += missed
            total = self.counts['lost']
        self._throttled('lost', (
            f'{missed} frame(s) never reached the detector (publisher sequence {last} -> '
            f'{seq}): replaced in the subscription queue (depth {self._sub.qos_profile.depth}) '
            f'while the executor was busy, or lost by the transport; {total} lost so far'))

    def _on_message_lost(self, info):
        # What the RMW itself reports lost (transport); with sequence numbers those frames
        # are in `lost` too, without them (Humble) this is the only count.
        with self._cv:  # per subscription: summed, as the node's counters span its life
            self.counts['lost_reported'] += info.total_count_change
            if not compat.MESSAGE_INFO:
                self.counts['lost'] += info.total_count_change
            total = self.counts['lost_reported']
        self._throttled('lost_reported', f'the middleware reports '
                        f'{info.total_count_change} image(s) lost; {total} so far')

    def _on_image(self, msg):
        with self._cv:
            self.counts['received'] += 1
            if not self._processing:
                self.counts['dropped'] += 1
                return
            if len(self._pending) == self._pending.maxlen:  # the oldest waiting one goes
                self.counts['dropped'] += 1
            self._pending.append((msg, time.monotonic()))
            self._cv.notify()

    def _work(self, warmed):
        # glibc gives each thread a malloc arena of its own, so configure's warm-up (another
        # thread) left this one's memory untouched: the first two frames paid 1500-2100 page
        # faults, 2.5-3 ms each. Warm up here too, before any frame is taken.
        try:
            self.detector.warm_up()
        except Exception as err:  # configure's warm-up passed: report, and serve frames
            self.get_logger().warning(f'warm-up in the worker thread failed: {err}')
        finally:
            warmed.set()
        while True:
            with self._cv:
                while not self._pending and self._processing:
                    self._cv.wait()
                if not self._processing:
                    return
                msg, t_received = self._pending.popleft()
                self._busy = True
            try:
                self._process(msg, t_received)
            finally:
                with self._cv:
                    self._busy = False

    def _reject(self, reason):
        with self._cv:
            self.counts['rejected'] += 1
        self._last_reason = reason
        self._throttled('reject', f'rejected frame ({self.counts["rejected"]} so far): {reason}')

    def _process(self, msg, t_received):
        try:
            if isinstance(msg, CompressedImage):
                image = messages.decode_compressed(msg)
            else:
                image = messages.image_msg_to_array(msg)
            features = self.detector.detect(image)
        except ImageError as err:
            self._reject(str(err))
            return
        except Exception as err:  # keep running on anything a bad frame can trigger
            self._reject(f'{type(err).__name__}: {err}')
            return
        h, w = image.shape[:2]
        out = messages.features_to_msg(features, msg.header, h, w, self.config.model,
                                       self.detector.descriptor_size,
                                       self.config.descriptor_encoding)
        self.pub.publish(out)
        with self._cv:
            self.counts['published'] += 1
            self.timings.append(features.timings)
            self.latencies.append((time.monotonic() - t_received) * 1e3)

    def snapshot(self):
        """Return counters (consistent with each other) and timing percentiles."""
        with self._cv:  # the worker appends under this lock
            counts = dict(self.counts)
            counts['in_flight'] = len(self._pending) + int(self._busy)
            timings, latencies = list(self.timings), list(self.latencies)
        stats = {}
        if timings:
            for stage in timings[-1]:
                stats[f'{stage}_ms_p50'] = float(np.median([t[stage] for t in timings]))
            stats['latency_ms_p50'] = float(np.percentile(latencies, 50))
            stats['latency_ms_p95'] = float(np.percentile(latencies, 95))
        return counts, stats

    def _publish_diagnostics(self):
        counts, stats = self.snapshot()
        lossy = counts['received'] and counts['rejected'] > 0.1 * counts['received']
        lost = counts['lost'] - self._lost_at_diagnostics  # since the last status
        self._lost_at_diagnostics = counts['lost']
        message = (self._last_reason if lossy else
                   f'{lost} frame(s) lost before the detector' if lost else self.state)
        self.publish_status(
            'ALIKE detector', f'{self.config.model}@{self.detector.provider}',
            lossy or lost > 0, message,
            {**counts, **{k: f'{v:.2f}' for k, v in stats.items()}, 'state': self.state,
             'last_reject_reason': self._last_reason})
        if stats and counts['received'] != self._last_logged_received:
            frames = ', '.join(f'{k} {v}' for k, v in counts.items())
            text = (f"frames {frames}; total {stats['total_ms_p50']:.1f} ms, latency p50 "
                    f"{stats['latency_ms_p50']:.1f} / p95 {stats['latency_ms_p95']:.1f} ms")
            if self._throttled('summary', text, level='info'):
                self._last_logged_received = counts['received']


def main(args=None):
    return run_nodes([DetectorNode], args, 'detector_node')
