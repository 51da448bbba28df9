# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""HPatches MMA / MHA, real and synthetic splits."""

from pathlib import Path

from alike_ros.tools.commands import _args


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('--dataset', default=None,
                        help='HPatches folder (default: shared sample)')
    parser.add_argument('--models', type=_args.models, default=['alike-t'])
    parser.add_argument('--baseline', choices=('orb', 'none'), default='none')
    parser.add_argument('--int8', action='store_true',
                        help='also the int8 models (alike-ros quantize)')
    parser.add_argument('--matchers', action='store_true',
                        help='also every matching method that matches images itself (coarse '
                             'LoFTR; extract ms = per pair)')
    parser.add_argument('--nms-iterations', type=int, default=None,
                        help="default: each family's authors' setting (ALIKE's public code: 2)")
    parser.add_argument('--scores-th', type=float, default=None,
                        help="default: each family's authors' threshold (ALIKE 0.2, EdgePoint2 "
                             '0.0067 = logit -5)')
    parser.add_argument('--descriptor-dims', type=lambda s: [int(v) for v in s.split(',')],
                        default=[],
                        help='also PCA-projected descriptors (alike-ros fit-projection)')
    parser.add_argument('--u8', action='store_true', help='also 8-bit encoded descriptors')
    parser.add_argument('--synthetic-per-image', type=int, default=5)
    parser.add_argument('--real-only', action='store_true')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--out', default='out/eval')


def run(args):
    """Run `alike-ros eval`."""
    _, tables = run_eval(args)
    out = Path(args.out)
    print(f'\n{tables}\n\nwrote {out / "eval.json"} and the plots {out}/*.png')


def run_eval(args):
    """
    Run the evaluation of `alike-ros eval`; return (report dict, markdown tables).

    Each model runs at native resolution with its family's authors' detection settings,
    unless --scores-th / --nms-iterations say otherwise.
    """
    import json

    from tqdm import tqdm

    from alike_ros import extractors, matchers
    from alike_ros.config import DetectorConfig, NATIVE_SIZE
    from alike_ros.detector import Detector
    from alike_ros.paths import shared_dir
    from alike_ros.tools import evaluation
    from alike_ros.tools.quantize import quantize_sizes
    dataset = args.dataset or shared_dir() / 'data' / 'hpatches'
    splits = {'real': evaluation.real_pairs(dataset)}
    if not args.real_only:
        splits['synthetic'] = evaluation.synthetic_pairs(dataset, args.synthetic_per_image)
    methods = []
    for name in args.models:
        settings = extractors.settings(name, {'scores_th': args.scores_th,
                                              'nms_iterations': args.nms_iterations})
        cfg = DetectorConfig(model=name, threads=args.threads, **NATIVE_SIZE, **settings)
        methods.append(evaluation.DetectorMethod(name, Detector(cfg)))
        for dim in args.descriptor_dims:
            for enc in ('f32', 'u8') if args.u8 else ('f32',):
                methods.append(evaluation.DetectorMethod(
                    f'{name} {dim}-D {enc}', Detector(cfg.with_changes(descriptor_dim=dim)),
                    u8=enc == 'u8'))
        if args.u8:
            methods.append(evaluation.DetectorMethod(f'{name} u8', Detector(cfg), u8=True))
        if args.int8:
            sizes = {im.shape[:2] for pairs in splits.values() for p in pairs
                     for im in (p.image0, p.image1)}
            quantize_sizes(name, sizes)
            methods.append(evaluation.DetectorMethod(
                f'{name} int8', Detector(cfg.with_changes(precision='int8'))))
    if args.baseline == 'orb':
        methods.append(evaluation.OrbMethod())
    if args.matchers:
        methods += [evaluation.ImageMatcherMethod(name, threads=args.threads)
                    for name, method in matchers.METHODS.items() if method.needs_image]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report, tables = {}, []
    for split, pairs in splits.items():
        results = {}
        with tqdm(total=len(pairs) * len(methods), unit='pair', desc=f'eval {split}') as bar:
            for method in methods:
                results[method.name] = evaluation.evaluate(method, pairs, bar.update)
        report[split] = results
        evaluation.plot(results, split, out / f'{split}.png')
        tables.append(evaluation.table(results, split))
    (out / 'eval.json').write_text(json.dumps(report, indent=1))
    return report, '\n\n'.join(tables)
