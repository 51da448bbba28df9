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
One typed config per component.

Defaults live here only: ROS parameters are declared from these dataclasses, the CLI and
tests build them directly.

A field's metadata says what it means (`doc`) and whether a node may change it while running
(`live`). `check()` returns every problem as a sentence that says what to fix.
"""

from dataclasses import dataclass, field, fields, replace

PROVIDERS = ('cpu', 'tidl', 'cuda', 'tensorrt', 'auto')
ROBUST_METHODS = ('auto', 'ransac', 'usac_magsac', 'usac_default', 'lmeds', 'rho')
GEOMETRIES = ('homography', 'fundamental', 'essential')
RELIABILITIES = ('best_effort', 'reliable')


def _f(default, doc, live=False):
    return field(default=default, metadata={'doc': doc, 'live': live})


class _Config:
    """Shared behaviour: validation and checked copies."""

    def check(self):
        """Return a list of problems (empty when the config is valid)."""
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            expected = type(f.default)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                continue
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                problems.append(f'{f.name} must be a {expected.__name__}, got {value!r}')
        return problems or self._check_values()

    def _check_values(self):
        return []

    def _one_of(self, name, choices):
        """Problems of a field that must be one of `choices` (none or one)."""
        value = getattr(self, name)
        if value in choices:
            return []
        quoted = [f"'{c}'" for c in choices]
        return [f"{name} must be {', '.join(quoted[:-1])} or {quoted[-1]}, got '{value}'"]

    def validated(self):
        """Return self, or raise ValueError naming every invalid field."""
        problems = self.check()
        if problems:
            raise ValueError('invalid configuration: ' + '; '.join(problems))
        return self

    def with_changes(self, **changes):
        """Return a validated copy with some fields changed."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f'unknown parameter(s): {", ".join(sorted(unknown))}')
        return replace(self, **changes).validated()

    @classmethod
    def live_fields(cls):
        """Names of the fields a running node may change."""
        return {f.name for f in fields(cls) if f.metadata.get('live')}


