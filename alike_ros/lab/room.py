# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
A textured box room rendered as an RGB-D sequence with exact poses, at any motion per frame.

The shared 7-Scenes frames move 5-8 mm a frame; a camera at 1.5 Hz (or a robot turning)
moves 15 cm and 7 deg or more. This renders that regime: a 6 x 3 x 6 m room whose walls,
floor and ceiling carry the shared HPatches images, seen by TUM's registered-depth camera
(525 px, 640 x 480) on a path of `step_m` and `step_deg` a frame, with sensor noise (1 grey
level; depth 1.5e-3 z^2 m, roughly a Kinect's). `write_tum` writes it as a TUM RGB-D folder,
so `alike-ros odometry-eval --frames` scores it with its peers. Planar walls make it easier
than a real scene: it checks the motion each method survives, not its accuracy on real data.

The depth noise is independent from pixel to pixel by default. `depth_model=
'structured_light'` gives a structured-light camera's instead (PrimeSense's: Kinect v1, which
TUM RGB-D and 7-Scenes recorded with, and the Xtion): disparity measured in 1/8 px steps, its
noise correlated over the camera's matching window, so that neighbouring pixels err together
and a slanted wall becomes a staircase of 2-3 cm steps at 3 m. Averaging a block of pixels
removes independent noise but not that.

A Kinect's depth and colour cameras are not synchronised: TUM's depth stamps lie up to 16 ms
off the colour's. `depth_offset_ms` renders each frame's depth that far off at most (a
uniform draw a frame), from where the camera was then, with its own stamp.
"""

from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480
K = (525.0, 525.0, 319.5, 239.5)  # TUM's camera for its registered depth
HALF = np.array([3.0, 1.5, 3.0])  # the room's half extents (m), centred 0.3 m above the camera
CENTRE = np.array([0.0, -0.3, 0.0])  # optical axes: y points down
PIXELS_PER_M = 110.0  # a 640 px image spans 5.8 m of wall: little repetition
DEPTH_NOISE = 1.5e-3  # m at 1 m, grows with z^2
FIRST_STAMP = 1305031102.0  # s: a TUM-like epoch stamp
# A structured-light camera measures disparity = BASELINE_FOCAL / z px in DISPARITY_STEP
# steps; its noise (DISPARITY_NOISE px) is correlated over a few pixels (Gaussian, sigma
# NOISE_WIDTH px): Kinect v1's 7.5 cm baseline and 580 px focal length, 1/8 px steps; with
# the steps 1.8e-3 z^2 m (measured at 1-3 m), a little above Khoshelham and Elberink's (2012)
# 1.4e-3 z^2 for a Kinect.
BASELINE_FOCAL = 0.075 * 580.0
DISPARITY_STEP = 1.0 / 8.0
DISPARITY_NOISE = 0.07
NOISE_WIDTH = 2.0
DEPTH_MODELS = ('gaussian', 'structured_light')
MAX_DEPTH_OFFSET_MS = 20.0  # TUM's pairing window (rgbd_folder) and depth_tolerance


def _planes():
    """Return (normal, offset, u axis, v axis) of the room's six faces, n . X = offset."""
    planes = []
    for axis in range(3):
        for sign in (1.0, -1.0):
            n = np.zeros(3)
            n[axis] = 1.0
            u = np.zeros(3)
            u[(axis + 1) % 3] = sign  # mirrored on the far face: no two faces look alike
            v = np.zeros(3)
            v[(axis + 2) % 3] = 1.0
            planes.append((n, CENTRE[axis] + sign * HALF[axis], u, v))
    return planes


def textures():
    """Return the six faces' images (the shared HPatches illumination sequences' first)."""
    from alike_ros.paths import shared_dir
    files = sorted((shared_dir() / 'data' / 'hpatches').glob('i_*/1.ppm'))[:6]
    if len(files) < 6:
        raise FileNotFoundError(f"six HPatches images are needed under {shared_dir()}/data/"
                                f'hpatches, found {len(files)}')
    return [cv2.imread(str(f), cv2.IMREAD_COLOR) for f in files]


