# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Stop ros2 launch while frames flow, every way, and check that it ends cleanly."""

import os
from pathlib import Path


def add_arguments(parser):
    """Add the arguments of this command."""
    from alike_ros.tools.stop_check import WAYS
    parser.add_argument('--times', type=int, default=10, help='runs per mode and way')
    parser.add_argument('--modes', default='composed,two', help='composed and/or two (processes)')
    parser.add_argument('--ways', default=','.join(WAYS),
                        help='comma-separated: ' + ', '.join(WAYS))
    parser.add_argument('--images', help='frames of the bag (default: the shared TUM frames)')
    parser.add_argument('--logs', help='folder for the launch output of unclean stops')


def run(args):
    """Run `alike-ros stop-check`."""
    import random
    import tempfile

    from alike_ros.tools.bag import make_bag
    from alike_ros.paths import tum_dir
    from alike_ros.runtime import use_large_frame_transport
    from alike_ros.tools.stop_check import stop_once
    use_large_frame_transport()
    modes = [m == 'composed' for m in args.modes.split(',')]
    ways = args.ways.split(',')
    with tempfile.TemporaryDirectory() as tmp:
        bag = Path(tmp) / 'tum'
        make_bag(args.images or tum_dir(), bag, rate=10.0, loops=20)
        counts, failures = {}, 0
        for i in range(args.times):
            for composed in modes:
                for way in ways:
                    # A fresh DDS domain per run: a process left by a failed run stays apart.
                    env = dict(os.environ, ROS_DOMAIN_ID=str(random.randint(1, 100)))
                    r = stop_once(bag, way, composed, env=env)
                    key = ('composed' if composed else 'two processes', way)
                    clean, total, times = counts.get(key, (0, 0, []))
                    counts[key] = (clean + r.clean, total + 1, times + [r.stop_s])
                    print(f'[{i + 1}/{args.times}] {key[0]:13s} {way:18s} launch exit '
                          f'{r.launch_exit}, {r.stop_s:.1f} s: '
                          + ('clean' if r.clean else '; '.join(r.problems)), flush=True)
                    if not r.clean:
                        failures += 1
                        if args.logs:
                            Path(args.logs).mkdir(parents=True, exist_ok=True)
                            (Path(args.logs) / f'{i}_{key[0][:3]}_{way}.log').write_text(
                                r.output)
    print('\n| mode | way | clean | stop time (median s) |\n|---|---|---:|---:|')
    for (mode, way), (clean, total, times) in counts.items():
        print(f'| {mode} | {way} | {clean}/{total} | {sorted(times)[len(times) // 2]:.1f} |')
    return 1 if failures else 0
