# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The speed/accuracy frontier: every model and input budget, ORB and SIFT in the same loop."""


def _names(text):
    return [t for t in text.split(',') if t]


def add_arguments(p):
    """Arguments of frontier."""
    from alike_ros.lab import frontier
    p.add_argument('--out', default='out/frontier')
    p.add_argument('--models', type=_names, default=None,
                   help='comma-separated model names (default: every registered model)')
    p.add_argument('--budgets', type=lambda t: [int(v) for v in _names(t)],
                   default=list(frontier.BUDGETS),
                   help='input_max_pixels values (default: %(default)s)')
    p.add_argument('--int8', type=_names, default=list(frontier.INT8),
                   help='models also measured in int8 (default: %(default)s; empty: none)')
    p.add_argument('--repeats', type=int, default=2,
                   help='passes over the TUM frames in the timing loop (default: 2)')
    p.add_argument('--no-preset', dest='preset', action='store_false',
                   help='leave out the row of config/fast.yaml')


def run(args):
    """Measure the frontier; print its table, the CPU and the fast-preset candidates."""
    from alike_ros.lab import frontier
    report, table = frontier.run(args.out, args.models, args.budgets, args.int8, args.repeats,
                                 args.preset)
    print(table)
    candidates = ', '.join(report['fast_candidates']) or 'none'
    print(f"\n{report['cpu']}; {report['minutes']:.1f} min; detector <= 1.5x ORB and pose "
          f"AUC (TUM @10, @20; 7-Scenes @20) >= ORB's: {candidates}; "
          f'{args.out}/frontier.json, frontier.png')
