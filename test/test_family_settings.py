# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
A model family's own detection settings reach the detector wherever none is given.

top_k 0 and scores_th -1 (the defaults, and the shipped params file's) mean "the family's";
a value given wins. Before, ALIKE's scores_th 0.2 applied to every family: EdgePoint2-T32 gave
587 keypoints on a TUM frame instead of its authors' 1933.
"""

import pytest
import yaml

from alike_ros import extractors
from alike_ros.config import DetectorConfig, FAMILY_SETTINGS
from alike_ros.paths import config_file
from conftest import needs_shared


@pytest.mark.parametrize('model,top_k,scores_th', [('alike-t', -1, 0.2),
                                                   ('edgepoint2-T32', -1, 0.0067),
                                                   ('xfeat', 4096, 0.05)])
def test_unset_settings_resolve_to_the_family(model, top_k, scores_th):
    cfg = DetectorConfig(model=model).resolved()
    assert (cfg.top_k, cfg.scores_th) == (top_k, scores_th)
    given = DetectorConfig(model=model, top_k=500, scores_th=0.3).resolved()
    assert (given.top_k, given.scores_th) == (500, 0.3)  # a value given wins


def test_the_shipped_params_file_leaves_them_to_the_family():
    params = yaml.safe_load(config_file('edge.yaml').read_text())
    detector = params['/**/alike_detector']['ros__parameters']
    for key, unset in FAMILY_SETTINGS.items():
        assert detector.get(key, unset) == unset, key
    assert DetectorConfig().top_k == FAMILY_SETTINGS['top_k']
    assert DetectorConfig().scores_th == FAMILY_SETTINGS['scores_th']


def test_an_invalid_threshold_is_refused_with_what_to_use():
    with pytest.raises(ValueError, match="the family's"):
        DetectorConfig(scores_th=-0.5).validated()
    assert set(extractors.family_of('xfeat').defaults) >= {'top_k', 'scores_th'}


@needs_shared
def test_edgepoint2_detects_as_its_authors_and_live_changes_resolve_too():
    import cv2

    from alike_ros.config import NATIVE_SIZE
    from alike_ros.detector import Detector
    from alike_ros.paths import tum_dir
    image = cv2.imread(str(sorted(tum_dir().glob('*.png'))[0]))
    det = Detector(DetectorConfig(model='edgepoint2-T32', **NATIVE_SIZE))
    # Measured on the first TUM frame: 1933 keypoints at the authors' 0.0067 (587 at 0.2).
    assert len(det.detect(image, bgr=True)) == pytest.approx(1933, abs=20)
    det.update(scores_th=0.2)
    assert len(det.detect(image, bgr=True)) == pytest.approx(587, abs=10)
    det.update(scores_th=-1.0)
    assert det.config.scores_th == 0.0067
