# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
`alike-ros stress`: launch the graph with a bag again and again and count every frame.

Each launch is what a user types, `ros2 launch alike_ros edge.launch.py bag:=BAG
params_file:=P composed:=...` with the package's player and its default start-up settings,
on a DDS domain of its own (other launches on the machine stay apart). A collector in this
process records every KeypointArray and MatchArray and the detector's diagnostics; the
player's last line says what it published. Per launch: frames played, received by the
detector, published, dropped, rejected, lost (the detector's count of frames that never reached
its callback, where it has one), matched, and which frames have no keypoints.
"""

from dataclasses import asdict, dataclass, field, fields
import json
import os
from pathlib import Path
import random
import re
import tempfile
import threading
import time

from alike_ros.tools.launching import LaunchedGraph, launch_command

DETECTOR_COUNTERS = ('received', 'published', 'dropped', 'rejected', 'in_flight', 'lost',
                     'lost_reported')
MATCHER_COUNTERS = ('frames', 'valid', 'invalid')


@dataclass
class LaunchCount:
    """What one launch did with the bag's frames."""

    mode: str
    rate_hz: float
    frames: int
    played: int = -1  # images the player says it published (-1: it never said)
    player: str = ''  # the player's last line (published, how late)
    detector: dict = field(default_factory=dict)  # the detector's last counters
    matcher: dict = field(default_factory=dict)  # the matcher's
    keypoints: int = 0  # KeypointArrays the collector got
    matches: int = 0  # MatchArrays the collector got
    missing: list = field(default_factory=list)  # frame numbers the collector got none of
    launch_exit: int = None
    problems: list = field(default_factory=list)
    wall_s: float = 0.0
    load: str = ''  # /proc/loadavg when the launch ended

    @property
    def received(self):
        """Frames the detector's callback got."""
        return self.detector.get('received', -1)

    @property
    def matched(self):
        """Frames the matcher answered (its diagnostics; the collector may match late)."""
        return self.matcher.get('frames', -1)

    @property
    def arrived(self):
        """Every frame the player published reached the detector's callback."""
        return self.frames == self.played == self.received

    @property
    def uncounted(self):
        """Frames played that neither reached the detector nor were counted lost."""
        if self.played < 0 or self.received < 0:
            return -1
        return self.played - self.received - self.detector.get('lost', 0)

    @property
    def accounted(self):
        """Played = received + lost; received = published + dropped + rejected + in flight."""
        d = self.detector
        return self.uncounted == 0 and self.received == sum(
            d.get(k, 0) for k in ('published', 'dropped', 'rejected', 'in_flight'))


def frame_index(stamp_ns, bag_rate_hz):
    """Frame number of a make_bag stamp."""
    from alike_ros.tools.bag import START_NS
    return round((stamp_ns - START_NS) * bag_rate_hz / 1e9)


def make_stress_bag(path, frames=200, bag_rate_hz=10.0, images=None):
    """Write the shared TUM frames (looped) with CameraInfo as a bag of `frames` frames."""
    from alike_ros.paths import config_file, tum_dir
    from alike_ros.tools.bag import load_camera_info, make_bag
    from alike_ros.tools.image_files import image_files

    source = images or tum_dir()
    per_loop = len(image_files([Path(source)]))
    if frames % per_loop:
        raise ValueError(f'frames must be a multiple of the {per_loop} images in {source}')
    make_bag(source, path, rate=bag_rate_hz, storage='mcap', frame_id='tum_rgb',
             loops=frames // per_loop,
             camera_info=load_camera_info(config_file('tum_freiburg2_camera_info.yaml')))
    return frames


