# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
How often tracks continue on the wrong point, on synthetic sequences that know each point.

The sequences (lab.synthetic.track_sequence) know which 3D point each keypoint is, so a
continuation onto another point is counted as wrong; the tracks are the matcher's own
(tools.track_eval.offline_tracks runs its FrontEnd).
"""

import numpy as np

from alike_ros.geometry.tracks import UNTRACKED
from alike_ros.tools.track_eval import offline_tracks, track_stats


def wrong_continuations(observations, frames_ids):
    """Return (continuations, wrong ones): a track's keypoint on another point than before."""
    owner, carried, wrong = {}, 0, 0
    for obs, ids in zip(observations, frames_ids):
        for track, point in zip(ids.tolist(), obs.point.tolist()):
            if track == UNTRACKED:
                continue
            if track in owner:
                carried += 1
                wrong += owner[track] != point
            owner[track] = point
    return carried, wrong


def synthetic(config, sequences=5, seed=0, **sequence_args):
    """
    Track synthetic sequences with `config`; return wrong continuations and lengths.

    Keypoints get random scores (what a track budget ranks new tracks by).
    """
    from alike_ros.lab.synthetic import track_sequence
    rng = np.random.default_rng(seed)
    rank = np.random.default_rng(seed + 1)  # apart: the sequences stay those of `seed`
    carried = wrong = 0
    lengths = {'tracks_5_or_longer': 0, 'tracks_10_or_longer': 0}
    for _ in range(sequences):
        camera, observations = track_sequence(rng, **sequence_args)
        feats = [(o.keypoints, o.descriptors, rank.random(len(o.keypoints)))
                 for o in observations]
        ids = offline_tracks(feats, camera, config)
        c, w = wrong_continuations(observations, ids)
        carried, wrong = carried + c, wrong + w
        stats = track_stats(ids)
        for key in lengths:
            lengths[key] += stats[key]
    return {'continuations': carried, 'wrong': wrong,
            'wrong_share': wrong / carried if carried else 0.0, **lengths}
