# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
One typed config per component.

Defaults live here only: ROS parameters are declared from these dataclasses, the CLI and
tests build them directly.

A field's metadata says what it means (`doc`), whether a node may change it while running
(`live`), and what values it takes (`choices`, or an inclusive `range`, with `rule` wording the
range when it needs more than numbers). The nodes turn the metadata into parameter descriptors
(ranges, constraints); `check()` validates from the same metadata and returns every problem as
a sentence that says what to fix; `_check_values` adds only what metadata cannot say.
"""

from dataclasses import dataclass, field, fields, replace

from alike_ros.geometry import GEOMETRIES, ROBUST_METHODS

PROVIDERS = ('cpu', 'tidl', 'cuda', 'tensorrt', 'auto')
RELIABILITIES = ('best_effort', 'reliable')
MOTION_REFERENCES = ('previous', 'keyframe')
# robust_method 'auto' and reproj_threshold 0, per geometry: chosen by the sweep of
# `alike-ros motion-eval --sweep` (docs/motion.md).
AUTO_ESTIMATORS = {'homography': 'ransac', 'fundamental': 'usac_default',
                   'essential': 'poselib'}
AUTO_THRESHOLDS = {'homography': 3.0, 'fundamental': 3.0, 'essential': 1.5}


def _f(default, doc, live=False, choices=None, range=None, rule=None):
    """
    Declare a config field.

    `choices`: the values it takes (a tuple, or a callable returning one for registries);
    `range`: (low, high) inclusive, high None = unbounded; `rule`: the range in words.
    """
    return field(default=default, metadata={'doc': doc, 'live': live, 'choices': choices,
                                            'range': range, 'rule': rule})


def field_choices(f):
    """Return the values a field takes (None when any value of its type goes)."""
    choices = f.metadata.get('choices')
    return tuple(choices()) if callable(choices) else choices


def _range_rule(f):
    low, high = f.metadata['range']
    return f.metadata.get('rule') or (f'>= {low:g}' if high is None else f'in [{low:g}, {high:g}]')


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
        if problems:
            return problems
        for f in fields(self):
            value, choices, bounds = getattr(self, f.name), field_choices(f), f.metadata['range']
            if choices is not None and value not in choices:
                problems.append(f"{f.name} '{value}' is unknown: choose one of "
                                f"{', '.join(map(str, choices))}")
            if bounds is not None and not (bounds[0] <= value and
                                           (bounds[1] is None or value <= bounds[1])):
                problems.append(f'{f.name} must be {_range_rule(f)}, got {value}')
        return problems + self._check_values()

    def _check_values(self):
        return []

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


def _model_names():
    from alike_ros.extractors import MODEL_NAMES  # the registry imports the families
    return MODEL_NAMES


# The size settings that give every image to the network at its own size (padded to /32): the
# public code's way, used where outputs are compared with it (eval, parity, extract).
NATIVE_SIZE = {'input_height': 0, 'input_width': 0, 'input_max_side': 0, 'input_max_pixels': 0}


# Detector settings whose value means "the model family's own" (DetectorConfig.resolved),
# and what a family that names none of them gets (ALIKE's).
FAMILY_SETTINGS = {'top_k': 0, 'scores_th': -1.0}
FAMILY_FALLBACK = {'top_k': -1, 'scores_th': 0.2}


@dataclass(frozen=True)
class DetectorConfig(_Config):
    """Stage 1 (model, provider) and stage 2 (DKD) settings of the detector."""

    # The model list comes from the extractor registry.
    model: str = _f('alike-t', 'model name (additional_constraints lists the valid ones; the '
                               'README has what each is)', choices=_model_names)
    model_file: str = _f('', 'stage-1 ONNX file; empty = <model_dir>/<model>_<H>x<W>.onnx')
    model_dir: str = _f('', 'folder of exported models; empty = $ALIKE_ROS_MODELS or '
                            '~/.cache/alike_ros/models')
    weights_dir: str = _f('', 'folder of the published weights, used to export a model that is '
                              "missing (needs torch); empty = the family's variable "
                              '($ALIKE_ROS_WEIGHTS for ALIKE) or ../shared/weights')
    provider: str = _f('cpu', 'ONNX Runtime execution provider', choices=PROVIDERS)
    strict_provider: bool = _f(False, 'fail instead of falling back to the CPU provider')
    tidl_artifacts: str = _f('', 'TIDL artifacts folder (provider tidl)')
    threads: int = _f(2, 'ONNX Runtime intra-op threads (0 = ONNX Runtime default)',
                      range=(0, 256))
    input_height: int = _f(0, 'network input height; images are resized (stretched) to it; 0 '
                              'with input_width 0 = the image\'s own aspect ratio, scaled by '
                              'input_max_pixels / input_max_side, padded to /32',
                           range=(0, 8192))
    input_width: int = _f(0, 'network input width (see input_height)', range=(0, 8192))
    input_max_pixels: int = _f(640 * 480, 'with input_height and input_width 0: larger images '
                                          'are scaled down (never up), keeping their aspect '
                                          'ratio, to at most this many pixels (the cost of a '
                                          'VGA frame); 0 = no bound', range=(0, 100_000_000))
    input_max_side: int = _f(0, 'with input_height and input_width 0: ... and to at most this '
                                'longer side; 0 = no bound', range=(0, 8192))
    precision: str = _f('fp32', 'stage-1 weights (int8: alike-ros quantize)',
                        choices=('fp32', 'int8'))
    descriptor_dim: int = _f(0, "0: the model's descriptors; 32 or 48: projected with the PCA "
                                'basis from alike-ros fit-projection (ALIKE)', range=(0, 1024))
    descriptor_encoding: str = _f('f32', "descriptors in the message: 'f32' or 'u8' (8-bit, a "
                                         'quarter of the bytes)', choices=('f32', 'u8'))
    graph_form: str = _f('matmul', "exact-form score projections (ALIKE t/s/n): 'matmul' "
                                   '(MatMuls on channels-last maps; the faster one measured on '
                                   "AVX-512) or 'conv' (one-channel 1x1 convolutions; compare "
                                   'on your CPU with alike-ros bench --graph-forms)',
                         choices=('matmul', 'conv'))
    nms_in_graph: str = _f('auto', "5x5 NMS max filter inside stage 1 (two 3x3 pools) when "
                                   "a model is exported: 'on', 'off', or 'auto' = only in the "
                                   "tidl form, where the accelerator runs it (on ONNX Runtime "
                                   "CPU it costs stage 1 more than it saves the host)",
                           choices=('auto', 'on', 'off'))
    top_k: int = _f(0, "keep the k best keypoints; -1 = threshold mode; 0 = the model "
                       "family's own (ALIKE, EdgePoint2: -1; XFeat: 4096)", live=True,
                    range=(-1, 1_000_000), rule="0 (the family's), -1 (threshold mode) or "
                                                'positive')
    scores_th: float = _f(-1.0, "score threshold in threshold mode, in [0, 1]; -1 = the model "
                                "family's own (ALIKE 0.2, EdgePoint2 0.0067, XFeat 0.05)",
                          live=True, range=(-1.0, 1.0), rule="-1 (the family's) or in [0, 1]")
    n_limit: int = _f(5000, 'most keypoints kept in threshold mode', live=True,
                      range=(1, 1_000_000))
    nms_iterations: int = _f(1, 'extra NMS suppression iterations, 0..2 (public code: 2)',
                             live=True, range=(0, 2))
    sub_pixel: bool = _f(True, 'soft-argmax sub-pixel refinement', live=True)
    mask_file: str = _f('', 'image whose zero pixels get no keypoints (e.g. the robot\'s own '
                            'body); any size, stretched to the frame; empty = none')
    roi_x_offset: int = _f(0, 'region of interest, left edge in image pixels (keypoints '
                              'only inside it)', live=True, range=(0, 1_000_000))
    roi_y_offset: int = _f(0, 'region of interest, top edge in image pixels', live=True,
                           range=(0, 1_000_000))
    roi_width: int = _f(0, 'region of interest width in image pixels; 0 = to the right edge',
                        live=True, range=(0, 1_000_000))
    roi_height: int = _f(0, 'region of interest height in image pixels; 0 = to the bottom',
                         live=True, range=(0, 1_000_000))
    spread_cell: int = _f(0, 'spread keypoints: cell size in network pixels (0 = off); at '
                             'most spread_max per cell, the best, before top_k / n_limit',
                          live=True, range=(0, 4096))
    spread_max: int = _f(2, 'keypoints kept per spread cell', live=True, range=(1, 1_000_000))

    def resolved(self):
        """
        Return the config with the model family's own top_k / scores_th where not given.

        FAMILY_SETTINGS holds the values that mean "the family's"; a family that says nothing
        of one gets ALIKE's (FAMILY_FALLBACK).
        """
        from alike_ros.extractors import family_of  # the registry imports the families
        own = family_of(self.model).defaults
        changes = {k: own.get(k, FAMILY_FALLBACK[k]) for k, unset in FAMILY_SETTINGS.items()
                   if getattr(self, k) == unset}
        return self.with_changes(**changes) if changes else self

    @property
    def roi(self):
        """Return (x, y, width, height) of the region of interest, or None for the whole image."""
        r = (self.roi_x_offset, self.roi_y_offset, self.roi_width, self.roi_height)
        return None if r == (0, 0, 0, 0) else r

    @property
    def native(self):
        """Return whether every image goes to the network at its own size (NATIVE_SIZE)."""
        return all(getattr(self, k) == v for k, v in NATIVE_SIZE.items())

    def input_rule(self):
        """Return how images are sized for the network, in words (the node logs it)."""
        if self.input_height and self.input_width:
            return f'{self.input_height}x{self.input_width}'
        bounds = [f'at most {self.input_max_pixels} pixels'] if self.input_max_pixels else []
        bounds += [f'longer side <= {self.input_max_side}'] if self.input_max_side else []
        return 'aspect kept, ' + ', '.join(bounds) if bounds else 'native size'

    def network_size(self, height, width):
        """
        Return the (height, width) an image of that size is resized to, or None to keep it.

        An explicit input_height x input_width; else the image scaled down to input_max_pixels
        and input_max_side (aspect ratio kept; the family pads it to /32).
        """
        if self.input_height and self.input_width:
            return self.input_height, self.input_width
        if height <= 0 or width <= 0:
            return None  # nothing to scale: the family's prepare says what is wrong
        by_pixels = (self.input_max_pixels / (height * width)) ** 0.5 \
            if self.input_max_pixels else 1.0
        by_side = self.input_max_side / max(height, width) if self.input_max_side else 1.0
        scale = min(1.0, by_pixels, by_side)
        if scale >= 1.0:
            return None
        h, w = max(1, round(height * scale)), max(1, round(width * scale))
        if by_pixels < by_side and h * w > self.input_max_pixels:
            # Rounding went over the pixel bound: the side rounded up most gives way.
            if h == 1 or (w > 1 and w / h > width / height):
                w = max(1, self.input_max_pixels // h)
            else:
                h = max(1, self.input_max_pixels // w)
        return h, w

    def _check_values(self):
        p = []
        native = self.input_height == 0 and self.input_width == 0
        if not native and (self.input_height <= 0 or self.input_width <= 0):
            p.append(f'input size must be positive (or both 0: the image\'s own aspect '
                     f'ratio), got {self.input_height}x{self.input_width}')
        if -1.0 < self.scores_th < 0.0:
            p.append(f"scores_th must be in [0, 1] or -1 (the family's), got {self.scores_th}")
        return p


def nms_in_graph_flag(value):
    """Export argument of an nms_in_graph setting: 'on' True, 'off' False, 'auto' None."""
    return {'on': True, 'off': False}.get(value)


def _method_names():
    from alike_ros.matchers import METHOD_NAMES  # the registry imports the methods
    return METHOD_NAMES


@dataclass(frozen=True)
class MatcherConfig(_Config):
    """
    The matching method and the geometry fitted to its matches.

    The method's own settings are its config, in its package under alike_ros/matchers/.
    """

    method: str = _f('mnn', 'matching method (additional_constraints lists them; the README '
                            "table 'Models and matchers' says what each does)",
                     choices=_method_names)
    geometry: str = _f('homography', "model fitted to the matches: 'homography' (planar "
                                     "scenes, pure rotation), 'fundamental' (any rigid scene) "
                                     "or 'essential' (needs camera_info; publishes the "
                                     'relative pose on motion)', live=True,
                       choices=GEOMETRIES)
    undistort: bool = _f(False, 'undistort keypoints with camera_info before fitting a '
                                'homography or fundamental matrix (essential always does)',
                         live=True)
    robust_method: str = _f('auto', "robust estimator: OpenCV's, or 'poselib' (LO-RANSAC + "
                            'non-linear refinement); auto = poselib for essential, '
                            'usac_default for fundamental, ransac for homography (measured: '
                            'docs/motion.md)', live=True,
                            choices=('auto',) + tuple(ROBUST_METHODS))
    reproj_threshold: float = _f(0.0, 'inlier threshold in pixels (reprojection for '
                                      'homography, epipolar distance otherwise); 0 = the '
                                      'measured default of the geometry (AUTO_THRESHOLDS: '
                                      'docs/motion.md)', live=True,
                                 range=(0.0, 1000.0), rule='0 (auto) or positive')
    confidence: float = _f(0.999, 'robust estimator confidence, in (0, 1)', live=True,
                           range=(1e-6, 1.0 - 1e-9), rule='in (0, 1)')
    max_iters: int = _f(2000, 'robust estimator iterations', live=True,
                        range=(1, 10_000_000), rule='positive')
    min_inliers: int = _f(8, 'inliers a fit needs to be reported as valid (RANSAC always '
                             'fits its own minimal sample, even to pure outliers)', live=True,
                          range=(4, 1_000_000))
    motion_reference: str = _f('keyframe', "what motion (geometry essential) is measured from: "
                                           "'previous' frame, or the last 'keyframe' (a new "
                                           'one once the view has moved: keyframe_parallax)',
                               live=True, choices=MOTION_REFERENCES)
    keyframe_parallax: float = _f(2.0, 'a frame becomes the keyframe when the median parallax '
                                       'of its inliers from the keyframe, rotation taken out, '
                                       'reaches this many degrees (pixels / focal)', live=True,
                                  range=(0.0, 90.0))
    keyframe_min_inlier_ratio: float = _f(0.5, '... or when it keeps fewer than this share '
                                               'of the inliers the keyframe had with the '
                                               'frame after it (on their tracks, still '
                                               'inliers; that frame: of its matches)',
                                          live=True, range=(0.0, 1.0))
    track_window: float = _f(16.0, 'pixels around its predicted position where a track not '
                                   'matched to the previous frame looks for its keypoint; 0 = '
                                   'tracks continue through inlier matches only', live=True,
                             range=(0.0, 10_000.0))
    track_min_similarity: float = _f(0.8, 'descriptor similarity a track needs to continue '
                                          'at a keypoint in its window', live=True,
                                     range=(-1.0, 1.0))
    track_max_missed: int = _f(3, 'frames in a row a track may go unseen and still continue '
                                  '(with track_window > 0)', live=True, range=(0, 100))
    track_budget: int = _f(0, 'keypoints per frame that carry tracks, chosen as a KLT '
                              'front-end keeps corners: continuations first, then new ones by '
                              'score; the next frame is matched against these only; the '
                              'others get track id 0 (age 0); 0 = every keypoint (methods '
                              'that match images: always 0)', live=True, range=(0, 1_000_000))
    track_min_distance: float = _f(4.0, 'image pixels a new track keeps from the continuing '
                                        'and the other new tracks (with track_budget > 0)',
                                   live=True, range=(0.0, 10_000.0))

    def estimator(self):
        """Return the robust method for this geometry (resolving 'auto')."""
        if self.robust_method != 'auto':
            return self.robust_method
        return AUTO_ESTIMATORS[self.geometry]

    def threshold(self):
        """Return the inlier threshold in pixels for this geometry (resolving 0 = auto)."""
        return self.reproj_threshold or AUTO_THRESHOLDS[self.geometry]

    def robust(self):
        """Return geometry.fit's (method, threshold, confidence, max_iters) for this geometry."""
        return self.estimator(), self.threshold(), self.confidence, self.max_iters

    def _check_values(self):
        if self.robust_method == 'rho' and self.geometry != 'homography':
            return [f'robust_method rho fits homographies only, not {self.geometry}']
        return []