class _Collector:
    """Keypoints, matches and the detector's diagnostics, in a context on one domain."""

    def __init__(self, domain_id):
        import rclpy
        from rclpy.qos import QoSProfile, ReliabilityPolicy

        from alike_ros.nodes import messages
        from alike_ros.tools.ros_session import RosSession
        from diagnostic_msgs.msg import DiagnosticArray

        self.ros = RosSession(domain_id)
        self.node = rclpy.create_node('alike_stress_collector', context=self.ros.context)
        self.lock = threading.Lock()
        self.keypoints, self.matches, self.counters = [], [], {}
        deep = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE)
        self.node.create_subscription(messages.KeypointArray, '/keypoints',
                                      self._add(self.keypoints), deep)
        self.node.create_subscription(messages.MatchArray, '/matches',
                                      self._add(self.matches), deep)
        self.node.create_subscription(DiagnosticArray, '/diagnostics', self._diag, 10)
        self.ros.add(self.node)
        self.ros.start()

    def _add(self, target):
        from alike_ros.nodes.messages import stamp_ns

        def callback(msg):
            with self.lock:
                target.append(stamp_ns(msg.header.stamp))
        return callback

    def _diag(self, msg):
        for status in msg.status:
            node = status.name.split(':')[0]
            keys = {'/alike_detector': DETECTOR_COUNTERS,
                    '/alike_matcher': MATCHER_COUNTERS}.get(node, ())
            values = {v.key: v.value for v in status.values}
            with self.lock:
                self.counters[node] = {k: int(values[k]) for k in keys if k in values}

    def snapshot(self):
        """Return (keypoint stamps, match stamps, detector counters, matcher counters)."""
        with self.lock:
            return (list(self.keypoints), list(self.matches),
                    dict(self.counters.get('/alike_detector', {})),
                    dict(self.counters.get('/alike_matcher', {})))

    def close(self):
        """Stop spinning and shut the context down."""
        self.ros.close()


def _player_published(text, topics=1):
    """
    Images the package's player says it published ('published N messages (I images)').

    An older player names only the total: of `topics` messages per frame, one is the image.
    """
    found = re.findall(r'published (\d+) messages(?: \((\d+) images\))?', text)
    if not found:
        return None
    total, images = found[-1]
    return int(images) if images else int(total) // topics


def stress_once(bag, frames, params_file, composed=True, rate_scale=1.0, bag_rate_hz=10.0,
                settle_s=3.0, timeout_s=180.0, log_path=None):
    """Launch the graph on `bag` once, on a fresh DDS domain; return a LaunchCount."""
    from alike_ros.runtime import use_large_frame_transport

    from alike_ros.tools.bag import topics as bag_topics

    use_large_frame_transport()  # the collector's participant and the launch's
    topics = len(bag_topics(bag))
    result = LaunchCount('composed' if composed else 'two processes',
                         bag_rate_hz * rate_scale, frames)
    # A fresh domain, not this session's own. Only 0-101: Linux hands out ephemeral ports
    # from 32768, which the ports of domains above 101 overlap (ROS 2 docs, "The
    # ROS_DOMAIN_ID"), so a participant there may find its port taken and never be discovered.
    domain = random.choice([d for d in range(1, 102)
                            if str(d) != os.environ.get('ROS_DOMAIN_ID')])
    env = dict(os.environ, ROS_DOMAIN_ID=str(domain), PYTHONUNBUFFERED='1')
    collector = _Collector(domain)
    t0 = time.monotonic()
    launch = LaunchedGraph(launch_command(
        f'bag:={bag}', f'params_file:={params_file}',
        f"composed:={'true' if composed else 'false'}", f'bag_rate:={rate_scale}'),
        log=log_path, env=env)
    proc, output = launch.proc, launch.output
    try:
        deadline = t0 + timeout_s
        played = None
        while played is None and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            played = _player_published(output(), topics)
        if played is None:
            result.problems.append('the player never finished' if proc.poll() is None
                                   else f'ros2 launch exited {proc.poll()} early')
        # Drained: every received frame left the detector and nothing new came for settle_s.
        last, seen = time.monotonic(), None
        while time.monotonic() - last < settle_s and time.monotonic() < deadline:
            kp, mt, det, mat = collector.snapshot()
            now = (len(kp), len(mt), tuple(sorted(det.items())), tuple(sorted(mat.items())))
            if now != seen or det.get('in_flight', 1):
                seen, last = now, time.monotonic()
            time.sleep(0.1)
        result.played = -1 if played is None else played
        result.player = next((line.split('] ', 1)[-1] for line in output().splitlines()[::-1]
                              if re.search(r'published \d+ messages', line)), '')
    finally:
        result.launch_exit = launch.stop()
        result.problems += launch.problems
        kp, mt, det, mat = collector.snapshot()
        collector.close()
        launch.close()
    result.wall_s = time.monotonic() - t0
    result.detector, result.matcher = det, mat
    result.keypoints, result.matches = len(kp), len(mt)
    out = {frame_index(s, bag_rate_hz) for s in kp}
    result.missing = sorted(set(range(frames)) - out)
    with open('/proc/loadavg') as f:
        result.load = ' '.join(f.read().split()[:3])
    if result.launch_exit != 0:
        result.problems.append(f'ros2 launch exited {result.launch_exit}')
    return result