def render(T_world_camera, faces, rng, depth_model='gaussian'):
    """Return (BGR image, 16-bit depth at 5000 units a metre) seen from a camera pose."""
    if depth_model not in DEPTH_MODELS:
        raise ValueError(f'depth_model {depth_model!r}: one of {", ".join(DEPTH_MODELS)}')
    fx, fy, cx, cy = K
    u, v = np.meshgrid(np.arange(WIDTH, dtype=np.float64), np.arange(HEIGHT, dtype=np.float64))
    rays = np.stack([(u - cx) / fx, (v - cy) / fy, np.ones_like(u)], -1) @ \
        T_world_camera[:3, :3].T
    origin = T_world_camera[:3, 3]
    depth = np.full((HEIGHT, WIDTH), np.inf)  # rays have z = 1: the distance along one is z
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    for (n, offset, u_axis, v_axis), face in zip(_planes(), faces):
        with np.errstate(divide='ignore', invalid='ignore'):
            z = (offset - origin @ n) / (rays @ n)
        nearer = (z > 0) & (z < depth)
        hit = origin + rays * np.where(nearer, z, 0.0)[..., None]
        h, w = face.shape[:2]
        map_u = np.mod(hit @ u_axis * PIXELS_PER_M, w).astype(np.float32)
        map_v = np.mod(hit @ v_axis * PIXELS_PER_M, h).astype(np.float32)
        sample = cv2.remap(face, map_u, map_v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        image[nearer] = sample[nearer]
        depth[nearer] = z[nearer]
    if depth_model == 'gaussian':
        depth = depth + DEPTH_NOISE * depth ** 2 * rng.standard_normal(depth.shape)
    else:
        depth = structured_light(depth, rng)
    image = np.clip(image + rng.normal(0.0, 1.0, image.shape), 0, 255).astype(np.uint8)
    return image, np.clip(np.round(depth * 5000.0), 0, 65535).astype(np.uint16)


def structured_light(depth, rng):
    """Return exact depths (m) as a structured-light camera measures them (0: none)."""
    noise = cv2.GaussianBlur(rng.standard_normal(depth.shape), (0, 0), NOISE_WIDTH)
    with np.errstate(divide='ignore', invalid='ignore'):
        disparity = BASELINE_FOCAL / depth + noise * (DISPARITY_NOISE / noise.std())
        steps = np.round(disparity / DISPARITY_STEP) * DISPARITY_STEP
        # No depth where there is no surface or the disparity rounds to nothing (too far).
        seen = np.isfinite(depth) & (depth > 0) & (steps > 0)
        return np.where(seen, BASELINE_FOCAL / steps, 0.0)


def _rotation(axis, angle):
    return cv2.Rodrigues(np.asarray(axis, np.float64) * angle)[0]


def pose_at(i, step_m, step_deg, radius=1.0):
    """
    Return the camera-to-world pose at frame `i` (a float: between frames too).

    The camera walks a circle of `radius` about the room's middle (with a little bounce) while
    it turns about the vertical by `step_deg` a frame and tilts by up to a third of that: its
    view and its heading part ways, as a hand-held camera's do. 2 m from any wall.
    """
    turn, arc = np.deg2rad(step_deg), step_m / radius
    T = np.eye(4)
    T[:3, :3] = _rotation((0, 1, 0), i * turn) @ _rotation((1, 0, 0), turn / 3 * np.sin(i))
    T[:3, 3] = [radius * np.sin(i * arc), 0.05 * np.sin(2 * i), radius * (1 - np.cos(i * arc))]
    return T


def path(frames, step_m, step_deg, radius=1.0):
    """Return camera-to-world poses of frames 0 .. frames - 1 (pose_at: `step_m` a frame)."""
    return [pose_at(i, step_m, step_deg, radius) for i in range(frames)]


def write_tum(out, frames=12, step_m=0.155, step_deg=6.7, rate=1.5, seed=0,
              depth_model='gaussian', depth_offset_ms=0.0):
    """
    Render the room along `path` into a TUM RGB-D folder at `rate` Hz; return `out`.

    `depth_offset_ms`: each depth image is rendered (and stamped) up to this far off its
    colour image, a uniform draw a frame; 0: with it, as a synchronised camera. At most 20:
    TUM's pairing (and the matcher's depth_tolerance) takes depth within 20 ms only.
    """
    if not 0.0 <= depth_offset_ms <= MAX_DEPTH_OFFSET_MS:
        raise ValueError(f'depth_offset_ms {depth_offset_ms}: 0 to {MAX_DEPTH_OFFSET_MS:g} '
                         '(depth further off its frame would pair with no frame)')
    from alike_ros.tools.odometry_eval import write_tum
    out = Path(out)
    (out / 'rgb').mkdir(parents=True)
    (out / 'depth').mkdir()
    rng = np.random.default_rng(seed)
    faces = textures()
    lists = {'rgb': ['# timestamp filename'], 'depth': ['# timestamp filename']}
    truth = {}
    offsets = np.random.default_rng([seed, 1]).uniform(-1.0, 1.0, frames) * depth_offset_ms
    for i, T in enumerate(path(frames, step_m, step_deg)):
        stamp = f'{FIRST_STAMP + i / rate:.6f}'
        image, depth = render(T, faces, rng, depth_model)
        depth_stamp = stamp
        if depth_offset_ms:
            dt = offsets[i] * 1e-3
            depth_stamp = f'{FIRST_STAMP + i / rate + dt:.6f}'
            _, depth = render(pose_at(i + dt * rate, step_m, step_deg), faces, rng,
                              depth_model)
        cv2.imwrite(str(out / 'rgb' / f'{stamp}.png'), image)
        cv2.imwrite(str(out / 'depth' / f'{depth_stamp}.png'), depth)
        lists['rgb'].append(f'{stamp} rgb/{stamp}.png')
        lists['depth'].append(f'{depth_stamp} depth/{depth_stamp}.png')
        truth[round(float(stamp) * 1e9)] = T
    for name, lines in lists.items():
        (out / f'{name}.txt').write_text('\n'.join(lines) + '\n')
    write_tum(out / 'groundtruth.txt', truth)
    return out
