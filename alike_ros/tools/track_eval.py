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
How long tracks last, beside a KLT tracker, and how often they continue on the wrong point.

Lengths count the frames a track id appears in. Offline tracking does what the matcher node
does per frame (mutual nearest neighbours, the configured geometry, geometry.tracks.Tracker
with the inliers' motion prediction), so settings can be compared on the same keypoints; the
synthetic sequences (tools/synthetic.track_sequence) know which 3D point each keypoint is,
so a continuation onto another point is counted as wrong.
"""

import numpy as np

from alike_ros import geometry
from alike_ros.geometry.tracks import motion_prediction, Tracker, UNTRACKED
from alike_ros.matchers.mnn import mnn_match


def track_stats(frames_ids):
    """Per-frame counts and track lengths of [ids per frame] (points without a track: none)."""
    lengths, alive = {}, []
    frames_ids = [[int(i) for i in ids if int(i) != UNTRACKED] for ids in frames_ids]
    for ids in frames_ids:
        for i in ids:
            lengths[i] = lengths.get(i, 0) + 1
        alive.append(sum(lengths[i] >= 2 for i in ids))
    n = np.array(list(lengths.values()) or [0])
    return {'points_per_frame': float(np.mean([len(x) for x in frames_ids])),
            'tracked_per_frame': float(np.median(alive[1:])) if len(alive) > 1 else 0.0,
            'tracks': int(len(lengths)), 'median_length': float(np.median(n)),
            'p90_length': float(np.percentile(n, 90)), 'max_length': int(n.max()),
            'tracks_5_or_longer': int((n >= 5).sum()), 'tracks_10_or_longer': int((n >= 10).sum())}


def offline_tracks(features, camera, config):
    """
    Track ids per frame of [(keypoints, descriptors[, scores])] as the matcher node gives them.

    `config` is a MatcherConfig (geometry, estimator, threshold, track_*). With a track_budget
    each frame is matched against the previous frame's tracked keypoints, as in the node.
    """
    tracker = Tracker.from_config(config)
    out, previous = [], None
    for keypoints, desc, *scores in features:
        pairs = inliers = prediction = None
        if previous is not None:
            index = np.arange(len(previous[0])) if tracker.chosen is None \
                else np.flatnonzero(tracker.chosen)
            pairs, _ = mnn_match(previous[1][index], desc)
            pairs[:, 0] = index[pairs[:, 0]]
            p0, p1 = previous[0][pairs[:, 0]], keypoints[pairs[:, 1]]
            fit = geometry.fit_calibrated(config.geometry, camera, p0, p1, *config.robust())
            if fit is None or fit.num_inliers < config.min_inliers:
                pairs = None
            else:
                inliers = fit.inliers
                mask = inliers.astype(bool)
                prediction = motion_prediction(p0[mask], p1[mask])
        ids, _ = tracker.update(len(keypoints), pairs, inliers, keypoints, desc, prediction,
                                scores[0] if scores else None)
        out.append(ids)
        previous = (keypoints, desc)
    return out


def klt_tracks(images, max_corners=1000, min_distance=30):
    """Track ids per frame of the VINS-style KLT baseline (tools/baselines.KltTracker)."""
    from alike_ros.tools.baselines import KltTracker
    klt = KltTracker(max_corners, min_distance)
    return [klt.update(image)[0] for image in images]


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
    from alike_ros.tools.synthetic import track_sequence
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