def describe(r):
    """One line per launch."""
    d = r.detector
    counters = ', '.join(f'{k} {d[k]}' for k in DETECTOR_COUNTERS if k in d)
    # Frames without keypoints beyond those the detector did not publish: the collector's
    # readers matched the graph's writers late (they are not the graph's loss).
    extra = len(r.missing) - (r.frames - d.get('published', 0))
    missing = f'; the collector missed {extra} keypoint arrays' if extra > 0 else ''
    problems = f'; {"; ".join(r.problems)}' if r.problems else ''
    late = r.player.partition('; ')[2]  # how late the player was
    verdict = ('all arrived' if r.arrived else
               f'{r.uncounted} UNCOUNTED' if r.uncounted else 'lost, counted')
    return (f'{r.mode:13s} {r.rate_hz:4.0f} Hz: played {r.played}, detector {counters}, '
            f'matched {r.matched}: {verdict}{missing} ({r.wall_s:.0f} s, load {r.load}'
            + (f'; player {late}' if late else '') + f'){problems}')


def summary_table(results):
    """Markdown table per mode and rate: launches, frame totals, launches with uncounted loss."""
    groups = {}
    for r in results:
        groups.setdefault((r.mode, r.rate_hz), []).append(r)
    lines = ['| mode | rate | launches | all frames reached the detector | played | received '
             '| lost (counted) | published | dropped | matched | launches with uncounted loss '
             '(frames) |',
             '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
    for (mode, rate), rs in groups.items():
        def total(key):
            return sum(max(r.detector.get(key, 0), 0) for r in rs)
        uncounted = [r.uncounted for r in rs if r.uncounted]
        lines.append(
            f'| {mode} | {rate:.0f} Hz | {len(rs)} | {sum(r.arrived for r in rs)} '
            f'| {sum(max(r.played, 0) for r in rs)} | {total("received")} | {total("lost")} '
            f'| {total("published")} | {total("dropped")} | {sum(max(r.matched, 0) for r in rs)} '
            f'| {len(uncounted)} ({sum(u for u in uncounted if u > 0)}) |')
    return '\n'.join(lines)


def load_results(path):
    """Read the LaunchCounts of a launches.jsonl back (several runs' files can be joined)."""
    names = {f.name for f in fields(LaunchCount)}
    with open(path) as f:
        return [LaunchCount(**{k: v for k, v in json.loads(line).items() if k in names})
                for line in f if line.strip()]


def run(launches=50, modes=('composed', 'two'), rates=(10.0, 30.0), frames=200,
        out=None, images=None, print_fn=None, work=None, reliability='reliable'):
    """
    Run `launches` launches per mode and rate (interleaved); return the LaunchCounts.

    One 10 Hz bag serves every rate (played at rate / 10 x); with `out`, every launch is
    appended to out/launches.jsonl as it ends and the logs of launches with a loss are kept.
    The player publishes reliably; `reliability` is the detector's image subscription's
    (best_effort: a camera stream's keep-last-1 reader, whose losses must be counted).
    """
    from alike_ros.paths import config_file
    from alike_ros.tools.demo import reliable_params

    work = Path(work or tempfile.mkdtemp(prefix='alike_stress_'))
    out = Path(out) if out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    bag = work / 'bag'
    if not bag.exists():
        make_stress_bag(bag, frames, 10.0, images)
    params = (reliable_params(work / 'params.yaml') if reliability == 'reliable'
              else str(config_file('edge.yaml')))  # best effort, as cameras publish
    results = []
    for i in range(launches):
        for mode in modes:
            for rate in rates:
                log = (out or work) / f'launch_{i:03d}_{mode}_{rate:.0f}hz.log'
                r = stress_once(bag, frames, params, composed=mode == 'composed',
                                rate_scale=rate / 10.0, log_path=log)
                results.append(r)
                (print_fn or print)(f'[{i + 1}/{launches}] {describe(r)}')
                if out:
                    with open(out / 'launches.jsonl', 'a') as f:
                        f.write(json.dumps({**asdict(r), 'arrived': r.arrived,
                                            'uncounted': r.uncounted}) + '\n')
                if (r.arrived and r.accounted and not r.problems
                        and r.matched == r.detector.get('published')):
                    log.unlink(missing_ok=True)
    return results
