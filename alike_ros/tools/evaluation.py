# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
HPatches-style evaluation: MMA and MHA at 1..10 px, keypoints, matches, extraction time.

Protocol (../shared/docs/alike.md): mutual nearest neighbour matching on descriptors;
MMA@t = mean over pairs of the fraction of matches whose reprojection error under the
ground-truth homography is <= t px; MHA@t = fraction of pairs whose RANSAC homography moves the
image corners by <= t px on average. Two splits: `real` (each sequence's 1-k pairs) and
`synthetic` (each reference image warped by seeded random homographies).
"""

from dataclasses import dataclass
from pathlib import Path
import statistics
import time

import cv2
import numpy as np

from alike_ros import matchers
from alike_ros.matchers.base import Frame
from alike_ros.matchers.mnn import mnn_match

THRESHOLDS = np.arange(1, 11)


@dataclass
class Pair:
    """Two images and the homography mapping pixels of the first to the second."""

    name: str
    image0: np.ndarray  # BGR
    image1: np.ndarray
    homography: np.ndarray


def real_pairs(root):
    """Return the sequences' own pairs 1-2 .. 1-6."""
    pairs = []
    for seq in sorted(p for p in Path(root).iterdir() if p.is_dir()):
        ref = cv2.imread(str(seq / '1.ppm'))
        for k in range(2, 7):
            if (seq / f'H_1_{k}').is_file():
                pairs.append(Pair(f'{seq.name}/1-{k}', ref, cv2.imread(str(seq / f'{k}.ppm')),
                                  np.loadtxt(seq / f'H_1_{k}')))
    if not pairs:
        raise FileNotFoundError(f'no HPatches sequences (1.ppm, H_1_k) under {root}')
    return pairs


def random_homography(rng, width, height, max_angle=30.0, scale=(0.7, 1.3), perspective=4e-4):
    """Make a homography about the image centre: rotation, scale, perspective, small shift."""
    cx, cy = width / 2, height / 2
    angle = np.deg2rad(rng.uniform(-max_angle, max_angle))
    s = rng.uniform(*scale)
    rot = np.array([[s * np.cos(angle), -s * np.sin(angle), 0],
                    [s * np.sin(angle), s * np.cos(angle), 0], [0, 0, 1]])
    persp = np.eye(3)
    persp[2, :2] = rng.uniform(-perspective, perspective, 2)
    shift = rng.uniform(-0.05, 0.05, 2) * [width, height]
    to_centre = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]])
    back = np.array([[1, 0, cx + shift[0]], [0, 1, cy + shift[1]], [0, 0, 1]])
    return back @ persp @ rot @ to_centre


def synthetic_pairs(root, per_image=5, seed=0):
    """Each reference image warped by `per_image` seeded random homographies."""
    rng = np.random.default_rng(seed)
    pairs = []
    for seq in sorted(p for p in Path(root).iterdir() if p.is_dir()):
        ref = cv2.imread(str(seq / '1.ppm'))
        h, w = ref.shape[:2]
        for k in range(per_image):
            hom = random_homography(rng, w, h)
            pairs.append(Pair(f'{seq.name}/warp{k}', ref, cv2.warpPerspective(ref, hom, (w, h)),
                              hom))
    return pairs


def project(hom, pts):
    p = np.c_[pts, np.ones(len(pts))] @ hom.T
    return p[:, :2] / p[:, 2:3]


def pair_metrics(kp0, desc0, kp1, desc1, hom, shape0):
    """Per-pair MMA curve (fraction correct at each threshold), MHA curve (0/1), matches."""
    pairs, _ = mnn_match(desc0, desc1)
    mma, mha = matched_metrics(kp0[pairs[:, 0]], kp1[pairs[:, 1]], hom, shape0)
    return mma, mha, len(pairs)


def matched_metrics(p0, p1, hom, shape0):
    """MMA and MHA curves of matched points p0 -> p1 under the ground-truth homography."""
    mma = np.zeros(len(THRESHOLDS))
    mha = np.zeros(len(THRESHOLDS))
    if len(p0):
        err = np.linalg.norm(project(hom, p0) - p1, axis=1)
        mma = (err[None, :] <= THRESHOLDS[:, None]).mean(axis=1)
    if len(p0) >= 4:
        # As the public HPatches script: float32 points, OpenCV's RANSAC defaults (3 px).
        est, _ = cv2.findHomography(p0.astype(np.float32), p1.astype(np.float32), cv2.RANSAC)
        if est is not None:
            h, w = shape0[:2]
            corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], np.float64)
            dist = np.linalg.norm(project(hom, corners) - project(est, corners), axis=1).mean()
            mha = (dist <= THRESHOLDS).astype(float)
    return mma, mha


