# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""The Detector facade: uint8 image in, keypoints / scores / descriptors out."""

from dataclasses import dataclass, field
import logging
from pathlib import Path
import time

import numpy as np

from alike_ros import extractors, paths
from alike_ros.config import DetectorConfig, nms_in_graph_flag
from alike_ros.errors import ModelFileError  # noqa: F401 (raised here, imported from here)
from alike_ros.extractors.base import Stage2
from alike_ros.onnx_model import OnnxModel

# The intervals of Features.timings, in pipeline order (each family's stage 2 marks the
# ends of 'nms' and 'select_refine'); 'total' is added.
TIMINGS = ('preprocess', 'stage1', 'nms', 'select_refine', 'descriptors')


@dataclass
class Features:
    """What the detector returns for one image."""

    keypoints: np.ndarray  # N x 2 float32, x then y, pixels of the input image
    scores: np.ndarray  # N float32
    descriptors: np.ndarray  # N x D float32, unit rows
    timings: dict = field(default_factory=dict)  # stage -> milliseconds

    def __len__(self):
        return len(self.scores)


@dataclass(frozen=True)
class Session:
    """Stage 1 and stage 2 for one network input size."""

    model: OnnxModel
    stage2: Stage2


def resolve_model_file(cfg, height, width):
    """Path of the stage-1 model for a network input size, exporting it when possible."""
    if cfg.model_file:
        path = Path(cfg.model_file).expanduser()
        if not path.is_file():
            raise ModelFileError(f'model_file {path} does not exist')
        return path
    out_dir = Path(cfg.model_dir).expanduser() if cfg.model_dir else paths.model_dir()
    family = extractors.family_of(cfg.model)
    form = 'tidl' if cfg.provider == 'tidl' else 'exact'
    if form == 'exact' and cfg.graph_form == 'conv' and 'exact_conv' in family.forms:
        form = 'exact_conv'
    nms = nms_in_graph_flag(cfg.nms_in_graph)
    path = out_dir / paths.onnx_name(cfg.model, height, width, form, nms)
    if cfg.precision == 'int8':
        path = paths.int8_path(path)
        if not path.is_file():
            raise ModelFileError(f'{path} is missing: make it with `alike-ros quantize --model '
                                 f'{path.with_name(path.name.replace("_int8", ""))} --calib '
                                 f'IMAGES --out {path}`')
    # The runtime takes what is there (set-up and `alike-ros export` keep the cache current);
    # it exports only a missing model, so it never loads onnx or hashes weights otherwise.
    if path.is_file() and all(sidecar(path).is_file() for sidecar in family.sidecars):
        return path
    weights = extractors.weights_path(cfg.model, cfg.weights_dir or None)
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
            f'set weights_dir (or {family.weights.env}) to the folder with {weights.name}')
    from alike_ros.export.onnx_export import export_model
    return export_model(cfg.model, height, width, out_dir, weights, form, nms)


