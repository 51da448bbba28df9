# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
alike_ros.nodes.compat on Humble, run here: its fallbacks with Jazzy's names hidden.

compat.py is loaded a second time (as its own module) with `rclpy.event_handler` missing,
`rclpy.qos_event` holding classes with Humble's signatures (checked against Humble's sources)
and no `Subscription.CallbackType`, as on Humble; every fallback branch the API walk finds in
compat.py must run. The nodes then run on those fallbacks: the matcher's overlay still
subscribes images only while watched, and the detector counts lost frames from the
middleware's events.
"""

import importlib.util
import inspect
from pathlib import Path
import sys
import time
import types

from alike_ros.nodes import compat
from alike_ros.paths import shared_dir
import humble_api
import pytest
import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter
from rclpy.subscription import Subscription
from sensor_msgs.msg import Image

ROOT = Path(__file__).resolve().parent.parent
COMPAT = ROOT / humble_api.COMPAT
HUMBLE = shared_dir() / 'ros2' / 'humble'
needs_humble = pytest.mark.skipif(
    not (HUMBLE / 'rclpy' / 'rclpy' / 'qos_event.py').is_file(),
    reason=f"needs Humble's Python sources in {HUMBLE} (../shared/ros2/humble)")
# Humble emulated on a newer rclpy: on Humble itself the real names run (test_humble_api).
event_handler = pytest.importorskip('rclpy.event_handler', reason='emulates Humble on Iron+')


class HumblePublisherEventCallbacks(event_handler.PublisherEventCallbacks):
    """rclpy.qos_event.PublisherEventCallbacks as Humble has it: no `matched`."""

    def __init__(self, *, deadline=None, liveliness=None, incompatible_qos=None,
                 use_default_callbacks=True):
        super().__init__(deadline=deadline, liveliness=liveliness,
                         incompatible_qos=incompatible_qos,
                         use_default_callbacks=use_default_callbacks)


class HumbleSubscriptionEventCallbacks(event_handler.SubscriptionEventCallbacks):
    """rclpy.qos_event.SubscriptionEventCallbacks as Humble has it."""

    def __init__(self, *, deadline=None, incompatible_qos=None, liveliness=None,
                 message_lost=None, use_default_callbacks=True):
        super().__init__(deadline=deadline, incompatible_qos=incompatible_qos,
                         liveliness=liveliness, message_lost=message_lost,
                         use_default_callbacks=use_default_callbacks)


class NoPublisherCount:
    """A subscription as Humble's: no get_publisher_count."""

    topic_name = '/humble_compat/none'


@pytest.fixture
def ros():
    context = Context()
    rclpy.init(context=context)
    yield context
    rclpy.shutdown(context=context)


@pytest.fixture
def on_humble(monkeypatch):
    """Load compat.py as on Humble; yield (the module, the lines of compat.py that ran)."""
    qos_event = types.ModuleType('rclpy.qos_event')
    qos_event.PublisherEventCallbacks = HumblePublisherEventCallbacks
    qos_event.SubscriptionEventCallbacks = HumbleSubscriptionEventCallbacks
    qos_event.UnsupportedEventTypeError = event_handler.UnsupportedEventTypeError
    spec = importlib.util.spec_from_file_location('alike_ros.nodes.compat_on_humble', COMPAT)
    module = importlib.util.module_from_spec(spec)
    ran = set()

    def trace(frame, event, arg):
        if frame.f_code.co_filename != str(COMPAT):
            return None
        ran.add(frame.f_lineno)
        return trace

    # Humble's names only while compat.py loads: Jazzy's rclpy itself needs its own.
    with monkeypatch.context() as humble:
        humble.setitem(sys.modules, 'rclpy.event_handler', None)  # the import fails
        humble.setitem(sys.modules, 'rclpy.qos_event', qos_event)
        humble.delattr(Subscription, 'CallbackType')
        sys.settrace(trace)
        try:
            spec.loader.exec_module(module)
            assert module.publisher_count(FakeNode(), NoPublisherCount()) == 7
        finally:
            sys.settrace(None)
    return module, ran


class FakeNode:

    def count_publishers(self, topic):
        assert topic == NoPublisherCount.topic_name
        return 7


def spin_until(executor, done, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)
    return done()


def test_jazzy_names_are_jazzys_own():
    assert compat.PublisherEventCallbacks is event_handler.PublisherEventCallbacks
    assert compat.SubscriptionEventCallbacks is event_handler.SubscriptionEventCallbacks
    assert compat.UnsupportedEventTypeError is event_handler.UnsupportedEventTypeError
    assert compat.MESSAGE_INFO is True


@needs_humble
def test_the_stand_ins_have_humbles_signatures():
    humble = humble_api.Humble(HUMBLE)
    for cls in (HumblePublisherEventCallbacks, HumbleSubscriptionEventCallbacks):
        init = humble.init(humble.member('rclpy.qos_event', cls.__bases__[0].__name__))
        ours = list(inspect.signature(cls).parameters)
        assert ours == [p.arg for p in init.node.args.kwonlyargs], humble_api.signature(init)