@dataclass(frozen=True)
class DetectorNodeConfig(_Config):
    """What the detector node adds around the detector: inputs and reporting."""

    compressed: bool = _f(False, 'subscribe image/compressed (JPEG/PNG) instead of image')
    image_reliability: str = _f(
        'best_effort', "image QoS reliability: 'best_effort' (sensor data, matches every "
        "publisher; keep last 1, a slow detector takes the newest frame) or 'reliable' (bags, "
        "recordings: keep last 30, and the detector takes every frame in order, dropping the "
        "oldest only when 30 wait)", choices=RELIABILITIES)
    diagnostics_period: float = _f(1.0, 'seconds between diagnostics messages',
                                   range=(1e-3, 3600.0), rule='positive')
    log_period: float = _f(10.0, 'seconds between throttled log lines (summaries, bad frames)',
                           range=(1e-3, 86400.0), rule='positive')


@dataclass(frozen=True)
class MatcherNodeConfig(_Config):
    """What the matcher node adds around matching: camera_info, overlay, diagnostics."""

    camera_info_tolerance: float = _f(
        0.0, 'seconds between a frame and the camera_info used for it: 0 = the same stamp '
        'only; more = the nearest within that (for drivers that stamp camera_info apart)',
        range=(0.0, 3600.0))
    image_buffer: int = _f(30, 'images kept to find the one whose stamp matches a frame',
                           range=(1, 10_000), rule='positive')
    image_reliability: str = _f('best_effort', "QoS reliability of the image subscription: "
                                               "'best_effort' or 'reliable'",
                                choices=RELIABILITIES)
    trail_length: int = _f(10, 'positions of each track the overlay draws (1 = dots only)',
                           live=True, range=(1, 1000))
    diagnostics_period: float = _f(1.0, 'seconds between diagnostics messages',
                                   range=(1e-3, 3600.0), rule='positive')


