# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
How long tracks last: the graph's, offline runs of its front-end, and a KLT tracker.

Lengths count the frames a track id appears in. Offline tracking runs the matcher node's
own FrontEnd on the keypoints, so settings can be compared on the same keypoints and the
answer is the graph's.
"""

import numpy as np

from alike_ros.frontend import Frame, FrontEnd
from alike_ros.geometry.tracks import UNTRACKED


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

    `config` is a MatcherConfig (geometry, estimator, threshold, track_*): the node's FrontEnd
    runs the frames (stamps 1, 2, ...) with `camera`.
    """
    front = FrontEnd(config)
    return [front.process(Frame(keypoints, desc, scores=scores[0] if scores else None),
                          stamp, camera).track_ids
            for stamp, (keypoints, desc, *scores) in enumerate(features, 1)]


def klt_tracks(images, max_corners=1000, min_distance=30):
    """Track ids per frame of the VINS-style KLT baseline (tools/baselines.KltTracker)."""
    from alike_ros.tools.baselines import KltTracker
    klt = KltTracker(max_corners, min_distance)
    return [klt.update(image)[0] for image in images]