class OrbMethod:
    """OpenCV ORB with 2000 features, Hamming mutual nearest neighbours."""

    name = 'orb'

    def __init__(self):
        self.orb = cv2.ORB_create(2000)
        self.matcher = matchers.get_method('mnn').build()  # binary codes: Hamming

    def frame(self, image):
        kps, desc = self.orb.detectAndCompute(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), None)
        pts = np.array([k.pt for k in kps], np.float32).reshape(-1, 2)
        return Frame(pts, desc if desc is not None else np.zeros((0, 32), np.uint8))


class DetectorMethod:
    """A Detector at native resolution; `u8` sends descriptors through the 8-bit encoding."""

    def __init__(self, name, detector, u8=False, matcher='mnn'):
        self.name, self.detector, self.u8 = name, detector, u8
        self.matcher = matchers.get_method(matcher).build()

    def frame(self, image):
        f = self.detector.detect(image, bgr=True)
        if self.u8:
            from alike_ros.compact import decode_u8, encode_u8
            return Frame(f.keypoints, decode_u8(encode_u8(f.descriptors)))
        return Frame(f.keypoints, f.descriptors)

    def bytes_per_keypoint(self):
        """Message bytes per keypoint: x, y, score as float32, then the descriptor."""
        d = self.detector.descriptor_size
        return 12 + (d if self.u8 else 4 * d)


class ImageMatcherMethod:
    """A matching method that matches images directly (coarse LoFTR: cells, no keypoints)."""

    matches_images = True

    def __init__(self, method='coarse_loftr', threads=2):
        self.name = method.replace('_', ' ')
        self.matcher = matchers.get_method(method).build(threads=threads)

    def frame(self, image):
        return Frame(image=image, bgr=True)


def evaluate(method, pairs, progress=None):
    """
    Mean MMA/MHA curves and counts of one method over pairs.

    The time is the extraction per image, or the matching per pair for methods that match
    images.
    """
    cache, times, counts = {}, [], []
    times_matching = getattr(method, 'matches_images', False)

    def frame(image):
        key = id(image)
        if key not in cache:
            t = time.perf_counter()
            cache[key] = method.frame(image)
            if not times_matching:
                times.append((time.perf_counter() - t) * 1e3)
        return cache[key]

    mmas, mhas, matches = [], [], []
    for pair in pairs:
        f0, f1 = frame(pair.image0), frame(pair.image1)
        t = time.perf_counter()
        m = method.matcher.match(f0, f1)
        if times_matching:
            times.append((time.perf_counter() - t) * 1e3)
        mma, mha = matched_metrics(m.points0, m.points1, pair.homography, pair.image0.shape)
        # per pair, as the reference figures
        counts.append((len(method.matcher.points(f0)) + len(method.matcher.points(f1))) / 2)
        mmas.append(mma)
        mhas.append(mha)
        matches.append(len(m))
        if progress:
            progress()
    per_kp = getattr(method, 'bytes_per_keypoint', lambda: None)()
    return {
        'bytes_per_frame': per_kp * float(np.mean(counts)) if per_kp else None,
        'mma': np.mean(mmas, axis=0).tolist(), 'mha': np.mean(mhas, axis=0).tolist(),
        'pairs': len(pairs), 'keypoints_per_image': float(np.mean(counts)),
        'matches_per_pair': float(np.mean(matches)),
        'extract_ms_median': float(statistics.median(times)),
    }


def table(results, split):
    """Markdown in the columns of the seed paper's Table I."""
    lines = [f'**{split}**', '',
             '| method | MMA@1 | MMA@3 | MMA@5 | MHA@3 | MHA@5 | keypoints/img | matches/pair '
             '| extract ms (median) | KB/frame |', '|---|' + '---:|' * 9]
    for name, r in results.items():
        lines.append(f"| {name} | {r['mma'][0]:.3f} | {r['mma'][2]:.3f} | {r['mma'][4]:.3f} | "
                     f"{r['mha'][2]:.3f} | {r['mha'][4]:.3f} | {r['keypoints_per_image']:.0f} | "
                     f"{r['matches_per_pair']:.0f} | {r['extract_ms_median']:.0f} | "
                     + (f"{r['bytes_per_frame'] / 1024:.0f} |" if r['bytes_per_frame'] else '- |'))
    return '\n'.join(lines)


def plot(results, split, path):
    """MMA and MHA against the threshold for every method."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for name, r in results.items():
        axes[0].plot(THRESHOLDS, r['mma'], marker='o', markersize=3, label=name)
        axes[1].plot(THRESHOLDS, r['mha'], marker='o', markersize=3, label=name)
    for ax, title in zip(axes, ('MMA', 'MHA')):
        ax.set_title(f'{title} ({split} split)')
        ax.set_xlabel('threshold (px)')
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc='lower right')
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
