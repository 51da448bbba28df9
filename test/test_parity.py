# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Parity with the public ALIKE implementation on every shared reference file."""

import json

import cv2
import numpy as np
import pytest

from alike_ros.config import DetectorConfig, NATIVE_SIZE
from alike_ros.detector import Detector
from alike_ros.paths import shared_dir
from conftest import require_shared

require_shared()

REF = shared_dir() / 'reference'
ENTRIES = json.loads((REF / 'index.json').read_text()) if (REF / 'index.json').is_file() else []
_detectors = {}


def detector(entry):
    key = (entry['model'], entry['top_k'])
    if key not in _detectors:
        # Native resolution and the public code's 2 NMS iterations, as the references.
        _detectors[key] = Detector(DetectorConfig(
            model=entry['model'], **NATIVE_SIZE, top_k=entry['top_k'],
            scores_th=entry['scores_th'], n_limit=entry['n_limit'], nms_iterations=2,
            sub_pixel=entry['sub_pixel']))
    return _detectors[key]


@pytest.mark.skipif(not ENTRIES, reason=f'no reference outputs under {REF}')
@pytest.mark.parametrize('entry', ENTRIES, ids=[e['file'] for e in ENTRIES])
def test_parity(entry):
    ref = np.load(REF / entry['file'])
    image = cv2.imread(str(shared_dir() / entry['image']))
    det = detector(entry)
    got = det.detect(image, bgr=True)

    if 'scores_map' in ref:
        net = det.preprocess(image, bgr=True)
        h, w = net.valid
        scores = det._session(*net.blob.shape[2:]).model.run(net.blob)['scores'][0, 0, :h, :w]
        err = np.abs(scores - ref['scores_map'])
        # float32 summation order differs from PyTorch's: ~1e-6 typical, rare pixels ~5e-5.
        assert err.max() < 1e-4 and err.mean() < 5e-6, (err.max(), err.mean())

    # One-to-one keypoints: each of ours has a reference keypoint within 1e-3 px, and back.
    rk = ref['keypoints']
    assert len(got) == len(rk) == entry['n']
    order_got = np.lexsort((got.keypoints[:, 0], got.keypoints[:, 1]))
    order_ref = np.lexsort((rk[:, 0], rk[:, 1]))
    d = np.abs(got.keypoints[order_got] - rk[order_ref]).max(axis=1)
    close = d < 1e-3
    assert close.mean() >= 0.995, f'{(~close).sum()} keypoints differ, max {d.max():.2e} px'
    g, r = order_got[close], order_ref[close]
    np.testing.assert_allclose(got.scores[g], ref['scores'][r], atol=2e-4)
    cos = (got.descriptors[g] * ref['descriptors'][r]).sum(axis=1)
    # Measured over the 24 files: cosine 0.9999996 at the lowest (README: 1.0000), 99.75 % of
    # keypoints within 1e-3 px, scores within 7.5e-5.
    assert cos.min() > 0.9999, cos.min()
    np.testing.assert_allclose(np.linalg.norm(got.descriptors, axis=1), 1, atol=1e-5)
