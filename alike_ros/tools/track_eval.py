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
from alike_ros.geometry.tracks import motion_prediction, Tracker
from alike_ros.matchers.mnn import mnn_match


def track_stats(frames_ids):
    """Per-frame counts and track lengths of [ids per frame]."""
    lengths, alive = {}, []
    for ids in frames_ids:
        ids = [int(i) for i in ids]
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
    Track ids per frame of [(keypoints, descriptors)] as the matcher node gives them.

    `config` is a MatcherConfig (geometry, estimator, threshold, track_*).
    """
    tracker = Tracker(config.track_window, config.track_min_similarity, config.track_max_missed)
    out, previous = [], None
    for keypoints, desc in features:
        pairs = inliers = prediction = None
        if previous is not None:
            pairs, _ = mnn_match(previous[1], desc)
            p0, p1 = previous[0][pairs[:, 0]], keypoints[pairs[:, 1]]
            robust = (config.estimator(), config.threshold(), config.confidence,
                      config.max_iters)
            fit = None
            if len(pairs) >= geometry.MIN_POINTS[config.geometry]:
                fit = geometry.fit_calibrated(config.geometry, camera, p0, p1, *robust)
            if fit is None or fit.num_inliers < config.min_inliers:
                pairs = None
            else:
                inliers = fit.inliers
                mask = inliers.astype(bool)
                prediction = motion_prediction(p0[mask], p1[mask])
        ids, _ = tracker.update(len(keypoints), pairs, inliers, keypoints, desc, prediction)
        out.append(ids)
        previous = (keypoints, desc)
    return out


def select_continuing(features, count, spacing=4.0):
    """
    Choose `count` keypoints per frame the way a KLT front-end keeps its corners.

    `features`: [(keypoints, descriptors, scores)] of a larger detection (e.g. top_k 1000).
    Each frame keeps first its keypoints that are mutual nearest neighbours of the previous
    frame's chosen ones (the tracks' continuations), then tops up by score with keypoints at
    least `spacing` px from those chosen. Returns [(keypoints, descriptors)] and the chosen
    indices per frame.
    """
    out, chosen_all, previous = [], [], None
    for keypoints, desc, scores in features:
        chosen = []
        if previous is not None and len(desc):
            pairs, _ = mnn_match(previous, desc)
            chosen = pairs[:count, 1].tolist()
        taken = np.zeros(len(keypoints), bool)
        taken[chosen] = True
        for j in np.argsort(-np.asarray(scores), kind='stable'):
            if len(chosen) >= count:
                break
            if taken[j] or (chosen and spacing > 0 and np.min(np.linalg.norm(
                    keypoints[chosen] - keypoints[j], axis=1)) < spacing):
                continue
            chosen.append(j)
            taken[j] = True
        index = np.array(chosen, np.intp)
        out.append((keypoints[index], desc[index]))
        chosen_all.append(index)
        previous = desc[index]
    return out, chosen_all


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
            if track in owner:
                carried += 1
                wrong += owner[track] != point
            owner[track] = point
    return carried, wrong


def synthetic(config, sequences=5, seed=0, select=0, **sequence_args):
    """
    Track synthetic sequences with `config`; return wrong continuations and lengths.

    `select` > 0: that many keypoints per frame chosen by select_continuing (random scores).
    """
    from alike_ros.tools.synthetic import track_sequence
    rng = np.random.default_rng(seed)
    carried = wrong = 0
    lengths = {'tracks_5_or_longer': 0, 'tracks_10_or_longer': 0}
    for _ in range(sequences):
        camera, observations = track_sequence(rng, **sequence_args)
        feats = [(o.keypoints, o.descriptors) for o in observations]
        if select:
            feats, index = select_continuing(
                [(k, d, rng.random(len(k))) for k, d in feats], select)
            observations = [type(o)(o.keypoints[i], o.descriptors[i], o.point[i])
                            for o, i in zip(observations, index)]
        ids = offline_tracks(feats, camera, config)
        c, w = wrong_continuations(observations, ids)
        carried, wrong = carried + c, wrong + w
        stats = track_stats(ids)
        for key in lengths:
            lengths[key] += stats[key]
    return {'continuations': carried, 'wrong': wrong,
            'wrong_share': wrong / carried if carried else 0.0, **lengths}
