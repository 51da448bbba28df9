# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Per-stage timing of the detector (and its int8 form and variants, same run)."""

from pathlib import Path

from alike_ros.tools.commands import _args


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('--models', type=_args.models, default=_args.default_models())
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--frames', type=int, default=10)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--top-k', type=int, default=None,
                        help="default: each family's authors' (XFeat 4096), else -1 (threshold)")
    parser.add_argument('--int8', action='store_true', help='also the int8 models, same run')
    parser.add_argument('--scores-th', type=float, default=None,
                        help="default: each family's authors' (EdgePoint2 0.0067), else 0.2")
    parser.add_argument('--matchers', action='store_true',
                        help='also every matching method per frame pair, same run')
    parser.add_argument('--keypoint-control', action='store_true',
                        help='also stage 2 with a mask, an ROI and spread, same run')
    parser.add_argument('--matcher-features', action='store_true',
                        help="also the matcher's undistortion, geometries and tracks, same run")
    parser.add_argument('--graph-forms', action='store_true',
                        help='also the exact form with convolution score projections (graph_form '
                             'conv), same run: which is faster depends on the CPU')
    parser.add_argument('--profile', metavar='DIR',
                        help="also ONNX Runtime's per-op profile of each model (traces in DIR)")
    parser.add_argument('--profile-runs', type=int, default=30)
    parser.add_argument('--json', help='also write the table as JSON')


def run(args, extra=None):
    """Run `alike-ros bench` (`extra`: pipelines to add, as run_bench's)."""
    import json

    from alike_ros.tools import bench
    table, text = run_bench(args, extra)
    print(f'\n{text}\n\npeak RSS of this process: {bench.peak_rss_mb():.0f} MB')
    if args.json:
        Path(args.json).write_text(json.dumps(
            {'table': table, 'peak_rss_mb': bench.peak_rss_mb()}, indent=1))


def run_bench(args, extra=None):
    """
    Run the benchmark of `alike-ros bench`; return (table dict, markdown with settings).

    `extra` (config -> {name: detector}) adds pipelines beside ours (the lab's dense split).
    """
    from tqdm import tqdm

    import tempfile

    from alike_ros.runtime import cpu_summary
    from alike_ros.tools import bench
    from alike_ros.tools.quantize import quantize_sizes

    images = bench.default_images(args.frames)
    if args.int8:
        for name in args.models:
            quantize_sizes(name, {im.shape[:2] for im in images})
    total = len(args.models) * args.repeats * len(images)
    with tempfile.TemporaryDirectory() as tmp, \
            tqdm(total=total, unit='frame', desc='bench') as bar:
        variants = bench.keypoint_control(Path(tmp) / 'mask.png') \
            if args.keypoint_control else {}
        if args.graph_forms:
            variants['conv projections'] = {'graph_form': 'conv'}
        table = bench.run(args.models, images, args.threads, args.repeats, args.top_k,
                          progress=bar.update, int8=args.int8, scores_th=args.scores_th,
                          variants=variants, extra=extra)
    providers = sorted({row['provider'] for row in table.values()})
    top_k = "each family's" if args.top_k is None else args.top_k
    text = (f'{cpu_summary()}; {len(images)} TUM frames 640x480 x {args.repeats}, '
            f'{args.threads} threads, provider {", ".join(providers)}, top_k {top_k}'
            f'\n\n{bench.markdown(table)}')
    if args.keypoint_control:
        text += ('\n\nmask: the bottom quarter hidden; roi: a 32 px margin; spread: at most 4 '
                 'per 32 px cell')
    if args.profile:
        text += '\n\n' + profile_text(args, images)
    if args.matcher_features:
        costs = bench.matcher_costs(images, args.repeats)
        text += ('\n\nmatcher per frame pair, 2000 keypoints, same run (ms, median):\n\n'
                 '| step | ms |\n|---|---:|\n'
                 + '\n'.join(f'| {k} | {v:.2f} |' for k, v in costs.items()))
    if args.matchers:
        costs = bench.matcher_pair_ms(images, args.threads, args.repeats)
        text += ('\n\nmatching methods per frame pair, same run (ms, median; keypoint methods '
                 'at 2000 keypoints):\n\n| method | ms |\n|---|---:|\n'
                 + '\n'.join(f'| {k} | {v:.1f} |' for k, v in costs.items()))
    return table, text


def profile_text(args, images):
    """`bench --profile DIR`: ONNX Runtime's per-op stage-1 times, tables and trace files."""
    from alike_ros.runtime import cpu_summary
    from alike_ros.tools import bench
    out = Path(args.profile)
    out.mkdir(parents=True, exist_ok=True)
    parts = [f'stage-1 profile ({cpu_summary()}; {args.threads} threads, kernel time per '
             f'frame over {args.profile_runs} runs)']
    forms = ('matmul', 'conv') if args.graph_forms else ('matmul',)
    for name in args.models:
        for form in forms:
            by_op, by_node, total, trace = bench.profile_stage1(
                name, images, args.threads, args.profile_runs, out, form)
            rows = '\n'.join(f'| {op} | {ms:.2f} |' for op, ms in by_op)
            nodes = '\n'.join(f'| `{node}` | {ms:.2f} |' for node, ms in by_node[:12])
            parts.append(f'{name}, graph_form {form}: {total:.1f} ms in all (trace: {trace})'
                         f'\n\n| op | ms |\n|---|---:|\n{rows}\n\n| largest nodes | ms |\n'
                         f'|---|---:|\n{nodes}')
    return '\n\n'.join(parts)