@dataclass(frozen=True)
class DetectorConfig(_Config):
    """Stage 1 (model, provider) and stage 2 (DKD) settings of the detector."""

    model: str = _f('alike-t', 'model name: alike-t, alike-s, alike-n, alike-l, or '
                               'edgepoint2-T32 .. edgepoint2-E64 (size T/S/M/L/E, descriptor '
                               '32/48/64)')
    model_file: str = _f('', 'stage-1 ONNX file; empty = <model_dir>/<model>_<H>x<W>.onnx')
    model_dir: str = _f('', 'folder of exported models; empty = $ALIKE_ROS_MODELS or '
                            '~/.cache/alike_ros/models')
    weights_dir: str = _f('', 'folder of the published .pth weights, used to export a model '
                              'that is missing (needs torch); empty = $ALIKE_ROS_WEIGHTS')
    provider: str = _f('cpu', 'ONNX Runtime execution provider: ' + ', '.join(PROVIDERS))
    strict_provider: bool = _f(False, 'fail instead of falling back to the CPU provider')
    tidl_artifacts: str = _f('', 'TIDL artifacts folder (provider tidl)')
    threads: int = _f(2, 'ONNX Runtime intra-op threads (0 = ONNX Runtime default)')
    input_height: int = _f(480, 'network input height; images are resized to it '
                                '(0 with input_width 0 = native size padded to /32)')
    input_width: int = _f(640, 'network input width (see input_height)')
    precision: str = _f('fp32', "stage-1 weights: 'fp32' or 'int8' (alike-ros quantize)")
    descriptor_dim: int = _f(0, "0: the model's descriptors; 32 or 48: projected with the PCA "
                                'basis from alike-ros fit-projection (ALIKE)')
    descriptor_encoding: str = _f('f32', "descriptors in the message: 'f32' or 'u8' (8-bit, a "
                                         'quarter of the bytes)')
    graph_form: str = _f('matmul', "exact-form score projections (ALIKE t/s/n): 'matmul' "
                                   '(MatMuls on channels-last maps; the faster one measured on '
                                   "AVX-512) or 'conv' (one-channel 1x1 convolutions; compare "
                                   'on your CPU with alike-ros bench --graph-forms)')
    nms_in_graph: str = _f('auto', "5x5 NMS max filter inside stage 1 (two 3x3 pools) when "
                                   "a model is exported: 'on', 'off', or 'auto' = only in the "
                                   "tidl form, where the accelerator runs it (on ONNX Runtime "
                                   "CPU it costs stage 1 more than it saves the host)")
    top_k: int = _f(-1, 'keep the k best keypoints; -1 = threshold mode', live=True)
    scores_th: float = _f(0.2, 'score threshold in threshold mode, in [0, 1]', live=True)
    n_limit: int = _f(5000, 'most keypoints kept in threshold mode', live=True)
    nms_iterations: int = _f(1, 'extra NMS suppression iterations, 0..2 (public code: 2)',
                             live=True)
    sub_pixel: bool = _f(True, 'soft-argmax sub-pixel refinement', live=True)
    mask_file: str = _f('', 'image whose zero pixels get no keypoints (e.g. the robot\'s own '
                            'body); any size, stretched to the frame; empty = none')
    roi_x_offset: int = _f(0, 'region of interest, left edge in image pixels (keypoints '
                              'only inside it)', live=True)
    roi_y_offset: int = _f(0, 'region of interest, top edge in image pixels', live=True)
    roi_width: int = _f(0, 'region of interest width in image pixels; 0 = to the right edge',
                        live=True)
    roi_height: int = _f(0, 'region of interest height in image pixels; 0 = to the bottom',
                         live=True)
    spread_cell: int = _f(0, 'spread keypoints: cell size in network pixels (0 = off); at '
                             'most spread_max per cell, the best, before top_k / n_limit',
                          live=True)
    spread_max: int = _f(2, 'keypoints kept per spread cell', live=True)

    @property
    def roi(self):
        """Return (x, y, width, height) of the region of interest, or None for the whole image."""
        r = (self.roi_x_offset, self.roi_y_offset, self.roi_width, self.roi_height)
        return None if r == (0, 0, 0, 0) else r

    def _check_values(self):
        from alike_ros.models import MODEL_NAMES
        p = []
        if self.model not in MODEL_NAMES:
            p.append(f"model '{self.model}' is unknown: choose one of {', '.join(MODEL_NAMES)}")
        if self.provider not in PROVIDERS:
            p.append(f"provider '{self.provider}' is unknown: choose one of "
                     f"{', '.join(PROVIDERS)}")
        if self.descriptor_dim < 0:
            p.append(f'descriptor_dim must be 0 or positive, got {self.descriptor_dim}')
        p += self._one_of('descriptor_encoding', ('f32', 'u8'))
        p += self._one_of('precision', ('fp32', 'int8'))
        p += self._one_of('nms_in_graph', ('auto', 'on', 'off'))
        p += self._one_of('graph_form', ('matmul', 'conv'))
        if self.threads < 0:
            p.append(f'threads must be >= 0, got {self.threads}')
        native = self.input_height == 0 and self.input_width == 0
        if not native and (self.input_height <= 0 or self.input_width <= 0):
            p.append(f'input size must be positive (or both 0 for native size), got '
                     f'{self.input_height}x{self.input_width}')
        if self.top_k == 0 or self.top_k < -1:
            p.append(f'top_k must be -1 (threshold mode) or positive, got {self.top_k}')
        if not 0.0 <= self.scores_th <= 1.0:
            p.append(f'scores_th must be in [0, 1], got {self.scores_th}')
        if self.n_limit <= 0:
            p.append(f'n_limit must be positive, got {self.n_limit}')
        if self.nms_iterations not in (0, 1, 2):
            p.append(f'nms_iterations must be 0, 1 or 2, got {self.nms_iterations}')
        for name in ('roi_x_offset', 'roi_y_offset', 'roi_width', 'roi_height', 'spread_cell'):
            if getattr(self, name) < 0:
                p.append(f'{name} must be >= 0, got {getattr(self, name)}')
        if self.spread_max < 1:
            p.append(f'spread_max must be >= 1, got {self.spread_max}')
        return p


def nms_in_graph_flag(value):
    """Export argument of an nms_in_graph setting: 'on' True, 'off' False, 'auto' None."""
    return {'on': True, 'off': False}.get(value)


