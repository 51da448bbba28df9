# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Classical peers measured beside the learned keypoints: OpenCV SIFT and ORB, and a KLT tracker.

SIFT and ORB: 2000 features per frame, mutual nearest neighbours (a brute-force matcher with
cross-check: L2 for SIFT, Hamming for ORB). KLT in the style of VINS-Mono's feature tracker:
cv2.goodFeaturesToTrack corners (up to 1000, 30 px apart), pyramidal Lucas-Kanade to the next
frame, kept only when tracking back lands within 0.5 px of where it started, and new corners
topping the set up away from the live ones.
"""

import cv2
import numpy as np

FEATURES = 2000


def _grey(image):
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def opencv_extractor(name, count=FEATURES):
    """Return OpenCV's SIFT or ORB extractor of `count` features."""
    if name == 'sift':
        return cv2.SIFT_create(count)
    if name == 'orb':
        return cv2.ORB_create(count)
    raise ValueError(f"baseline must be 'sift' or 'orb', got '{name}'")


def opencv_detect(extractor, image):
    """Return (keypoints N x 2 float32, descriptors or None) of a BGR / grey image."""
    kps, desc = extractor.detectAndCompute(_grey(image), None)
    return np.array([k.pt for k in kps], np.float32).reshape(-1, 2), desc


def opencv_features(name, images, count=FEATURES):
    """Return [(keypoints N x 2 float32, descriptors)] of BGR / grey images with SIFT or ORB."""
    extractor = opencv_extractor(name, count)
    return [opencv_detect(extractor, image) for image in images]


def cross_check_match(name, desc0, desc1):
    """Mutual nearest neighbours of SIFT (L2) or ORB (Hamming) descriptors: M x 2 int32."""
    if desc0 is None or desc1 is None or len(desc0) == 0 or len(desc1) == 0:
        return np.zeros((0, 2), np.int32)
    norm = cv2.NORM_HAMMING if name == 'orb' else cv2.NORM_L2
    found = cv2.BFMatcher(norm, crossCheck=True).match(desc0, desc1)
    return np.array([[m.queryIdx, m.trainIdx] for m in found], np.int32).reshape(-1, 2)


class KltTracker:
    """
    VINS-style KLT: corners tracked frame to frame, forward-backward checked, topped up.

    `update(image)` returns (ids, xy) of the points alive in that frame.
    """

    def __init__(self, max_corners=1000, min_distance=30, fb_max_px=0.5, window=21,
                 levels=3):
        self.max_corners, self.min_distance, self.fb_max_px = max_corners, min_distance, \
            fb_max_px
        self.lk = dict(winSize=(window, window), maxLevel=levels,
                       criteria=(cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 30, 0.01))
        self.previous = None
        self.ids = np.zeros(0, np.int64)
        self.xy = np.zeros((0, 2), np.float32)
        self.next_id = 1  # as the matcher's tracks: 0 is no track

    def update(self, image):
        """Track into a new frame and top the corners up; return (ids, xy)."""
        grey = _grey(image)
        if self.previous is not None and len(self.xy):
            p0 = self.xy.reshape(-1, 1, 2)
            p1, ok, _ = cv2.calcOpticalFlowPyrLK(self.previous, grey, p0, None, **self.lk)
            back, ok_back, _ = cv2.calcOpticalFlowPyrLK(grey, self.previous, p1, None, **self.lk)
            h, w = grey.shape
            p1, back = p1.reshape(-1, 2), back.reshape(-1, 2)
            keep = (ok.reshape(-1) == 1) & (ok_back.reshape(-1) == 1) \
                & (np.linalg.norm(back - self.xy, axis=1) <= self.fb_max_px) \
                & (p1[:, 0] >= 0) & (p1[:, 0] < w) & (p1[:, 1] >= 0) & (p1[:, 1] < h)
            self.ids, self.xy = self.ids[keep], p1[keep].astype(np.float32)
        else:
            self.ids, self.xy = np.zeros(0, np.int64), np.zeros((0, 2), np.float32)
        need = self.max_corners - len(self.xy)
        if need > 0:
            mask = np.full(grey.shape, 255, np.uint8)
            for x, y in self.xy:
                cv2.circle(mask, (int(round(x)), int(round(y))), self.min_distance, 0, -1)
            corners = cv2.goodFeaturesToTrack(grey, need, 0.01, self.min_distance, mask=mask)
            if corners is not None:
                corners = corners.reshape(-1, 2).astype(np.float32)
                new_ids = self.next_id + np.arange(len(corners))
                self.next_id += len(corners)
                self.ids = np.r_[self.ids, new_ids]
                self.xy = np.r_[self.xy, corners]
        self.previous = grey
        return self.ids.copy(), self.xy.copy()