@dataclass(frozen=True)
class OdometryConfig(_Config):
    """
    Metric odometry from a depth image registered to the colour camera (docs/odometry.md).

    The tracks' keypoints lifted with their depth give each frame's pose by PnP; published as
    nav_msgs/Odometry and the odom -> base_link transform.
    """

    use_depth: bool = _f(False, 'subscribe depth (sensor_msgs/Image registered to the colour '
                                'camera: 16UC1 in depth_scale units a metre, or 32FC1 metres) '
                                'and publish odom (nav_msgs/Odometry) and the odom -> base '
                                'transform; needs geometry essential or fundamental, whose '
                                'inliers carry the tracks')
    depth_scale: float = _f(1000.0, '16UC1 depth units a metre (1000: millimetres, as '
                                    'RealSense and Kinect drivers publish; TUM PNGs 5000)',
                            range=(1e-6, 1e9), rule='positive')
    depth_tolerance: float = _f(0.02, 'seconds between a frame and the depth image used for '
                                      'it: the nearest within this (a depth camera stamps its '
                                      'own frames); 0 = the same stamp only',
                                range=(0.0, 3600.0))
    depth_motion: bool = _f(True, 'a depth image stamped off its frame (a depth camera not '
                                  "synchronised with the colour one: a Kinect's, TUM's, by up "
                                  "to 16 ms) is moved by the camera's motion between the two "
                                  'stamps, at the velocity from the last placed frame to '
                                  "this one's keypoint fit; false = taken as seen at the "
                                  "frame's stamp",
                            live=True)
    depth_min: float = _f(0.1, 'nearest depth used, metres', live=True, range=(0.0, 1000.0))
    depth_max: float = _f(6.0, 'farthest depth used, metres (a structured-light or stereo '
                               "camera's error grows with the square of the distance)",
                          live=True, range=(0.0, 1000.0))
    depth_edge: float = _f(0.05, 'a keypoint whose 3 x 3 depth neighbourhood spans more than '
                                 'this many metres (or has a pixel without depth) is on a '
                                 'depth edge and is not used', live=True, range=(0.0, 1000.0))
    depth_noise: float = _f(0.0015, 'depth noise of the camera: sigma = depth_noise z^2 + '
                                    '2 mm at z metres (structured light such as the Kinect: '
                                    'about 0.0015); how much the pose refinement trusts the '
                                    "tracked points' measured depths against their pixels, "
                                    "and the depth surface's points; 0 = the tracked points' "
                                    'pixels only, the surface at a flat 2 mm (surface_points '
                                    '0 turns it off)', live=True, range=(0.0, 10.0))
    surface_points: int = _f(4800, 'align the depth image as a surface too, on a grid of '
                                   'about this many cells, each the mean of a block of '
                                   'pixels (4800: 8 x 8 blocks of 640 x 480, 14 x 14 of '
                                   "1280 x 720), paired with the reference frame's surface "
                                   'by projection (point to plane); 0 = keypoints only',
                             live=True,
                             range=(0, 1_000_000))
    # 30: on a structured-light camera's registered depth with exact poses (the rendered
    # room: a slanted wall becomes a staircase of 1/8 px disparity steps, wider than a grid
    # cell, which block means cannot average) 100 trusted the surface more than it deserves
    # (ATE 10-30 % and RPE up to 25 % higher). On the unregistered 7-Scenes frames, scored
    # against a ground truth itself tracked on depth, 100 measured up to 16 % better; 10 or
    # less drifts there (docs/odometry.md).
    surface_weight: float = _f(30.0, 'how much the depth surface counts against the '
                                     "keypoints in the pose: its points' information times "
                                     'this (their sigma: depth_noise; the covariance takes '
                                     'them at that); 0 = keypoints only', live=True,
                               range=(0.0, 1e9))
    surface_renew: float = _f(0.8, 'a frame becomes the reference surface when its depth '
                                   "points pair with the reference's less than this share "
                                   "of the reference's own coverage (the view moved on)",
                              live=True, range=(0.01, 1.0))
    depth_only: bool = _f(True, 'a frame its keypoints cannot place (a dark, blurred or '
                                'washed-out image) is placed by its depth surface alone, '
                                'aligned onto the reference from the constant-velocity '
                                'prediction, where that converges and the scene holds the '
                                'position (a flat wall alone does not); false = lost',
                          live=True)
    pnp_threshold: float = _f(3.0, 'PnP inlier reprojection error, pixels', live=True,
                              range=(0.1, 1000.0))
    # 10: ORB-SLAM2's floor for its frame-to-frame pose. With the depth surface behind
    # the keypoints, 15 lost frames whose 11-13 inliers placed them within a millimetre
    # (docs/odometry.md, 'Lost tracking').
    odom_min_inliers: int = _f(10, 'PnP inliers a pose needs; fewer: tracking is lost for '
                                   'that frame', live=True, range=(4, 1_000_000))
    odom_frame: str = _f('odom', 'frame of the odometry (header.frame_id, the parent of the '
                                 'transform)')
    base_frame: str = _f('base_link', 'frame of the robot (child_frame_id)')
    publish_tf: bool = _f(True, 'publish the odom -> base transform on /tf', live=True)
    publish_null_when_lost: bool = _f(False, 'when tracking is lost: false = publish the last '
                                             'pose with covariance 9999 (and its transform); '
                                             'true = a zero pose with covariance 9999 and no '
                                             'transform (rtabmap\'s default)', live=True)
    camera_x: float = _f(0.0, 'camera position in the base frame, metres (x forward); the '
                              'camera_* fields are base -> camera_link as static_transform_'
                              'publisher takes it, camera_link with REP 103 axes (x along the '
                              'optical axis, y left, z up)', range=(-1e6, 1e6))
    camera_y: float = _f(0.0, 'camera position in the base frame, metres (y left)',
                         range=(-1e6, 1e6))
    camera_z: float = _f(0.0, 'camera position in the base frame, metres (z up)',
                         range=(-1e6, 1e6))
    camera_roll: float = _f(0.0, 'camera roll about base x, radians', range=(-7.0, 7.0))
    camera_pitch: float = _f(0.0, 'camera pitch about base y, radians (positive: looks down)',
                             range=(-7.0, 7.0))
    camera_yaw: float = _f(0.0, 'camera yaw about base z, radians', range=(-7.0, 7.0))

    @property
    def base_to_camera(self):
        """Return (x, y, z, roll, pitch, yaw) of camera_link in the base frame."""
        return (self.camera_x, self.camera_y, self.camera_z, self.camera_roll,
                self.camera_pitch, self.camera_yaw)

    def _check_values(self):
        p = []
        if self.depth_min >= self.depth_max:
            p.append(f'depth_min ({self.depth_min}) must be below depth_max ({self.depth_max})')
        if not self.odom_frame or not self.base_frame or self.odom_frame == self.base_frame:
            p.append(f"odom_frame '{self.odom_frame}' and base_frame '{self.base_frame}' must "
                     'be two names')
        return p
