# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Launch the graph with a bag N times per mode and rate, and count every frame.

Per launch: frames played, received by the detector, lost before it, published, dropped,
matched; then a table per mode and rate. Exit status 1 when a launch lost frames without
counting them or ran into a problem (see alike_ros/tools/stress.py and docs/frame-loss.md).
"""


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('--launches', type=int, default=50, help='launches per mode and rate')
    parser.add_argument('--modes', default='composed,two', help='composed and/or two (processes)')
    parser.add_argument('--rates', default='10,30', help='playback rates in Hz (a 10 Hz bag)')
    parser.add_argument('--frames', type=int, default=200,
                        help='frames in the bag (a multiple of the number of images)')
    parser.add_argument('--out', help='folder for launches.jsonl and the logs of lossy launches')
    parser.add_argument('--images', help='frames of the bag (default: the shared TUM frames)')
    parser.add_argument('--reliability', default='reliable', choices=['reliable', 'best_effort'],
                        help="the detector's image subscription (the player is reliable)")
    parser.add_argument('--work', help='folder for the bag (kept, and reused when it is there)')
    parser.add_argument('--summary', nargs='+', metavar='JSONL',
                        help='only print the table of earlier runs (their launches.jsonl)')


def run(args):
    """Run `alike-ros stress`."""
    from alike_ros.tools import stress
    if args.summary:
        print(stress.summary_table([r for path in args.summary
                                    for r in stress.load_results(path)]))
        return 0
    modes = args.modes.split(',')
    unknown = set(modes) - {'composed', 'two'}
    if unknown:
        raise ValueError(f"modes are 'composed' and 'two', got {', '.join(sorted(unknown))}")
    results = stress.run(args.launches, modes, [float(r) for r in args.rates.split(',')],
                         args.frames, args.out, args.images,
                         lambda line: print(line, flush=True), args.work, args.reliability)
    print(stress.summary_table(results), flush=True)
    return 0 if all(r.accounted and not r.problems for r in results) else 1
