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
`alike-ros bench`: per-stage medians of this pipeline next to the seed paper's dense split.

The dense split (stage 1 returns the 65+ channel head at full resolution, stage 2 L2-normalises
the whole descriptor map and samples it) runs with the same ONNX Runtime settings, on the same
frames, interleaved with ours, so the ratio is measured side by side.
"""

import resource
import statistics
import time

import numpy as np

from alike_ros import dkd, models
from alike_ros.config import DetectorConfig
from alike_ros.detector import Detector, Features
from alike_ros.dkd import bilinear_taps
from alike_ros.stage1 import Stage1

# Per-frame intervals in pipeline order (DenseSplit names its stamps with the first five),
# then the per-frame sums: 'stage2' is the median of NMS + selection + descriptors per frame.
STAGES = ('preprocess', 'stage1', 'nms', 'select_refine', 'descriptors', 'stage2', 'total')
STAGE2 = ('nms', 'select_refine', 'descriptors')
LABELS = {
    'preprocess': 'preprocess', 'stage1': 'stage 1 (ONNX Runtime)', 'nms': 'NMS',
    'select_refine': 'selection + refinement', 'descriptors': 'descriptors',
    'stage2': 'stage 2 (NMS to descriptors)', 'total': 'total',
}


class DenseSplit(Detector):
    """The seed paper's two-stage split: dense descriptor map + full L2 normalisation."""

    def _session(self, net_h, net_w):
        key = (net_h, net_w)
        if key not in self._sessions:
            from alike_ros.export.onnx_export import ensure_model
            path = ensure_model(self.config.model, net_h, net_w,
                                self.config.model_dir or None, None, 'dense', False)
            self._sessions[key] = (Stage1(path, self.config.provider, self.config.threads,
                                          log=self.log), None, False, False)
        return self._sessions[key]

    def detect(self, image, bgr=False):
        cfg, r = self.config, self.spec.radius
        t = [time.perf_counter()]
        blob, (th, tw), _ = self.preprocess(image, bgr)
        stage1 = self._session(*blob.shape[2:])[0]
        t.append(time.perf_counter())
        out = stage1.run(blob)
        t.append(time.perf_counter())
        scores = out['scores'][0, 0, :th, :tw]
        keep = dkd.remove_border(dkd.nms(scores, r, cfg.nms_iterations), r)
        t.append(time.perf_counter())
        idx = dkd.select(keep, scores, cfg.top_k, cfg.scores_th, cfg.n_limit)
        xy = dkd.refine(scores, idx, r, cfg.sub_pixel)
        kscores = dkd.sample_scores(scores, xy)
        t.append(time.perf_counter())
        dmap = out['descriptor_map'][0, :, :th, :tw]
        dmap = dmap / np.maximum(np.linalg.norm(dmap, axis=0, keepdims=True), 1e-12)
        taps, wts = bilinear_taps(xy, th, tw)
        desc = (dmap.reshape(len(dmap), -1)[:, taps] * wts[None]).sum(axis=1).T
        desc /= np.linalg.norm(desc, axis=1, keepdims=True)
        t.append(time.perf_counter())
        timings = {n: (b - a) * 1e3 for n, a, b in zip(STAGES, t, t[1:])}
        timings['total'] = (t[-1] - t[0]) * 1e3
        return Features(xy, kscores, desc, timings)


def _median_timings(results):
    rows = [dict(r.timings, stage2=sum(r.timings[s] for s in STAGE2)) for r in results]
    return {s: statistics.median(row[s] for row in rows) for s in STAGES}


def run(model_names, images, threads=2, repeats=3, top_k=-1, dense=True, progress=None,
        int8=False, scores_th=0.2):
    """Median per-stage timings {model: {'ours': {...}, 'dense': {...}, 'keypoints': n}}."""
    table = {}
    for name in model_names:
        cfg = DetectorConfig(model=name, threads=threads, top_k=top_k, scores_th=scores_th)
        pipelines = {'ours': Detector(cfg)}
        if dense and models.get_spec(name).family == 'alike':  # the seed's split is ALIKE's
            pipelines['dense'] = DenseSplit(cfg)
        if int8:
            pipelines['int8'] = Detector(cfg.with_changes(precision='int8'))
        for det in pipelines.values():  # warm-up: first runs allocate and plan
            det.detect(images[0], bgr=True)
        results = {k: [] for k in pipelines}
        for _ in range(repeats):
            for image in images:
                for key, det in pipelines.items():
                    results[key].append(det.detect(image, bgr=True))
                if progress:
                    progress()
        row = {k: _median_timings(v) for k, v in results.items()}
        row['keypoints'] = statistics.median(len(r) for r in results['ours'])
        row['provider'] = pipelines['ours'].provider
        table[name] = row
    return table


def loftr_pair_ms(images, threads=2, repeats=3):
    """Median milliseconds of coarse LoFTR on consecutive frames (model input 640x480)."""
    from alike_ros.loftr import CoarseLoftr
    matcher = CoarseLoftr(threads=threads)
    matcher.match(images[0], images[1], bgr=True)  # warm-up
    times = []
    for _ in range(repeats):
        for a, b in zip(images, images[1:]):
            t = time.perf_counter()
            matcher.match(a, b, bgr=True)
            times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def peak_rss_mb():
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def markdown(table):
    """Render the table in the shape of the seed paper's Tables II/III (milliseconds, medians)."""
    labels = {'ours': '', 'dense': ' dense', 'int8': ' int8'}
    columns = [(n, v) for n in table for v in labels if v in table[n]]
    lines = ['| stage (ms, median) |' + ''.join(f' {n}{labels[v]} |' for n, v in columns),
             '|---|' + '---:|' * len(columns)]
    for s in STAGES:
        lines.append(f'| {LABELS[s]} |' + ''.join(f' {table[n][v][s]:.1f} |' for n, v in columns))
    if any(v != 'ours' for _, v in columns):
        lines.append('| total vs ours |' + ''.join(
            ' |' if v == 'ours' else f" {table[n][v]['total'] / table[n]['ours']['total']:.2f}x |"
            for n, v in columns))
    lines.append('| keypoints (median) |' + ''.join(
        f" {table[n]['keypoints']:.0f} |" if v == 'ours' else ' |' for n, v in columns))
    return '\n'.join(lines)


def default_images(count=10):
    """Read the first `count` (None: all) shared TUM frames, as BGR (OpenCV)."""
    import cv2
    files = sorted(models.tum_dir().glob('*.png'))[:count]
    if not files:
        raise FileNotFoundError(f'no TUM frames under {models.tum_dir()}')
    return [cv2.imread(str(f)) for f in files]
