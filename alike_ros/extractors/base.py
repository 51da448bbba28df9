# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The extractor plug-in interface: a family's description (Family) and its stage 2 (Stage2).

A family is one package alike_ros/extractors/<name>/ whose __init__ defines FAMILY. Importing
it must stay cheap (numpy and OpenCV): torch lives in its exporter module only.
"""

from dataclasses import dataclass, field
import os
from pathlib import Path

import cv2
import numpy as np


@dataclass(frozen=True)
class WeightsSource:
    """Where a family's published weights are: a user folder (argument or env) or a default."""

    env: str  # environment variable naming the user's folder
    default_dir: object  # callable () -> Path, used when neither a folder nor env is given
    file_name: object  # callable (spec) -> the file's name inside the folder

    def path(self, spec, weights_dir=None):
        """Return the weights file of a model: <weights_dir or $env or default>/<file>."""
        folder = weights_dir or os.environ.get(self.env) or self.default_dir()
        return Path(folder) / self.file_name(spec)


@dataclass(frozen=True)
class Family:
    """Everything about one model family that the rest of the package reads."""

    name: str
    models: dict  # model name -> spec (frozen dataclass with .name, .dim and .family)
    stage2: type  # its Stage2 subclass
    exporter: str  # module with build() (and optionally write_sidecars()); imports torch
    weights: WeightsSource
    forms: tuple = ('exact', 'tidl')  # stage-1 graph forms it can export
    input_doc: str = ''  # what the ONNX input holds (written into the model's metadata)
    sidecars: tuple = ()  # callables onnx path -> path of a file stage 2 reads beside it
    defaults: dict = field(default_factory=dict)  # the authors' detection settings
    summary: str = ''  # one line for the README's and the parameter's model list


@dataclass(frozen=True)
class NetworkInput:
    """One image made ready for stage 1."""

    blob: np.ndarray  # 1 x C x Hp x Wp float32, Hp and Wp multiples of 32
    valid: tuple  # (H, W): the image's part of the blob; the rest is zero padding
    scale: tuple  # (x, y) factors from network pixels back to the input image's


def pad32(n):
    """Round n up to a multiple of 32, the network input's granularity."""
    return -(-n // 32) * 32


def fit(image, bgr=False, size=None):
    """
    Check a uint8 image and resize it to the network size; return (HxWx3, bgr, scale).

    HxWx3 RGB (BGR with bgr=True) or HxW / HxWx1 grey in; `size` (H, W) resizes (None keeps
    the image's size). Colour images keep their channel order (the blob swaps it for free);
    grey becomes RGB. The scale maps network (x, y) back to the input image.
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
    return image, bgr, (w / tw, h / th)


def channel_sum(image):
    """Return the sum of a uint8 H x W x 3 image's channels, float32 (OpenCV: 10x numpy's)."""
    a, b, c = cv2.split(image)
    return cv2.add(cv2.add(a, b, dtype=cv2.CV_32F), c, dtype=cv2.CV_32F)


def instance_normalised(grey, eps):
    """
    Return the 1 x 1 x Hp x Wp blob of (grey - mean) / sqrt(var + eps), zero-padded to /32.

    The grey-input families (EdgePoint2, XFeat) do InstanceNorm on the host (TIDL lacks it).
    """
    th, tw = grey.shape
    mean, std = cv2.meanStdDev(grey)
    inv = 1.0 / np.sqrt(std[0, 0] ** 2 + eps)
    blob = np.zeros((1, 1, pad32(th), pad32(tw)), np.float32)
    np.multiply(grey - np.float32(mean[0, 0]), np.float32(inv), out=blob[0, 0, :th, :tw])
    return blob


def channels_last(array):
    """C x H x W -> H x W x C, contiguous (stage-2 gathers read one row per pixel)."""
    return np.ascontiguousarray(array.transpose(1, 2, 0))


def no_clock(name):
    """Ignore a stage boundary (run() without timings)."""


class Stage2:
    """
    A family's stage 2: input preparation, then stage-1 outputs -> features.

    `prepare` is a classmethod, so calibration (quantize, TIDL) prepares images exactly as
    inference does without a model. `run` returns (keypoints N x 2 float32 x, y in network
    pixels, scores N float32, descriptors N x D float32 unit rows), and calls `clock` with
    'nms' and 'select_refine' as it finishes those steps (the detector's per-stage timings).
    """

    def __init__(self, spec, model):
        """Set up for one stage-1 model (an OnnxModel: its outputs and metadata)."""
        self.spec = spec
        self.has_max = 'scores_max' in model.outputs  # the NMS max filter ran in stage 1
        self.nchw = model.metadata.get('feature_layout') == 'NCHW'

    @classmethod
    def prepare(cls, image, bgr=False, size=None):
        """Return the NetworkInput of a uint8 image (see fit)."""
        raise NotImplementedError

    def run(self, outputs, config, valid, clock=no_clock, region=None):
        """
        Return (keypoints, scores, descriptors) from stage 1's outputs.

        `region` (valid-sized bool, or None) is where keypoints may be: the mask and ROI.
        """
        raise NotImplementedError

    def score_maps(self, outputs, valid):
        """Return the valid part of the score map and of its max-filtered copy (or None)."""
        th, tw = valid
        scores = outputs['scores'][0, 0, :th, :tw]
        smax = outputs['scores_max'][0, 0, :th, :tw] if self.has_max else None
        return scores, smax
