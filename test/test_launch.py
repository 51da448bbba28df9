# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
edge.launch.py under launch_testing, playing rosbag2 files through its `bag` argument.

Composed (component container) and two processes, each with (a) the TUM bag: every frame
gives exactly one KeypointArray and one MatchArray, at least N - 2 valid homographies, and
the detector's diagnostics account for every frame; (b) a bag with malformed frames among good
ones: exactly those are rejected, the rest published, nothing dies; and (c) every launched
process exits 0 when launch_testing shuts the launch down. At half speed and at the bag's real
rate (10 Hz) every frame must reach the detector (none lost) and come out (none dropped): the
bag plays reliably, and a reliable input queues up to 30 frames for a busy detector, more than
the bag holds, so a loaded machine delays frames but drops none.
"""

import tempfile
import unittest

from launch import LaunchDescription
from launch.actions import IncludeLaunchDescription
from launch.launch_description_sources import PythonLaunchDescriptionSource
import launch_testing
import launch_testing.actions
import launch_testing.asserts
import pytest

from conftest import require_shared, TUM
from launch_helpers import launch_file, mixed_bag, Probe, reliable_params, tum_bag
from launch_helpers import TestProcessesExitCleanly  # noqa: F401 (the post-shutdown test)

require_shared()

WORK = tempfile.mkdtemp(prefix='alike_launch_test_')


@pytest.mark.launch_test
@launch_testing.parametrize('composed, bag_kind, rate', [
    ('true', 'tum', '0.5'), ('false', 'tum', '0.5'), ('true', 'mixed', '0.5'),
    ('false', 'mixed', '0.5'), ('true', 'tum', '1.0'), ('false', 'tum', '1.0')])
def generate_test_description(composed, bag_kind, rate):
    if bag_kind == 'tum':
        bag = f'{WORK}/tum'
        frames, malformed = tum_bag(TUM, bag), 0
    else:
        bag = f'{WORK}/mixed'
        frames, malformed = mixed_bag(TUM, bag)
    launch = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(launch_file()),
        launch_arguments={'bag': bag, 'composed': composed,
                          'params_file': reliable_params(f'{WORK}/params.yaml'),
                          # The detector and this test's probe (which subscribes images once
                          # it hears the outputs): no frame goes unseen. The delay lets the
                          # other sides of those matches complete too.
                          'bag_wait_subscribers': '2', 'bag_delay': '3.0',
                          # Half speed and real rate: every frame must arrive (issue 24)
                          # and come out, even on a loaded 2-core CI (issue 32).
                          'bag_rate': rate}.items())
    return LaunchDescription([launch, launch_testing.actions.ReadyToTest()]), {
        'frames': frames, 'malformed': malformed}


class TestBagThroughLaunch(unittest.TestCase):

    def test_every_frame_is_accounted_for(self, frames, malformed):
        probe = Probe(images_after_outputs=True)
        try:
            good = frames - malformed
            done = probe.wait(lambda: len(probe.images) == frames
                              and probe.counters().get('received') == frames
                              and probe.counters().get('in_flight') == 0
                              and len(probe.matches) >= probe.counters()['published'],
                              timeout=90)
            counts = probe.counters()

            def frame(stamp):  # both bags: 10 Hz from 1.7e9 s
                return round((stamp.sec - 1_700_000_000) * 10 + stamp.nanosec / 1e8)

            seen = sorted(frame(m.header.stamp) for _, m in probe.images)
            out = {frame(m.header.stamp) for _, m in probe.keypoints}
            missing = (f'images not seen {sorted(set(range(frames)) - set(seen))}, frames '
                       f'without keypoints {sorted(set(range(frames)) - out)}')
            self.assertTrue(done, f'{len(probe.images)} images, {len(probe.keypoints)} '
                                  f'keypoint arrays, {len(probe.matches)} match arrays, '
                                  f'detector counters {counts}, {missing}')
            probe.wait(lambda: False, timeout=1.5)  # anything extra would arrive now
            stamps = [m.header.stamp for _, m in probe.images]
            self.assertEqual(counts['received'], counts['published'] + counts['dropped']
                             + counts['rejected'] + counts['in_flight'])
            self.assertEqual(counts['lost'], 0)  # every frame reached the detector
            self.assertEqual((counts['rejected'], counts['published'], counts['dropped']),
                             (malformed, good, 0))
            # Exactly one KeypointArray and one MatchArray per published frame, in order.
            kp = [m for _, m in probe.keypoints]
            mt = [m for _, m in probe.matches]
            self.assertEqual(len(kp), good)
            self.assertEqual([m.header.stamp for m in mt], [m.header.stamp for m in kp])
            self.assertTrue(all(m.header.stamp in stamps for m in kp))
            valid = sum(m.valid for m in mt)
            self.assertGreaterEqual(valid, good - 2, [m.reason for m in mt if not m.valid])
            self.assertIn('first frame', mt[0].reason)
        finally:
            probe.close()