@needs_humble
def test_every_fallback_in_compat_runs(on_humble):
    module, ran = on_humble
    assert module.MESSAGE_INFO is False
    assert issubclass(module.PublisherEventCallbacks, HumblePublisherEventCallbacks)
    assert module.SubscriptionEventCallbacks is HumbleSubscriptionEventCallbacks
    _, fallbacks = humble_api.split(humble_api.check(ROOT, HUMBLE, files=[COMPAT]))
    assert fallbacks, 'the walk found no fallback in compat.py'
    for breach in fallbacks:
        for first, last in breach.handlers:
            assert first in ran, f'{breach}: its fallback (lines {first}-{last}) never ran'


def test_matched_is_polled_on_humble(on_humble, ros, capfd):
    module, _ = on_humble
    node = rclpy.create_node('humble_compat_pub', context=ros)
    viewer = rclpy.create_node('humble_compat_viewer', context=ros)
    executor = SingleThreadedExecutor(context=ros)
    for n in (node, viewer):
        executor.add_node(n)
    events = []
    try:
        pub = node.create_publisher(
            Image, 'humble_compat/overlay', 2,
            event_callbacks=module.PublisherEventCallbacks(matched=events.append))
        assert "has no publisher 'matched' event" in capfd.readouterr().err
        spin_until(executor, lambda: False, timeout=0.2)
        assert events == []  # nobody subscribed: no event
        sub = viewer.create_subscription(Image, 'humble_compat/overlay', lambda m: None, 2)
        assert spin_until(executor, lambda: events and events[-1].current_count == 1)
        assert (events[-1].current_count_change, events[-1].total_count) == (1, 1)
        viewer.destroy_subscription(sub)
        assert spin_until(executor, lambda: events[-1].current_count == 0)
        assert (events[-1].current_count_change, events[-1].total_count) == (-1, 1)
        assert node.destroy_publisher(pub)
    finally:
        executor.shutdown()
        viewer.destroy_node()
        node.destroy_node()


def test_the_matcher_overlay_follows_its_viewers_on_humble(on_humble, ros, monkeypatch):
    from alike_ros.nodes import matcher_node
    module, _ = on_humble
    monkeypatch.setattr(matcher_node, 'PublisherEventCallbacks', module.PublisherEventCallbacks)
    matcher = matcher_node.MatcherNode(namespace='humble_compat', context=ros)
    viewer = rclpy.create_node('humble_compat_viewer', context=ros)
    executor = SingleThreadedExecutor(context=ros)
    for n in (matcher, viewer):
        executor.add_node(n)
    try:
        def image_readers():
            return viewer.count_subscribers('/humble_compat/image')
        assert spin_until(executor, lambda: False, timeout=0.3) is False
        assert image_readers() == 0
        sub = viewer.create_subscription(Image, '/humble_compat/matches/overlay',
                                         lambda m: None, 2)
        assert spin_until(executor, lambda: image_readers() == 1)
        viewer.destroy_subscription(sub)
        assert spin_until(executor, lambda: image_readers() == 0)
    finally:
        executor.shutdown()
        viewer.destroy_node()
        matcher.destroy_node()


def test_the_detector_counts_lost_frames_from_events_on_humble(ros, monkeypatch, capfd):
    from alike_ros.config import DetectorNodeConfig
    from alike_ros.nodes.detector_node import DetectorNode
    node = DetectorNode(namespace='humble_compat', context=ros,
                        parameter_overrides=[Parameter('autostart', value=False)])
    lost = types.SimpleNamespace(total_count_change=3)
    try:
        node.node_config = DetectorNodeConfig()
        monkeypatch.setattr(compat, 'MESSAGE_INFO', False)
        node._subscribe()
        assert node._sub.callback == node._on_image  # Humble passes the message only
        assert 'no message info' in capfd.readouterr().err
        node._on_message_lost(lost)
        assert (node.counts['lost'], node.counts['lost_reported']) == (3, 3)
        monkeypatch.setattr(compat, 'MESSAGE_INFO', True)  # sequence gaps count them there
        node._on_message_lost(lost)
        assert (node.counts['lost'], node.counts['lost_reported']) == (3, 6)
    finally:
        node.destroy_node()


def test_the_matcher_runs_without_poselib_until_a_fit_needs_it():
    """docs/humble.md: a robot's pip set may lack PoseLib; homography needs none of it."""
    import subprocess
    code = '''
import sys
sys.modules["poselib"] = None  # as if not installed
import rclpy
from rclpy.parameter import Parameter
from alike_ros.nodes.matcher_node import MatcherNode
from alike_ros.nodes.params import ConfigError
rclpy.init()
node = MatcherNode(parameter_overrides=[Parameter("geometry", value="homography")])
assert node.state == "active", node.state
node.destroy_node()
try:
    MatcherNode(parameter_overrides=[Parameter("geometry", value="essential")])
except (ConfigError, ImportError) as err:
    assert "pip install poselib" in str(err), err
else:
    raise AssertionError("essential started without PoseLib")
rclpy.shutdown()
'''
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