@dataclass(frozen=True)
class MatcherConfig(_Config):
    """Matching (mutual nearest neighbours or coarse LoFTR) and the geometry fitted to it."""

    method: str = _f('mnn', "'mnn': mutual nearest neighbours of the keypoints' descriptors; "
                            "'coarse_loftr': the distilled coarse LoFTR model on consecutive "
                            'images (cells of 16 px; no keypoints needed)')
    loftr_model: str = _f('', 'coarse LoFTR ONNX file; empty = the shared LoFTR_teacher.onnx')
    loftr_threshold: float = _f(0.01, 'confidence a coarse LoFTR match needs', live=True)
    min_similarity: float = _f(0.0, 'cosine similarity a match needs, in [-1, 1]', live=True)
    ratio_test: float = _f(1.0, 'best / second-best distance ratio a match needs; 1 = off',
                           live=True)
    geometry: str = _f('homography', "model fitted to the matches: 'homography' (planar "
                                     "scenes, pure rotation), 'fundamental' (any rigid scene) "
                                     "or 'essential' (needs camera_info; publishes the "
                                     'relative pose on motion)', live=True)
    undistort: bool = _f(False, 'undistort keypoints with camera_info before fitting a '
                                'homography or fundamental matrix (essential always does)',
                         live=True)
    robust_method: str = _f('auto', 'OpenCV robust estimator: ' + ', '.join(ROBUST_METHODS)
                            + '; auto = ransac for homography, usac_default for fundamental '
                            'and essential (plain RANSAC there has no local optimisation and '
                            'is less accurate: README, geometry on synthetic scenes)',
                            live=True)
    reproj_threshold: float = _f(3.0, 'inlier threshold in pixels (reprojection for '
                                      'homography, epipolar distance otherwise)', live=True)
    confidence: float = _f(0.999, 'robust estimator confidence, in (0, 1)', live=True)
    max_iters: int = _f(2000, 'robust estimator iterations', live=True)
    min_inliers: int = _f(8, 'inliers a fit needs to be reported as valid (RANSAC always '
                             'fits its own minimal sample, even to pure outliers)', live=True)

    def estimator(self):
        """Return the OpenCV robust method for this geometry (resolving 'auto')."""
        if self.robust_method != 'auto':
            return self.robust_method
        return 'ransac' if self.geometry == 'homography' else 'usac_default'

    def _check_values(self):
        p = self._one_of('method', ('mnn', 'coarse_loftr'))
        if not 0.0 <= self.loftr_threshold < 1.0:
            p.append(f'loftr_threshold must be in [0, 1), got {self.loftr_threshold}')
        if not -1.0 <= self.min_similarity <= 1.0:
            p.append(f'min_similarity must be in [-1, 1], got {self.min_similarity}')
        if not 0.0 < self.ratio_test <= 1.0:
            p.append(f'ratio_test must be in (0, 1], got {self.ratio_test}')
        p += self._one_of('geometry', GEOMETRIES)
        p += self._one_of('robust_method', ROBUST_METHODS)
        if self.robust_method == 'rho' and self.geometry != 'homography':
            p.append(f'robust_method rho fits homographies only, not {self.geometry}')
        if self.reproj_threshold <= 0:
            p.append(f'reproj_threshold must be positive, got {self.reproj_threshold}')
        if not 0.0 < self.confidence < 1.0:
            p.append(f'confidence must be in (0, 1), got {self.confidence}')
        if self.max_iters <= 0:
            p.append(f'max_iters must be positive, got {self.max_iters}')
        if self.min_inliers < 4:
            p.append(f'min_inliers must be >= 4, got {self.min_inliers}')
        return p


@dataclass(frozen=True)
class DetectorNodeConfig(_Config):
    """What the detector node adds around the detector: inputs and reporting."""

    compressed: bool = _f(False, 'subscribe image/compressed (JPEG/PNG) instead of image')
    image_reliability: str = _f(
        'best_effort', "image QoS reliability: 'best_effort' (sensor data, matches every "
        "publisher) or 'reliable'; depth is always 1")
    diagnostics_period: float = _f(1.0, 'seconds between diagnostics messages')
    log_period: float = _f(10.0, 'seconds between throttled log lines (summaries, bad frames)')

    def _check_values(self):
        p = self._one_of('image_reliability', RELIABILITIES)
        if self.diagnostics_period <= 0:
            p.append(f'diagnostics_period must be positive, got {self.diagnostics_period}')
        if self.log_period <= 0:
            p.append(f'log_period must be positive, got {self.log_period}')
        return p


@dataclass(frozen=True)
class MatcherNodeConfig(_Config):
    """What the matcher node adds around matching: camera_info, overlay, diagnostics."""

    camera_info_tolerance: float = _f(
        0.0, 'seconds between a frame and the camera_info used for it: 0 = the same stamp '
        'only; more = the nearest within that (for drivers that stamp camera_info apart)')
    image_buffer: int = _f(30, 'images kept to find the one whose stamp matches a frame')
    image_reliability: str = _f('best_effort', "QoS reliability of the image subscription: "
                                               "'best_effort' or 'reliable'")
    trail_length: int = _f(10, 'positions of each track the overlay draws (1 = dots only)',
                           live=True)
    diagnostics_period: float = _f(1.0, 'seconds between diagnostics messages')

    def _check_values(self):
        p = self._one_of('image_reliability', RELIABILITIES)
        if self.camera_info_tolerance < 0:
            p.append(f'camera_info_tolerance must be >= 0, got {self.camera_info_tolerance}')
        if self.image_buffer <= 0:
            p.append(f'image_buffer must be positive, got {self.image_buffer}')
        if self.trail_length < 1:
            p.append(f'trail_length must be >= 1, got {self.trail_length}')
        if self.diagnostics_period <= 0:
            p.append(f'diagnostics_period must be positive, got {self.diagnostics_period}')
        return p