class Detector:
    """Two stages: the model on ONNX Runtime, then its family's Stage2 (keypoints, descriptors)."""

    def __init__(self, config=None, log=None):
        """Open the detector of a config (sessions open on first use of an input size)."""
        self.log = log or logging.getLogger('alike_ros')
        # The model family's own top_k / scores_th where the config leaves them to it.
        self.config = (config or DetectorConfig()).validated().resolved()
        self.spec = extractors.get_spec(self.config.model)
        self.family = self.stage2_class()
        self._sessions = {}
        self.projection = None
        if self.config.descriptor_dim:
            from alike_ros.compact import projection_path
            path = projection_path(self.config.model_dir or paths.model_dir(),
                                   self.config.model, self.config.descriptor_dim)
            if not path.is_file():
                raise ModelFileError(f'{path} is missing: fit it with `alike-ros fit-projection '
                                     f'--model {self.config.model} --dim '
                                     f'{self.config.descriptor_dim} --calib IMAGES`')
            with np.load(path) as data:
                self.projection = data['basis']
        self.mask = None
        if self.config.mask_file:
            import cv2
            self.mask = cv2.imread(str(Path(self.config.mask_file).expanduser()),
                                   cv2.IMREAD_GRAYSCALE)
            if self.mask is None:
                raise ModelFileError(f'mask_file {self.config.mask_file} is not a readable '
                                     'image (zero pixels: no keypoints; others: keypoints)')
        self._regions = {}
        if not self.config.native:
            self.warm_up()

    def warm_up(self, runs=2):
        """
        Run blank frames so the first real one does not pay for allocations and plans.

        Two: ONNX Runtime plans its memory on a session's first run and uses the plan from
        the second; after one blank frame the first real one's stage 1 still took 2-5 ms more
        than the rest (alike-t, VGA, three processes each), after two it took no more.
        """
        cfg = self.config
        if cfg.input_height and cfg.input_width or cfg.model_file:
            h, w = cfg.input_height or 480, cfg.input_width or 640
            for _ in range(runs):
                self.detect(np.zeros((h, w, 3), np.uint8))  # a missing model fails here
            return
        # Sized by the image (input_max_pixels): warm the size of a VGA camera, the common one.
        # Another camera needs its own size's model, opened on its first frame; a missing
        # VGA model must not fail a configure that will never use it.
        try:
            for _ in range(runs):
                self.detect(np.zeros((480, 640, 3), np.uint8))
        except ModelFileError as err:
            self.log.warning(f'no model to warm up with at 480x640 ({err}); the first frame '
                             'opens the model of its own size')

    @property
    def provider(self):
        """Name the ONNX Runtime provider stage 1 actually runs on."""
        return next(iter(self._sessions.values())).model.provider if self._sessions else None

    @property
    def descriptor_size(self):
        return self.projection.shape[1] if self.projection is not None else self.spec.dim

    def update(self, **changes):
        """Change live (stage-2) settings; raises ValueError with the reason when invalid."""
        fixed = set(changes) - DetectorConfig.live_fields()
        if fixed:
            raise ValueError(f'{", ".join(sorted(fixed))} cannot change while running')
        self.config = self.config.with_changes(**changes).resolved()

    def _session(self, net_h, net_w):
        """Return the Session for a network input size, opened on first use."""
        key = (net_h, net_w)
        if key not in self._sessions:
            self._sessions[key] = self._open_session(net_h, net_w)
        return self._sessions[key]

    def stage2_class(self):
        """Return the Stage2 class its sessions run (the model family's)."""
        return extractors.family_of(self.config.model).stage2

    def model_file(self, net_h, net_w):
        """Return the stage-1 model file of an input size (exported where it is missing)."""
        return resolve_model_file(self.config, net_h, net_w)

    def _open_session(self, net_h, net_w):
        cfg = self.config
        path = self.model_file(net_h, net_w)
        model = OnnxModel(path, cfg.provider, cfg.threads, cfg.tidl_artifacts,
                          cfg.strict_provider, self.log)
        if model.input_shape[2:] != (net_h, net_w):
            raise ModelFileError(f'{path} takes {model.input_shape[2:]} inputs, '
                                 f'not {(net_h, net_w)}')
        return Session(model, self.family(self.spec, model))

    def _region(self, net, image_shape):
        """
        Return where keypoints may be, at the network's size (H x W bool), or None: anywhere.

        The mask image stretched to the frame, within the ROI (image pixels, scaled to the
        network). Built once per frame size and setting: a lookup per frame after that.
        """
        roi = self.config.roi
        if self.mask is None and roi is None:
            return None
        key = (net.valid, image_shape[:2], roi)
        if key not in self._regions:
            import cv2
            th, tw = net.valid
            region = np.ones((th, tw), bool) if self.mask is None else \
                cv2.resize(self.mask, (tw, th), interpolation=cv2.INTER_NEAREST) > 0
            if roi is not None:
                x, y, w, h = roi
                sx, sy = net.scale
                w = w or image_shape[1] - x
                h = h or image_shape[0] - y
                inside = np.zeros_like(region)
                # Network pixel u covers input x in [(u + 0.5) * s - 0.5 +- s / 2].
                inside[int(np.ceil(y / sy)):int(np.ceil((y + h) / sy)),
                       int(np.ceil(x / sx)):int(np.ceil((x + w) / sx))] = True
                region &= inside
            self._regions = {key: region}  # settings change rarely: keep the latest only
        return self._regions[key]

    def preprocess(self, image, bgr=False):
        """Return the NetworkInput of a uint8 image (the family's input, at the config's size)."""
        return self.family.prepare(image, bgr, self.config.network_size(*image.shape[:2]))

    def detect(self, image, bgr=False):
        """
        Detect and describe keypoints in a uint8 image.

        The image is HxWx3 RGB (BGR with bgr=True) or HxW gray, of any size.
        """
        t = [time.perf_counter()]
        net = self.preprocess(image, bgr)
        session = self._session(*net.blob.shape[2:])
        t.append(time.perf_counter())
        out = session.model.run(net.blob)
        t.append(time.perf_counter())
        xy, scores, desc = session.stage2.run(out, self.config, net.valid,
                                              lambda _: t.append(time.perf_counter()),
                                              self._region(net, image.shape))
        if self.projection is not None:
            from alike_ros.compact import project
            desc = project(desc, self.projection)
        if net.scale != (1.0, 1.0):
            # Pixel centres: input x = (network x + 0.5) * scale - 0.5.
            xy = (xy + 0.5) * np.array(net.scale, np.float32) - 0.5
        t.append(time.perf_counter())
        timings = {n: (b - a) * 1e3 for n, a, b in zip(TIMINGS, t, t[1:])}
        timings['total'] = (t[-1] - t[0]) * 1e3
        return Features(xy.astype(np.float32), scores.astype(np.float32), desc, timings)
