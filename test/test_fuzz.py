# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Property-based fuzzing of image conversion and the detector core (bounded, seeded)."""

from hypothesis import event, given, HealthCheck, settings, strategies as st
import numpy as np
import pytest

from alike_ros.config import DetectorConfig
from alike_ros.detector import Detector
from alike_ros.image_encoding import ENCODINGS, image_to_array, ImageError
from conftest import require_shared

require_shared()

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
ENCODING = st.sampled_from(sorted(ENCODINGS) + ['16UC1', '', 'RGB8', 'bayer_rggb8'])


@SETTINGS
@given(encoding=ENCODING, height=st.integers(-2, 40), width=st.integers(-2, 40),
       pad=st.integers(-8, 16), extra=st.one_of(st.just(0), st.integers(-50, 50)),
       seed=st.integers(0, 2**16))
def test_conversion_returns_an_image_or_says_why(encoding, height, width, pad, extra, seed):
    bpp = ENCODINGS.get(encoding, (3, None))[0]
    step = max(width, 0) * bpp + pad
    size = max(step * max(height, 0) + extra, 0)
    data = np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()
    # sensor_msgs/Image's rules, written out independently of the converter: a known
    # encoding, a size, whole rows of `step` bytes (the last one may omit its padding).
    row = width * bpp
    valid = (encoding in ENCODINGS and height > 0 and width > 0
             and not (bpp == 2 and width % 2) and step >= row
             and step * (height - 1) + row <= size <= step * height)
    event('valid frame' if valid else 'malformed frame')  # pytest --hypothesis-show-statistics
    if not valid:
        with pytest.raises(ImageError, match='.'):
            image_to_array(encoding, height, width, step, data)
        return
    out = image_to_array(encoding, height, width, step, data)
    assert out.dtype == np.uint8 and out.shape[:2] == (height, width)
    assert out.ndim == (2 if encoding == 'mono8' else 3)
    pixels = np.stack([np.frombuffer(data, np.uint8)[r * step:r * step + row]
                       for r in range(height)]).reshape(height, width, bpp)
    want = {'rgb8': pixels, 'mono8': pixels[:, :, 0], 'bgr8': pixels[:, :, ::-1],
            'rgba8': pixels[:, :, :3], 'bgra8': pixels[:, :, 2::-1]}.get(encoding)
    if want is not None:  # the YUV ones are checked against OpenCV in test_image_encoding
        np.testing.assert_array_equal(out, want)


@pytest.fixture(scope='module')
def detector():
    return Detector(DetectorConfig(top_k=-1))


def check_features(f, h, w):
    n = len(f)
    assert f.keypoints.shape == (n, 2) and f.scores.shape == (n,)
    assert f.descriptors.shape == (n, 64) and f.descriptors.dtype == np.float32
    assert np.isfinite(f.keypoints).all() and np.isfinite(f.descriptors).all()
    if n:
        assert (f.keypoints >= -0.5).all()
        assert (f.keypoints[:, 0] <= w - 0.5).all() and (f.keypoints[:, 1] <= h - 0.5).all()
        np.testing.assert_allclose(np.linalg.norm(f.descriptors, axis=1), 1, atol=1e-4)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(h=st.integers(1, 700), w=st.integers(1, 900), kind=st.sampled_from(
    ['zeros', 'full', 'noise', 'checker', 'gray']), seed=st.integers(0, 2**16))
def test_detector_accepts_any_size_and_content(detector, h, w, kind, seed):
    rng = np.random.default_rng(seed)
    image = {
        'zeros': lambda: np.zeros((h, w, 3), np.uint8),
        'full': lambda: np.full((h, w, 3), 255, np.uint8),
        'noise': lambda: rng.integers(0, 256, (h, w, 3), dtype=np.uint8),
        'checker': lambda: (((np.indices((h, w)).sum(0) // 4) % 2) * 255).astype(
            np.uint8)[:, :, None].repeat(3, 2),
        'gray': lambda: rng.integers(0, 256, (h, w), dtype=np.uint8),
    }[kind]()
    features = detector.detect(image)
    check_features(features, h, w)
    if kind == 'noise' and min(h, w) >= 32:
        assert len(features) > 0  # texture everywhere: a detector that finds nothing fails


def test_detector_large_frame(detector):
    image = np.random.default_rng(0).integers(0, 256, (3072, 4096, 3), dtype=np.uint8)
    check_features(detector.detect(image), 3072, 4096)


@pytest.mark.parametrize('image, words', [
    (np.zeros((0, 10, 3), np.uint8), 'got shape'),
    (np.zeros((10, 10, 4), np.uint8), 'got shape'),
    (np.zeros((10, 10, 3), np.float32), 'must be uint8'),
])
def test_detector_rejects_what_it_cannot_read(detector, image, words):
    with pytest.raises(ValueError, match=words):
        detector.detect(image)
