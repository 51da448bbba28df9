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

"""The Detector facade: uint8 image in, keypoints / scores / descriptors out."""

from dataclasses import dataclass, field
import logging
from pathlib import Path
import time

import cv2
import numpy as np

from alike_ros import dkd, models
from alike_ros.config import DetectorConfig, nms_in_graph_flag
from alike_ros.head import DescriptorHead, normalise_rows
from alike_ros.stage1 import Stage1


class ModelFileError(RuntimeError):
    """The stage-1 model (or its head sidecar) is missing and cannot be exported here."""


@dataclass
class Features:
    """What the detector returns for one image."""

    keypoints: np.ndarray  # N x 2 float32, x then y, pixels of the input image
    scores: np.ndarray  # N float32
    descriptors: np.ndarray  # N x D float32, unit rows
    timings: dict = field(default_factory=dict)  # stage -> milliseconds

    def __len__(self):
        return len(self.scores)


def pad32(n):
    """Round n up to a multiple of 32, the network input's granularity."""
    return -(-n // 32) * 32


def resolve_model_file(cfg, height, width):
    """Path of the stage-1 model for a network input size, exporting it when possible."""
    if cfg.model_file:
        path = Path(cfg.model_file).expanduser()
        if not path.is_file():
            raise ModelFileError(f'model_file {path} does not exist')
        return path
    out_dir = Path(cfg.model_dir).expanduser() if cfg.model_dir else models.model_dir()
    form = 'tidl' if cfg.provider == 'tidl' else 'exact'
    path = out_dir / models.onnx_name(cfg.model, height, width, form)
    if cfg.precision == 'int8':
        path = models.int8_path(path)
        if not path.is_file():
            raise ModelFileError(f'{path} is missing: make it with `alike-ros quantize --model '
                                 f'{path.with_name(path.name.replace("_int8", ""))} --calib '
                                 f'IMAGES --out {path}`')
    # The runtime takes what is there (set-up and `alike-ros export` keep the cache current);
    # it exports only a missing model, so it never loads onnx or hashes weights otherwise.
    needs_head = models.get_spec(cfg.model).family == 'alike'
    if path.is_file() and (models.head_path(path).is_file() or not needs_head):
        return path
    weights = models.weights_path(cfg.model, cfg.weights_dir or None)
    try:
        import torch  # noqa: F401
    except ImportError:
        raise ModelFileError(
            f'{path} is missing: export it where torch is installed with '
            f'`alike-ros export --model {cfg.model} --height {height} --width {width} '
            f'--out {out_dir}`, or set model_file') from None
    if not weights.is_file():
        raise ModelFileError(
            f'{path} is missing and the weights to export it are not at {weights}: '
            f'set weights_dir (or ALIKE_ROS_WEIGHTS) to the folder with {cfg.model}.pth')
    from alike_ros.export.onnx_export import export_model
    return export_model(cfg.model, height, width, out_dir, weights, form,
                        nms_in_graph_flag(cfg.nms_in_graph))


def prepare(image, bgr=False, size=None, grey_norm=False):
    """
    Turn a uint8 image into the network input, as every path (inference, calibration) must.

    HxWx3 RGB (BGR with bgr=True), HxW or HxWx1 gray -> (1x3xHpxWp float32 RGB in 0..255,
    network H x W, (x, y) scale back to the input). `size` (H, W) resizes first; the result is
    zero-padded bottom/right to multiples of 32. `grey_norm` gives EdgePoint2's input instead:
    1x1xHpxWp, the channel mean of pixel / 255, instance-normalised (eps 1e-5).
    """
    if image.dtype != np.uint8:
        raise ValueError(f'image must be uint8, got {image.dtype}')
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image, bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB), False
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f'image must be HxW, HxWx1 or HxWx3, got shape {image.shape}')
    h, w = image.shape[:2]
    th, tw = size or (h, w)
    if (th, tw) != (h, w):
        interp = cv2.INTER_AREA if th * tw < h * w else cv2.INTER_LINEAR
        image = cv2.resize(image, (tw, th), interpolation=interp)
    ph, pw = pad32(th), pad32(tw)
    if grey_norm:
        # Channel sum in 0..765 with OpenCV (numpy's float mean over channels is 10x slower);
        # instance norm of sum / 765 == (sum - mean) / sqrt(var + eps * 765^2).
        r, g, b = cv2.split(image)
        grey = cv2.add(cv2.add(r, g, dtype=cv2.CV_32F), b, dtype=cv2.CV_32F)
        mean, std = cv2.meanStdDev(grey)
        scale = 1.0 / np.sqrt(std[0, 0] ** 2 + 1e-5 * 765.0 ** 2)
        blob = np.zeros((1, 1, ph, pw), np.float32)
        np.multiply(grey - np.float32(mean[0, 0]), np.float32(scale), out=blob[0, 0, :th, :tw])
        return blob, (th, tw), (w / tw, h / th)
    if (ph, pw) != (th, tw):
        image = cv2.copyMakeBorder(image, 0, ph - th, 0, pw - tw, cv2.BORDER_CONSTANT, 0)
    blob = cv2.dnn.blobFromImage(image, 1.0, swapRB=bgr)
    return blob, (th, tw), (w / tw, h / th)


