# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Evaluation metrics on constructed cases with known answers, and a small real run."""

import numpy as np
import pytest

from alike_ros.tools import evaluation
from alike_ros.config import DetectorConfig, NATIVE_SIZE
from alike_ros.detector import Detector
from alike_ros.paths import shared_dir
from conftest import needs_shared

RNG = np.random.default_rng(3)
KP = (RNG.random((200, 2)) * [600, 440] + 20).astype(np.float32)
DESC = RNG.standard_normal((200, 64)).astype(np.float32)
DESC /= np.linalg.norm(DESC, axis=1, keepdims=True)
SHAPE = (480, 640, 3)


def test_identity_with_perfect_matches():
    mma, mha, n = evaluation.pair_metrics(KP, DESC, KP, DESC, np.eye(3), SHAPE)
    assert n == 200 and (mma == 1).all() and (mha == 1).all()


def test_two_pixel_shift():
    shifted = KP + np.float32([2.0, 0.0])
    mma, _, _ = evaluation.pair_metrics(KP, DESC, shifted, DESC, np.eye(3), SHAPE)
    assert mma[0] == 0 and mma[2] == 1  # MMA@1 0, MMA@3 1


def test_wrong_homography_has_no_homography_accuracy():
    wrong = np.array([[1, 0, 40], [0, 1, -25], [0, 0, 1]], float)
    mma, mha, _ = evaluation.pair_metrics(KP, DESC, KP, DESC, wrong, SHAPE)
    assert (mha == 0).all() and (mma == 0).all()


@needs_shared
def test_synthetic_pairs_are_seeded():
    a = evaluation.synthetic_pairs(shared_dir() / 'data' / 'hpatches', 2, seed=5)
    b = evaluation.synthetic_pairs(shared_dir() / 'data' / 'hpatches', 2, seed=5)
    assert len(a) == 16
    assert all(np.array_equal(x.homography, y.homography) for x, y in zip(a, b))


@pytest.fixture(scope='module')
def two_sequences(tmp_path_factory):
    root = tmp_path_factory.mktemp('hp')
    for name in ('i_castle', 'i_school'):
        (root / name).symlink_to(shared_dir() / 'data' / 'hpatches' / name)
    return root


@needs_shared
def test_small_end_to_end(two_sequences):
    det = Detector(DetectorConfig(**NATIVE_SIZE, nms_iterations=2))
    method = evaluation.DetectorMethod('alike-t', det)
    real = evaluation.evaluate(method, evaluation.real_pairs(two_sequences))
    orb = evaluation.evaluate(evaluation.OrbMethod(), evaluation.real_pairs(two_sequences))
    # Measured: MMA@3 0.710 against ORB's 0.389, 2400 keypoints an image (deterministic).
    assert real['pairs'] == 10 and real['keypoints_per_image'] == pytest.approx(2400, rel=0.02)
    assert real['mma'][2] == pytest.approx(0.710, abs=0.01) and orb['mma'][2] < 0.45
    assert all(a <= b + 1e-9 for a, b in zip(real['mma'], real['mma'][1:]))  # monotone


def test_coarse_loftr_cells_and_mutual_maxima():
    from alike_ros.matchers import coarse_loftr as loftr
    from alike_ros.matchers.base import mutual_best
    conf = np.zeros((1200, 1200), np.float32)
    conf[0, 5], conf[7, 5] = 0.5, 0.4  # 7 -> 5 is not mutual: 0 holds column 5
    conf[41, 41] = 0.9
    conf[3, 9] = 0.005  # under the threshold
    pairs, scores = mutual_best(conf, 0.01)
    assert pairs.tolist() == [[0, 5], [41, 41]]
    np.testing.assert_allclose(scores, [0.5, 0.9])
    # Cell 41 = column 1, row 1: centre at 16 + 7.5 in the model's 640x480 input.
    np.testing.assert_allclose(loftr.cell_pixels(np.array([41]), 640, 480), [[23.5, 23.5]])


@needs_shared
def test_coarse_loftr_pairs(two_sequences):
    r = evaluation.evaluate(evaluation.ImageMatcherMethod('coarse_loftr'),
                            evaluation.real_pairs(two_sequences))
    # These pairs are registered (identity homography): cells land on themselves.
    # Measured: 490 cell matches a pair.
    assert r['pairs'] == 10 and r['matches_per_pair'] > 440 and r['mha'][2] == 1.0
