# Copyright 2026 alike_ros maintainers
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""`alike-ros <command>`: one entry point for the tools. Heavy imports stay inside commands."""

import argparse
import logging
import os
from pathlib import Path
import sys
import time

from alike_ros.tools.image_files import image_files


def _size(text):
    try:
        h, w = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(f'size must look like 480x640 (HxW), got {text!r}')
    return h, w


def _models(text):
    from alike_ros.extractors import MODEL_NAMES
    names = list(MODEL_NAMES) if text == 'all' else text.split(',')
    unknown = [n for n in names if n not in MODEL_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f'unknown model(s) {", ".join(unknown)}: choose from {", ".join(MODEL_NAMES)}, all')
    return names


def cmd_export(args):
    from alike_ros.config import nms_in_graph_flag
    from alike_ros.export.onnx_export import ensure_model, export_model
    make = export_model if args.force else ensure_model
    nms = nms_in_graph_flag(args.nms_in_graph)
    for name in args.model:
        for form in args.form:
            path = make(name, args.height, args.width, args.out, args.weights, form, nms)
            print(path)


def cmd_extract(args):
    import cv2
    import numpy as np
    from tqdm import tqdm

    from alike_ros.config import DetectorConfig
    from alike_ros.detector import Detector

    h, w = args.size
    det = Detector(DetectorConfig(model=args.model, top_k=args.top_k, scores_th=args.scores_th,
                                  n_limit=args.n_limit, nms_iterations=args.nms_iterations,
                                  input_height=h, input_width=w, threads=args.threads,
                                  provider=args.provider))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for f in tqdm(image_files(args.images), unit='img', desc=args.model):
        image = cv2.imread(str(f), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f'cannot read image {f}')
        feats = det.detect(image, bgr=True)
        np.savez(out / f'{f.stem}.npz', keypoints=feats.keypoints, scores=feats.scores,
                 descriptors=feats.descriptors)
    print(f'wrote {out}')


def run_bench(args):
    """Run the benchmark of `alike-ros bench`; return (table dict, markdown with settings)."""
    from tqdm import tqdm

    import tempfile

    from alike_ros.extractors import family_of
    from alike_ros.runtime import cpu_summary
    from alike_ros.tools import bench

    images = bench.default_images(args.frames)
    if args.int8:
        for name in args.models:
            if 'dense' in family_of(name).forms:  # int8 rows compare ALIKE's split
                _quantize_sizes(name, {im.shape[:2] for im in images})
    total = len(args.models) * args.repeats * len(images)
    with tempfile.TemporaryDirectory() as tmp, \
            tqdm(total=total, unit='frame', desc='bench') as bar:
        variants = bench.keypoint_control(Path(tmp) / 'mask.png') \
            if args.keypoint_control else {}
        if args.graph_forms:
            variants['conv projections'] = {'graph_form': 'conv'}
        table = bench.run(args.models, images, args.threads, args.repeats, args.top_k,
                          not args.no_dense, progress=bar.update, int8=args.int8,
                          scores_th=args.scores_th, variants=variants)
    providers = sorted({row['provider'] for row in table.values()})
    text = (f'{cpu_summary()}; {len(images)} TUM frames 640x480 x {args.repeats}, '
            f'{args.threads} threads, provider {", ".join(providers)}, top_k {args.top_k}'
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


def cmd_geometry_eval(args):
    from alike_ros.tools import synthetic
    print('500 points 2-8 m ahead of the TUM camera (plumb_bob), 3 deg rotation, 0.2 m '
          f'baseline, threshold 3 px, median of {args.trials} scenes\n')
    print(synthetic.markdown(trials=args.trials, methods=args.methods))


def cmd_bench(args):
    import json

    from alike_ros.tools import bench
    table, text = run_bench(args)
    print(f'\n{text}\n\npeak RSS of this process: {bench.peak_rss_mb():.0f} MB')
    if args.json:
        Path(args.json).write_text(json.dumps(
            {'table': table, 'peak_rss_mb': bench.peak_rss_mb()}, indent=1))


def cmd_bench_graph(args):
    import json
    import statistics
    import tempfile
    import time

    import numpy as np

    from alike_ros.config import DetectorConfig
    from alike_ros.detector import Detector
    from alike_ros.geometry import fit
    from alike_ros.matchers.mnn import mnn_match
    from alike_ros.paths import tum_dir
    from alike_ros.runtime import cpu_summary
    from alike_ros.tools import bench
    from alike_ros.tools.bag import make_bag
    from alike_ros.tools.replay import replay

    # Matcher core at 2000 x 2000 keypoints of consecutive real frames.
    det = Detector(DetectorConfig(top_k=2000))
    frames = [det.detect(im, bgr=True) for im in bench.default_images(6)]
    times = []
    for _ in range(5):
        for a, b in zip(frames, frames[1:]):
            t = time.perf_counter()
            pairs, _ = mnn_match(a.descriptors, b.descriptors)
            fit('homography', a.keypoints[pairs[:, 0]], b.keypoints[pairs[:, 1]])
            times.append((time.perf_counter() - t) * 1e3)
    matcher_ms = statistics.median(times)
    del det

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        bag = Path(tmp) / 'bag'
        n = make_bag(tum_dir(), bag, rate=args.rate, loops=args.loops)
        for processes in args.processes.split(','):
            result = replay(bag, processes=processes,
                            params={'threads': args.threads, 'model': args.model})
            stats = result.detector_stats
            lat = result.latencies_ms()
            rows.append({
                'cpu': cpu_summary(), 'model': args.model, 'rate_hz': args.rate, 'frames_in': n,
                'processes': processes, 'threads': args.threads,
                'frames_out': result.keypoint_msgs, 'fps_out': result.fps_out(),
                'dropped_pct': 100.0 * (n - result.keypoint_msgs) / n,
                'detector_latency_ms_p50': float(stats.get('latency_ms_p50', 'nan')),
                'detector_latency_ms_p95': float(stats.get('latency_ms_p95', 'nan')),
                'end_to_end_latency_ms_p50': float(np.percentile(lat, 50)),
                'end_to_end_latency_ms_p95': float(np.percentile(lat, 95)),
                'detector_total_ms_p50': float(stats.get('total_ms_p50', 'nan')),
                'matcher_2000x2000_ms_p50': matcher_ms,
                'graph_peak_rss_mb': result.peak_rss_mb,
            })
    for row in rows:
        for key, value in row.items():
            print(f'{key:28s} {value:.1f}' if isinstance(value, float) else f'{key:28s} {value}')
        print()
    if args.json:
        Path(args.json).write_text(json.dumps(rows if len(rows) > 1 else rows[0], indent=1))


def cmd_tidl_check(args):
    import onnx

    from alike_ros.tools import tidl
    failed = False
    for path in args.models:
        findings, problems = tidl.check(onnx.load(path))
        print(f'{path}\n{tidl.report(findings, problems)}\n')
        failed |= bool(problems) or not all(f.ok for f in findings)
    return 1 if failed else 0


def _onnx_model(args, form):
    """Return the stage-1 ONNX of --model: a model name (the exported file) or a path."""
    from alike_ros.extractors import MODEL_NAMES
    from alike_ros.paths import onnx_name
    from alike_ros.paths import model_dir
    if args.model not in MODEL_NAMES:
        return args.model
    path = model_dir() / onnx_name(args.model, args.height, args.width, form)
    if not path.exists():
        raise FileNotFoundError(f'{path} does not exist: alike-ros export --model {args.model} '
                                f'--height {args.height} --width {args.width} --form {form}')
    return str(path)


def cmd_tidl_compile(args):
    from alike_ros.tools import tidl
    from alike_ros.tools.quantize import calibration_blobs
    args.model = _onnx_model(args, 'tidl')
    options = tidl.compile_options(args.artifacts, args.bits, args.frames, args.iterations,
                                   args.tidl_tools)
    files = image_files([args.calib])[:args.frames]
    try:
        tidl.compile_model(args.model, args.artifacts, calibration_blobs(args.model, files),
                           options)
    except tidl.TidlUnavailable as err:
        print(f'alike-ros tidl-compile: {err}', file=sys.stderr)
        return 3
    print(f'TIDL artifacts in {args.artifacts}')


def cmd_fit_projection(args):
    import cv2
    import numpy as np

    from alike_ros.compact import fit_projection, projection_path
    from alike_ros.config import DetectorConfig
    from alike_ros.detector import Detector
    from alike_ros.paths import model_dir
    det = Detector(DetectorConfig(model=args.model))
    desc = np.concatenate([det.detect(cv2.imread(str(f)), bgr=True).descriptors
                           for f in image_files([args.calib])])
    for dim in args.dim:
        path = projection_path(args.out or model_dir(), args.model, dim)
        np.savez(path, basis=fit_projection(desc, dim))
        print(f'{path} ({len(desc)} descriptors)')


def cmd_quantize(args):
    from alike_ros.paths import int8_path
    from alike_ros.tools.quantize import quantize
    args.model = _onnx_model(args, 'exact')
    out = args.out or int8_path(args.model)
    files = image_files([args.calib])[:args.frames]
    print(quantize(args.model, files, out, not args.per_tensor))


def _quantize_sizes(name, sizes):
    """
    Int8 models of `name` for every padded input size, calibrated on the TUM frames.

    Quantised again when the fp32 model changed since (exporter or weights).
    """
    from alike_ros.extractors.base import pad32
    from alike_ros.export.onnx_export import ensure_model
    from alike_ros.paths import int8_path
    from alike_ros.paths import tum_dir
    from alike_ros.tools.quantize import is_current, quantize
    calib = image_files([tum_dir()])
    for h, w in sorted({(pad32(h), pad32(w)) for h, w in sizes}):
        path = ensure_model(name, h, w)
        if not is_current(int8_path(path), path):
            quantize(path, calib, int8_path(path))


def run_eval(args):
    """Run the evaluation of `alike-ros eval`; return (report dict, markdown tables)."""
    import json

    from tqdm import tqdm

    from alike_ros.tools import evaluation
    from alike_ros.config import DetectorConfig
    from alike_ros.detector import Detector

    from alike_ros.paths import shared_dir
    dataset = args.dataset or shared_dir() / 'data' / 'hpatches'
    splits = {'real': evaluation.real_pairs(dataset)}
    if not args.real_only:
        splits['synthetic'] = evaluation.synthetic_pairs(dataset, args.synthetic_per_image)
    methods = []
    for name in args.models:
        cfg = DetectorConfig(model=name, input_height=0, input_width=0,
                             nms_iterations=args.nms_iterations, threads=args.threads,
                             scores_th=args.scores_th)
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
            _quantize_sizes(name, sizes)
            methods.append(evaluation.DetectorMethod(
                f'{name} int8', Detector(cfg.with_changes(precision='int8'))))
    if args.baseline == 'orb':
        methods.append(evaluation.OrbMethod())
    if args.coarse_loftr:
        methods.append(evaluation.ImageMatcherMethod('coarse_loftr', threads=args.threads))
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


def cmd_eval(args):
    _, tables = run_eval(args)
    out = Path(args.out)
    print(f'\n{tables}\n\nwrote {out / "eval.json"} and the plots {out}/*.png')


ALIKE_RESULTS = ('alike-t', 'alike-s', 'alike-n', 'alike-l')
EDGEPOINT2_RESULTS = ('edgepoint2-T32', 'edgepoint2-S48', 'edgepoint2-M64', 'edgepoint2-E64')
RESULTS_START = '<!-- results:start (alike-ros results rewrites this block) -->'
RESULTS_END = '<!-- results:end -->'


def cmd_results(args):
    import cv2

    parser = build_parser()
    out = Path(args.out)
    alike = ','.join(ALIKE_RESULTS)
    from alike_ros.paths import tum_dir
    calib = str(tum_dir())
    cmd_fit_projection(parser.parse_args(['fit-projection', '--model', 'alike-t',
                                          '--calib', calib]))
    _, eval_md = run_eval(parser.parse_args(
        ['eval', '--models', alike, '--baseline', 'orb', '--int8', '--coarse-loftr',
         '--out', str(out)]))
    _, compact_md = run_eval(parser.parse_args(
        ['eval', '--models', 'alike-t', '--descriptor-dims', '32,48', '--u8',
         '--out', str(out / 'compact')]))
    _, ep2_md = run_eval(parser.parse_args(
        ['eval', '--models', ','.join(EDGEPOINT2_RESULTS), '--scores-th', '0.0067',
         '--nms-iterations', '0', '--out', str(out / 'edgepoint2')]))
    _, bench_md = run_bench(parser.parse_args(['bench', '--models', alike, '--int8',
                                               '--coarse-loftr']))
    _, ep2_bench_md = run_bench(parser.parse_args(
        ['bench', '--models', ','.join(EDGEPOINT2_RESULTS), '--scores-th', '0.0067']))
    _, stage2_md = run_bench(parser.parse_args(
        ['bench', '--models', 'alike-t', '--top-k', '2000', '--no-dense']))
    block = '\n'.join([
        RESULTS_START, '',
        f'Regenerated by `.venv/bin/alike-ros results` (OpenCV {cv2.__version__}); '
        'medians on this machine, ratios from one run.', '',
        f'### Accuracy: `alike-ros eval --models {alike} --baseline orb --int8 '
        '--coarse-loftr`', '',
        'Coarse LoFTR matches pairs directly: its "extract ms" is per pair, its points are the '
        'centres of 16 px cells (the real split is registered, so cells land exactly; the '
        'synthetic warps show the cell quantisation).', '',
        'Native resolution, the public code\'s defaults (2 NMS iterations); keypoints/img is the '
        'mean over pairs of both images, as the reference figures.', '',
        eval_md, '',
        f'![MMA and MHA, real split]({out.as_posix()}/real.png)',
        f'![MMA and MHA, synthetic split]({out.as_posix()}/synthetic.png)', '',
        'Public implementation (../shared/docs/alike.md), real split: alike-t MMA@1/3/5 0.299 / '
        '0.616 / 0.699, MHA@3 0.825, 2183 keypoints; alike-n 0.351 / 0.676 / 0.740, 0.950, '
        '1400; alike-l 0.348 / 0.655 / 0.715, 0.975, 1090; ORB 0.239 / 0.422 / 0.460, 0.700.',
        '', '### Compact descriptors: `alike-ros fit-projection --model alike-t --calib '
        'TUM` then `alike-ros eval --models alike-t --descriptor-dims 32,48 --u8`', '',
        'PCA bases fitted on the TUM frames (not on HPatches); KB/frame = keypoints x (x, y, '
        'score as float32 + the descriptor as float32 or uint8).', '', compact_md, '',
        '### EdgePoint2: `alike-ros eval --models ' + ','.join(EDGEPOINT2_RESULTS)
        + ' --scores-th 0.0067 --nms-iterations 0`', '',
        'The authors\' threshold (logit -5), integer keypoints, descriptors of 32/48/64 '
        'floats.', '', ep2_md, '',
        f'### Speed: `alike-ros bench --models {alike} --int8`', '', bench_md, '',
        '### EdgePoint2 speed: `alike-ros bench --models ' + ','.join(EDGEPOINT2_RESULTS)
        + ' --scores-th 0.0067`', '', ep2_bench_md, '',
        '### Stage 2 at 2000 keypoints: `alike-ros bench --models alike-t --top-k 2000 '
        '--no-dense`', '', stage2_md, '', RESULTS_END])
    readme = Path(args.readme)
    text = readme.read_text()
    if RESULTS_START not in text or RESULTS_END not in text:
        raise ValueError(f'{readme} has no results block ({RESULTS_START} ... {RESULTS_END})')
    head, rest = text.split(RESULTS_START, 1)
    readme.write_text(head + block + rest.split(RESULTS_END, 1)[1])
    print(f'rewrote the results block of {readme}; plots in {out}')


def cmd_soak(args):
    import json

    from alike_ros.tools import soak
    result = soak.run(args.minutes, args.rate, args.warmup)
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 1 if result['exceptions'] else 0


def cmd_demo(args):
    from alike_ros.tools import demo
    summary = demo.run(args.out, args.images, args.rate, args.processes,
                       {'model': args.model}, {'geometry': args.geometry}, args.camera_info)
    lat = summary['latency_ms']
    print(f"\n{summary['frames_in']} frames in, {summary['keypoint_frames_out']} keypoint "
          f"frames out, {summary['valid_fits']} valid {summary['geometry']} fits, median "
          f"inlier ratio {summary['median_inlier_ratio'] or 0:.2f}, latency p50 "
          f"{lat.get('p50', 0):.0f} ms, p95 {lat.get('p95', 0):.0f} ms")
    tracks = summary['tracks']
    if tracks:
        print(f"tracks: {tracks['tracks']}, length median {tracks['median_length']:.0f} / p90 "
              f"{tracks['p90_length']:.0f} / max {tracks['max_length']} frames, "
              f"{tracks['tracks_5_or_longer']} of 5 frames or more")
    motion = summary['motion']
    if motion:
        rot, step = motion['rotation_deg'], motion['rotation_change_deg']
        print(f"motion: {motion['poses']} poses, rotation per frame median {rot['median']:.2f}"
              f" deg, change between frames median {step['median']:.2f} / max "
              f"{step['max']:.2f} deg")
    out = Path(args.out)
    print(f'overlays: {out / "overlay"}/*.png\nanimation: {out / "matches.gif"}\n'
          f'summary: {out / "summary.json"}\nplot: {out / "summary.png"}')


def cmd_make_bag(args):
    from tqdm import tqdm

    from alike_ros.tools.bag import load_camera_info, make_bag
    info = load_camera_info(args.camera_info) if args.camera_info else None
    with tqdm(unit='frame', desc='make-bag') as bar:
        n = make_bag(args.source, args.out, args.rate, args.storage, args.encoding, args.topic,
                     loops=args.loops, progress=bar.update, camera_info=info)
    print(f'wrote {n} frames to {args.out} ({args.storage}, {args.encoding}, {args.rate} Hz, '
          f'topic {args.topic})')


def cmd_play_bag(args):
    import rclpy
    from rclpy.node import Node
    from rclpy.signals import SignalHandlerOptions

    from alike_ros.tools.bag import BagPlayer
    from alike_ros.runtime import exit_with_parent, stop_on_signals, use_large_frame_transport
    remap = {}
    for rule in args.remap or []:
        source, sep, target = rule.rpartition(':=')
        remap[source if sep else args.topic] = target
    use_large_frame_transport()  # as the README says of the tools: frames are ~1 MB
    exit_with_parent()
    stop = stop_on_signals()
    # Not sys.argv: rcl would read --remap's FROM:=TO as (deprecated) remapping rules.
    rclpy.init(args=[sys.argv[0]], signal_handler_options=SignalHandlerOptions.NO)
    node = Node('alike_bag_player')
    try:
        player = BagPlayer(node, args.bag, args.rate_scale, args.loop, remap)
        if args.wait_subscribers:
            deadline = time.monotonic() + args.wait_timeout
            while any(p.get_subscription_count() < args.wait_subscribers
                      for p in player.image_publishers()):
                if stop.wait(0.05):
                    return 0
                if time.monotonic() > deadline:
                    raise RuntimeError(f'fewer than {args.wait_subscribers} subscribers after '
                                       f'{args.wait_timeout:.0f} s')
        if stop.wait(args.delay):
            return 0
        print(f'playing {len(player.messages)} messages from {args.bag}'
              + (' (looping, Ctrl-C to stop)' if args.loop else ''), flush=True)
        n = player.play(should_stop=stop.is_set)
        player.wait_for_all_acked(5.0)
        print(f'published {n} messages', flush=True)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


def cmd_stop_check(args):
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


def _calibrated_model_args(p, form):
    """Arguments of the commands that calibrate a stage-1 model of one form on images."""
    p.add_argument('--model', required=True,
                   help=f'model name (its exported {form} form) or a stage-1 .onnx in that form')
    p.add_argument('--height', type=int, default=480)
    p.add_argument('--width', type=int, default=640)
    p.add_argument('--calib', required=True, help='folder of calibration images')
    p.add_argument('--frames', type=int, default=20, help='calibration images used')


def build_parser():
    from alike_ros.extractors import MODEL_NAMES
    parser = argparse.ArgumentParser(prog='alike-ros', description=__doc__)
    sub = parser.add_subparsers(dest='command', required=True)

    p = sub.add_parser('export', help='published weights -> stage-1 ONNX (needs torch)')
    p.add_argument('--model', type=_models, default=['alike-t'],
                   help='model name, comma list or "all"')
    p.add_argument('--weights', help='.pth file (default: the shared weights)')
    p.add_argument('--height', type=int, default=480)
    p.add_argument('--width', type=int, default=640)
    p.add_argument('--out', help='output folder (default: $ALIKE_ROS_MODELS or '
                                 '~/.cache/alike_ros/models)')
    p.add_argument('--form', type=lambda s: s.split(','), default=['exact', 'tidl'],
                   help="comma list of 'exact' (ONNX Runtime), 'exact_conv' (its convolution "
                        "score projections), 'tidl' (2x/4x resizes), 'dense' (seed split)")
    p.add_argument('--nms-in-graph', choices=('auto', 'on', 'off'), default='auto',
                   help="NMS max filter in the graph; auto: in the tidl form only")
    p.add_argument('--force', action='store_true', help='export even when the cache is current')
    p.set_defaults(func=cmd_export)

    p = sub.add_parser('extract', help='images -> .npz with keypoints, scores, descriptors')
    p.add_argument('images', nargs='+', help='image files or folders')
    p.add_argument('--model', default='alike-t', choices=MODEL_NAMES)
    p.add_argument('--out', required=True)
    p.add_argument('--top-k', type=int, default=-1)
    p.add_argument('--scores-th', type=float, default=0.2)
    p.add_argument('--n-limit', type=int, default=5000)
    p.add_argument('--nms-iterations', type=int, default=1)
    p.add_argument('--size', type=_size, default=(0, 0),
                   help='network input HxW (default: native size, padded to /32)')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--provider', default='cpu')
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser('bench', help='per-stage timing, ours vs the dense split')
    p.add_argument('--models', type=_models, default=list(ALIKE_RESULTS))
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--frames', type=int, default=10)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--top-k', type=int, default=-1)
    p.add_argument('--no-dense', action='store_true')
    p.add_argument('--int8', action='store_true', help='also the int8 models, same run')
    p.add_argument('--scores-th', type=float, default=0.2)
    p.add_argument('--coarse-loftr', action='store_true', help='also coarse LoFTR per pair')
    p.add_argument('--keypoint-control', action='store_true',
                   help='also stage 2 with a mask, an ROI and spread, same run')
    p.add_argument('--matcher-features', action='store_true',
                   help="also the matcher's undistortion, geometries and tracks, same run")
    p.add_argument('--graph-forms', action='store_true',
                   help='also the exact form with convolution score projections (graph_form '
                        'conv), same run: which is faster depends on the CPU')
    p.add_argument('--profile', metavar='DIR',
                   help="also ONNX Runtime's per-op profile of each model (traces in DIR)")
    p.add_argument('--profile-runs', type=int, default=30)
    p.add_argument('--json', help='also write the table as JSON')
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser('geometry-eval', help='essential / fundamental fits on synthetic scenes '
                                             'with known motion: errors and inlier recall')
    p.add_argument('--trials', type=int, default=20, help='random scenes per setting')
    p.add_argument('--methods', type=lambda s: s.split(','), default=['ransac', 'usac_default'])
    p.set_defaults(func=cmd_geometry_eval)

    p = sub.add_parser('bench-graph', help='a 30 Hz bag through detector + matcher: fps, '
                                           'drops, latency; matcher at 2000 x 2000')
    p.add_argument('--model', default='alike-t', choices=MODEL_NAMES)
    p.add_argument('--rate', type=float, default=30.0)
    p.add_argument('--loops', type=int, default=15, help='the 20 TUM frames, this many times')
    p.add_argument('--processes', default='one',
                   help="comma-separated, run one after the other on the same bag: 'one' (the "
                        "nodes in the benchmark's process), 'two' (a process per node), "
                        "'graph' (alike_graph), 'container' (component_container)")
    p.add_argument('--threads', type=int, default=2, help='ONNX Runtime threads')
    p.add_argument('--json', help='also write the figures as JSON')
    p.set_defaults(func=cmd_bench_graph)

    p = sub.add_parser('eval', help='HPatches MMA / MHA, real and synthetic splits')
    p.add_argument('--dataset', default=None, help='HPatches folder (default: shared sample)')
    p.add_argument('--models', type=_models, default=['alike-t'])
    p.add_argument('--baseline', choices=('orb', 'none'), default='none')
    p.add_argument('--int8', action='store_true', help='also the int8 models (alike-ros quantize)')
    p.add_argument('--coarse-loftr', action='store_true',
                   help='also the coarse LoFTR matcher (extract ms = per pair)')
    p.add_argument('--nms-iterations', type=int, default=2, help='2 = the public code')
    p.add_argument('--scores-th', type=float, default=0.2,
                   help='0.2 = ALIKE\'s default; EdgePoint2\'s authors use 0.0067 (logit -5)')
    p.add_argument('--descriptor-dims', type=lambda s: [int(v) for v in s.split(',')],
                   default=[], help='also PCA-projected descriptors (alike-ros fit-projection)')
    p.add_argument('--u8', action='store_true', help='also 8-bit encoded descriptors')
    p.add_argument('--synthetic-per-image', type=int, default=5)
    p.add_argument('--real-only', action='store_true')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--out', default='out/eval')
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser('results', help="regenerate the README's results block (eval + bench)")
    p.add_argument('--readme', default='README.md')
    p.add_argument('--out', default='docs/results', help='where the plots go (committed)')
    p.set_defaults(func=cmd_results)

    p = sub.add_parser('soak', help='minutes of high-rate input: RSS, frames, drops, errors')
    p.add_argument('--minutes', type=float, default=5.0)
    p.add_argument('--rate', type=float, default=60.0)
    p.add_argument('--warmup', type=float, default=20.0, help='seconds before RSS start')
    p.add_argument('--json')
    p.set_defaults(func=cmd_soak)

    p = sub.add_parser('tidl-check', help="list a graph's ops against TIDL's supported set")
    p.add_argument('models', nargs='+', help='ONNX files')
    p.set_defaults(func=cmd_tidl_check)

    p = sub.add_parser('tidl-compile', help='compile TIDL artifacts (needs TI tidl_tools)')
    _calibrated_model_args(p, 'tidl')
    p.add_argument('--artifacts', required=True, help='output folder')
    p.add_argument('--bits', type=int, choices=(8, 16), default=8)
    p.add_argument('--iterations', type=int, default=5)
    p.add_argument('--tidl-tools', help='tidl_tools folder (default: $TIDL_TOOLS_PATH)')
    p.set_defaults(func=cmd_tidl_compile)

    p = sub.add_parser('fit-projection', help='PCA projection of descriptors to 32/48 dims')
    p.add_argument('--model', default='alike-t', choices=MODEL_NAMES)
    p.add_argument('--dim', type=lambda s: [int(v) for v in s.split(',')], default=[32, 48])
    p.add_argument('--calib', required=True, help='folder of calibration images')
    p.add_argument('--out', help='default: the model folder')
    p.set_defaults(func=cmd_fit_projection)

    p = sub.add_parser('quantize', help='int8 QDQ model with ONNX Runtime static quantisation')
    _calibrated_model_args(p, 'exact')
    p.add_argument('--out', help='default: <model>_int8.onnx beside the model')
    p.add_argument('--per-tensor', action='store_true', help='per-tensor weight scales')
    p.set_defaults(func=cmd_quantize)

    p = sub.add_parser('demo', help='TUM frames as a bag through detector + matcher, headless')
    p.add_argument('--out', default='out/demo')
    p.add_argument('--images', help='image folder (default: the shared TUM frames)')
    p.add_argument('--rate', type=float, default=10.0,
                   help='bag rate in Hz (the shared TUM frames are 0.1 s apart)')
    p.add_argument('--processes', choices=('one', 'two'), default='one')
    p.add_argument('--geometry', choices=('homography', 'fundamental', 'essential'),
                   default='homography', help="the matcher's geometry parameter")
    p.add_argument('--camera-info', help='calibration YAML for the bag (default: the TUM '
                                         "camera's for the shared frames)")
    p.add_argument('--model', default='alike-t', choices=MODEL_NAMES)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser('make-bag', help='image folder or video -> rosbag2 of sensor_msgs/Image')
    p.add_argument('source', help='image folder or video file')
    p.add_argument('--out', required=True, help='bag folder to create')
    p.add_argument('--rate', type=float, default=30.0)
    p.add_argument('--storage', choices=('mcap', 'sqlite3'), default='mcap')
    p.add_argument('--encoding', default='bgr8',
                   choices=('bgr8', 'rgb8', 'mono8', 'rgba8', 'bgra8', 'yuv422', 'yuv422_yuy2'))
    p.add_argument('--topic', default='/camera/image_raw')
    p.add_argument('--loops', type=int, default=1, help='write the frames this many times')
    p.add_argument('--camera-info', help='calibration YAML (camera_calibration_parsers format):'
                                         ' also write CameraInfo beside the image topic')
    p.set_defaults(func=cmd_make_bag)

    p = sub.add_parser('play-bag', help='publish a bag with its timing (without ros2 bag)')
    p.add_argument('bag')
    p.add_argument('--rate-scale', type=float, default=1.0)
    p.add_argument('--loop', action='store_true')
    p.add_argument('--topic', default='/camera/image_raw', help='bag topic to remap')
    p.add_argument('--remap', nargs='+', help="FROM:=TO as ros2 bag play takes them, or TO: "
                                              'publish --topic under this name')
    p.add_argument('--delay', type=float, default=0.0, help='seconds to wait before playing')
    p.add_argument('--wait-subscribers', type=int, default=0,
                   help='first wait until every topic has this many subscribers')
    p.add_argument('--wait-timeout', type=float, default=120.0,
                   help='give up waiting for subscribers after this many seconds')
    p.set_defaults(func=cmd_play_bag)

    from alike_ros.tools.stop_check import WAYS
    p = sub.add_parser('stop-check', help='stop ros2 launch while frames flow, every way, '
                                          'and check that it ends cleanly')
    p.add_argument('--times', type=int, default=10, help='runs per mode and way')
    p.add_argument('--modes', default='composed,two', help='composed and/or two (processes)')
    p.add_argument('--ways', default=','.join(WAYS), help='comma-separated: ' + ', '.join(WAYS))
    p.add_argument('--images', help='frames of the bag (default: the shared TUM frames)')
    p.add_argument('--logs', help='folder for the launch output of unclean stops')
    p.set_defaults(func=cmd_stop_check)

    from alike_ros.tools.commands import command_modules
    for name, module in command_modules().items():
        p = sub.add_parser(name, help=module.__doc__.strip().splitlines()[0])
        module.add_arguments(p)
        p.set_defaults(func=module.run)
    return parser


def main(argv=None):
    from alike_ros.runtime import tune_malloc
    tune_malloc()
    logging.basicConfig(level=logging.INFO, format='[%(levelname)s] %(message)s')
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except (ValueError, FileNotFoundError, FileExistsError, RuntimeError) as err:
        print(f'alike-ros {args.command}: {err}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