class Detector:
    """Two-stage ALIKE: stage 1 on ONNX Runtime, stage 2 (DKD + descriptors) in numpy."""

    def __init__(self, config=None, log=None):
        self.log = log or logging.getLogger('alike_ros')
        self.config = (config or DetectorConfig()).validated()
        self.spec = models.get_spec(self.config.model)
        self._sessions = {}
        self.projection = None
        if self.config.descriptor_dim:
            from alike_ros.compact import projection_path
            path = projection_path(self.config.model_dir or models.model_dir(),
                                   self.config.model, self.config.descriptor_dim)
            if not path.is_file():
                raise ModelFileError(f'{path} is missing: fit it with `alike-ros fit-projection '
                                     f'--model {self.config.model} --dim '
                                     f'{self.config.descriptor_dim} --calib IMAGES`')
            with np.load(path) as data:
                self.projection = data['basis']
        if not self._native:
            self.warm_up()

    def warm_up(self):
        """Run one blank frame so the first real one does not pay for allocations and plans."""
        h, w = self.config.input_height or 64, self.config.input_width or 64
        self.detect(np.zeros((h, w, 3), np.uint8))

    @property
    def _native(self):
        return self.config.input_height == 0 and self.config.input_width == 0

    @property
    def provider(self):
        """Name the ONNX Runtime provider stage 1 actually runs on."""
        return next(iter(self._sessions.values()))[0].provider if self._sessions else None

    @property
    def descriptor_size(self):
        return self.projection.shape[1] if self.projection is not None else self.spec.dim

    def update(self, **changes):
        """Change live (stage-2) settings; raises ValueError with the reason when invalid."""
        fixed = set(changes) - DetectorConfig.live_fields()
        if fixed:
            raise ValueError(f'{", ".join(sorted(fixed))} cannot change while running')
        self.config = self.config.with_changes(**changes)

    def _session(self, net_h, net_w):
        key = (net_h, net_w)
        if key not in self._sessions:
            cfg = self.config
            path = resolve_model_file(cfg, net_h, net_w)
            stage1 = Stage1(path, cfg.provider, cfg.threads, cfg.tidl_artifacts,
                            cfg.strict_provider, self.log)
            if stage1.input_shape[2:] != key:
                raise ModelFileError(f'{path} takes {stage1.input_shape[2:]} inputs, not {key}')
            head = DescriptorHead.load(models.head_path(path)) \
                if self.spec.family == 'alike' else None
            self._sessions[key] = (stage1, head,
                                   'scores_max' in stage1.outputs,
                                   stage1.metadata.get('feature_layout') == 'NCHW')
        return self._sessions[key]

    def preprocess(self, image, bgr=False):
        """uint8 image -> (1x3xHpxWp float32 RGB 0..255, network H x W, scale to the input)."""
        size = None if self._native else (self.config.input_height, self.config.input_width)
        return prepare(image, bgr, size, grey_norm=self.spec.family == 'edgepoint2')

    def detect(self, image, bgr=False):
        """
        Detect and describe keypoints in a uint8 image.

        The image is HxWx3 RGB (BGR with bgr=True) or HxW gray, of any size.
        """
        cfg, r = self.config, self.spec.radius
        t = [time.perf_counter()]
        blob, (th, tw), (sx, sy) = self.preprocess(image, bgr)
        stage1, head, has_max, nchw = self._session(*blob.shape[2:])
        t.append(time.perf_counter())
        out = stage1.run(blob)
        t.append(time.perf_counter())
        scores = out['scores'][0, 0, :th, :tw]
        smax = out['scores_max'][0, 0, :th, :tw] if has_max else None
        if self.spec.family == 'edgepoint2':
            xy, kscores, desc = self._edgepoint2_stage2(out, scores, smax, nchw, t)
        else:
            if smax is None:
                smax = dkd.max_filter(scores, r)
            keep = dkd.remove_border(dkd.nms(scores, r, cfg.nms_iterations, smax), r)
            t.append(time.perf_counter())
            idx = dkd.select(keep, scores, cfg.top_k, cfg.scores_th, cfg.n_limit)
            xy = dkd.refine(scores, idx, r, cfg.sub_pixel, smax)
            kscores = dkd.sample_scores(scores, xy)
            t.append(time.perf_counter())
            feats = [out[f'feat{i}'][0] for i in range(1, 5)]
            if nchw:
                feats = [np.ascontiguousarray(f.transpose(1, 2, 0)) for f in feats]
            desc = head.describe(feats, xy, th, tw)
        if self.projection is not None:
            from alike_ros.compact import project
            desc = project(desc, self.projection)
        if (sx, sy) != (1.0, 1.0):
            # Pixel centres: input x = (network x + 0.5) * scale - 0.5.
            xy = (xy + 0.5) * np.array([sx, sy], np.float32) - 0.5
        t.append(time.perf_counter())
        names = ('preprocess', 'stage1', 'nms', 'select_refine', 'descriptors')
        timings = {n: (b - a) * 1e3 for n, a, b in zip(names, t, t[1:])}
        timings['total'] = (t[-1] - t[0]) * 1e3
        return Features(xy.astype(np.float32), kscores.astype(np.float32), desc, timings)

    def _edgepoint2_stage2(self, out, logits, logits_max, nchw, t):
        """
        EdgePoint2's own rules: plain 5x5 NMS, a 4-pixel border, integer keypoints.

        Scores are logits; the threshold (a probability, like ALIKE's) is applied as a logit,
        also before top-k as the authors do (their demo: logit -5, i.e. 0.0067). Descriptors
        are the 1/4-resolution map sampled bilinearly (align_corners=False) and normalised.
        """
        cfg, spec = self.config, self.spec
        keep = dkd.remove_border(dkd.nms(logits, spec.radius, 0, logits_max), spec.radius,
                                 border=spec.border)
        t.append(time.perf_counter())
        th = float(np.log(cfg.scores_th / (1 - cfg.scores_th))) if 0 < cfg.scores_th < 1 \
            else (-np.inf if cfg.scores_th <= 0 else np.inf)
        idx = dkd.select(keep, logits, cfg.top_k, th, cfg.n_limit, floor=th)
        xy = dkd.refine(logits, idx, spec.radius, sub_pixel=False)
        kscores = 1 / (1 + np.exp(-logits.reshape(-1)[idx]))
        t.append(time.perf_counter())
        dmap = out['desc'][0]
        if nchw:
            dmap = np.ascontiguousarray(dmap.transpose(1, 2, 0))
        h4, w4, c = dmap.shape
        # The map's pixel centres sit at 4u + 1.5: x maps to (x + 0.5) / 4 - 0.5.
        taps, wts = dkd.bilinear_taps((xy + 0.5) / 4 - 0.5, h4, w4)
        desc = np.einsum('knc,kn->nc', np.take(dmap.reshape(-1, c), taps, axis=0), wts)
        return xy, kscores, normalise_rows(desc.astype(np.float32))
