# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Depth images in metres, and keypoints lifted to 3D with them.

A depth image registered to the colour camera (RealSense's aligned_depth_to_color, TUM's
depth PNGs) holds, at each colour pixel, the Z of the surface seen there: 16UC1 in depth units
(`depth_scale` a metre: 1000 for millimetres, 5000 for TUM's PNGs; 0 = none) or 32FC1 in
metres (NaN, inf or 0 = none). A depth image of another size than the colour image (a
registered depth at half resolution) is looked up at the scaled pixel.

A keypoint is lifted only where depth is trustworthy: inside [min, max] metres and not on a
depth edge. At an occlusion boundary a keypoint's pixel may see the foreground in the depth
image and the background in the colour one (registration is never perfect; unregistered
depth is off by pixels everywhere), so a keypoint whose 3 x 3 depth neighbourhood spans more
than `max_step` metres, or holds a pixel without depth, is rejected.
"""

import numpy as np

DEPTH_ENCODINGS = ('16UC1', 'mono16', '32FC1')
# Depth error that no camera beats (quantisation, calibration), metres.
NOISE_FLOOR = 0.002


def sigma(z, depth_noise):
    """
    Return the depth error (metres) at depths z: depth_noise z^2 + NOISE_FLOOR.

    A structured-light or stereo camera's error grows with the square of the distance
    (depth_noise about 0.0015 for a Kinect).
    """
    return depth_noise * np.square(z) + NOISE_FLOOR


def depth_pixels(encoding, height, width, step, data, bigendian=False):
    """
    Return the H x W pixels of a depth image's fields (sensor_msgs/Image's).

    uint16 for 16UC1 / mono16, float32 for 32FC1 (a copy only where rows are padded);
    raises ValueError naming what is wrong.
    """
    types = {'16UC1': np.uint16, 'mono16': np.uint16, '32FC1': np.float32}
    if encoding not in types:
        raise ValueError(f"depth encoding '{encoding}' is not supported: use "
                         f"{', '.join(DEPTH_ENCODINGS)}")
    dtype = np.dtype(types[encoding]).newbyteorder('>' if bigendian else '<')
    row = width * dtype.itemsize
    buffer = np.frombuffer(data, np.uint8)
    if height <= 0 or width <= 0 or step < row or buffer.size < step * (height - 1) + row:
        raise ValueError(f'malformed depth image: {width} x {height} {encoding}, step {step}, '
                         f'{buffer.size} bytes')
    rows = np.lib.stride_tricks.as_strided(buffer, (height, row), (step, 1))
    pixels = np.ascontiguousarray(rows).view(dtype).reshape(height, width)
    return pixels if dtype.isnative else pixels.astype(dtype.newbyteorder('='))


def to_metres(depth, encoding, depth_scale=1000.0):
    """
    Return a depth image as float32 metres, 0 where there is none.

    `depth`: H x W uint16 (16UC1 / mono16, `depth_scale` units a metre) or float32 (32FC1,
    metres). Raises ValueError for other encodings.
    """
    if encoding in ('16UC1', 'mono16'):
        return np.asarray(depth, np.uint16).astype(np.float32) * np.float32(1.0 / depth_scale)
    if encoding == '32FC1':
        metres = np.asarray(depth, np.float32)
        return np.where(np.isfinite(metres) & (metres > 0), metres, np.float32(0.0))
    raise ValueError(f"depth encoding '{encoding}' is not supported: use "
                     f"{', '.join(DEPTH_ENCODINGS)}")


# The 3 x 3 neighbourhood's offsets (u, v), one row each: the samples come out 9 x N, so the
# neighbourhood's min and max run along rows of N (a fifth of the time of N x 9's).
_NEIGHBOURS = np.array([[-1, 0, 1] * 3, [-1] * 3 + [0] * 3 + [1] * 3])[:, :, None]


def _neighbourhoods(depth, points, size):
    """Return (9 x N samples, N flags: a neighbour lies outside the image) of pixel points."""
    if np.ndim(depth) != 2:
        raise ValueError(f'a depth image is one channel: got shape {np.shape(depth)}')
    h, w = depth.shape
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    sx, sy = w / max(size[0], 1), h / max(size[1], 1)
    u = np.floor((pts[:, 0] + 0.5) * sx).astype(np.int64)  # the pixel whose centre is nearest
    v = np.floor((pts[:, 1] + 0.5) * sy).astype(np.int64)
    outside = (u < 1) | (u > w - 2) | (v < 1) | (v > h - 2)
    # An inside point's neighbours lie in the image; an outside point's samples are never
    # used (not trusted), so any pixel will do for them: clipped by take.
    flat = (v * w + u) + (_NEIGHBOURS[1] * w + _NEIGHBOURS[0])
    return np.ascontiguousarray(depth).reshape(-1).take(flat, mode='clip'), outside


def keypoint_depth(depth, points, size, min_depth, max_depth, max_step, scale=1.0):
    """
    Return the depth (metres) at each pixel point, NaN where it is not to be trusted.

    `depth` in metres, or in units that `scale` (> 0) turns into metres (1 / depth_scale for
    16UC1: only the samples are converted, not the image). Not trusted: no depth at the
    pixel or a neighbour (or a neighbour outside the image), outside [min_depth, max_depth],
    or a 3 x 3 neighbourhood spanning more than `max_step` metres (a depth edge).
    """
    if not np.size(depth):
        return np.full(len(np.asarray(points).reshape(-1, 2)), np.nan)
    patch, outside = _neighbourhoods(depth, points, size)
    scale = np.float32(scale)
    lo = patch.min(axis=0).astype(np.float32) * scale  # NaN (float depth) stays NaN: not ok
    hi = patch.max(axis=0).astype(np.float32) * scale
    z = (patch[4].astype(np.float32) * scale).astype(np.float64)
    ok = ~outside & (lo > 0) & (z >= min_depth) & (z <= max_depth) & (hi - lo <= max_step)
    return np.where(ok, z, np.nan)


def moved_keypoint_depth(depth, normalised, z, camera, T_frame_depth, min_depth, max_depth,
                         max_step, scale=1.0):
    """
    Return keypoints' depths along their rays from a depth image seen from another pose.

    A depth camera not synchronised with the colour one sees from where the camera was at
    its stamp: `T_frame_depth` maps that camera's points into the frame's. Each keypoint's
    ray (`normalised`), at its depth `z` at the same pixel (the median of `z` where it has
    none), is moved into the depth's camera and projected there (`camera`, a
    geometry.camera.Camera); the depth found at that pixel (keypoint_depth's rules), lifted
    and moved back, gives the depth in the frame's camera. NaN where none is found.
    """
    z = np.asarray(z, np.float64)
    known = np.isfinite(z)
    if not known.any():
        return z
    guess = np.where(known, z, np.median(z[~np.isnan(z)]))  # np.nanmedian's, at less cost
    R, t = T_frame_depth[:3, :3], T_frame_depth[:3, 3]
    seen = (lift(normalised, guess) - t) @ R  # R^T (X - t): into the depth's camera
    found = keypoint_depth(depth, camera.project(seen), (camera.width, camera.height),
                           min_depth, max_depth, max_step, scale)
    return lift(seen[:, :2] / seen[:, 2:], found) @ R[2] + t[2]


def lift(normalised, z):
    """Return N x 3 camera-frame points of normalised coordinates and depths (NaN rows stay)."""
    xy = np.asarray(normalised, np.float64).reshape(-1, 2)
    z = np.asarray(z, np.float64).reshape(-1, 1)
    return np.hstack([xy * z, z])
