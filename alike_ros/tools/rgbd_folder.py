# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
RGB-D sequences as their datasets ship them: a TUM RGB-D folder or a 7-Scenes folder.

`read(folder)` finds the layout and returns an `RgbdFolder`: the file names, stamps, camera,
ground truth and depth units, nothing loaded yet. `select` keeps the first / every N-th frame
and `load` reads only those, so a sequence of thousands of frames evaluates at a lower rate
without holding all of it.

- TUM RGB-D (rgb.txt, depth.txt, rgb/, depth/, groundtruth.txt): each colour image gets the
  depth image nearest its stamp within 20 ms, each used once (TUM's associate.py), and each
  keeps its own stamp (the Kinect's depth is not synchronised with its colour: the odometry
  moves the depth by the motion in between); depth is 16-bit at 5000 units a metre,
  registered to the colour camera, whose intrinsics are TUM's for registered depth (525,
  525, 319.5, 239.5) unless a calibration is given; ground truth is groundtruth.txt
  interpolated at the colour stamps.
- 7-Scenes (frame-*.color.png, frame-*.depth.png in millimetres, frame-*.pose.txt 4 x 4
  camera-to-world, camera-intrinsics.txt where there is one, else the dataset's published
  585, 585, 320, 240): stamps at 30 Hz (the Kinect's; the folder has none).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from alike_ros.tools.bag import (camera_info_file, pinhole_camera_info, read_depth_file,
                                 read_rgb_file, START_NS)

SEVEN_SCENES_RATE = 30.0  # Hz
SEVEN_SCENES_K = (585.0, 585.0, 320.0, 240.0)  # fx, fy, cx, cy: the dataset's, both cameras
TUM_K = (525.0, 525.0, 319.5, 239.5)  # TUM's intrinsics for its registered depth
TUM_DEPTH_SCALE = 5000.0  # units a metre
TUM_MAX_DIFFERENCE_S = 0.02  # associate.py's default


@dataclass(frozen=True)
class RgbdFolder:
    """An RGB-D sequence's files, stamps, camera (CameraInfo fields) and ground truth."""

    layout: str  # 'tum' or '7scenes'
    colour: tuple  # Paths
    depth: tuple  # Paths, one per colour image
    stamps_ns: tuple
    camera_info: dict
    poses: tuple  # 4 x 4 camera-to-world per frame (None: no ground truth there), or None
    depth_scale: float  # 16-bit depth units a metre
    depth_stamps_ns: tuple = None  # each depth image's own stamp (None: the colour's)

    def __len__(self):
        return len(self.colour)

    def select(self, max_frames=None, step=1):
        """Return the first `max_frames` frames, then every `step`-th of them."""
        def cut(values):
            return None if values is None else tuple(values[:max_frames][::step])
        return replace(self, colour=cut(self.colour), depth=cut(self.depth),
                       stamps_ns=cut(self.stamps_ns), poses=cut(self.poses),
                       depth_stamps_ns=cut(self.depth_stamps_ns))

    @property
    def depth_stamps(self):
        """Return each depth image's stamp (ns): its own, or its colour image's."""
        return self.depth_stamps_ns if self.depth_stamps_ns is not None else self.stamps_ns

    def images(self):
        """Return (RGB frames, depth images as read: uint16 or float32), each read on access."""
        return Images(self.colour, read_rgb_file), Images(self.depth, read_depth_file)

    def load(self):
        """Return (RGB frames, depth images as read), all read now."""
        return tuple(list(images) for images in self.images())


class Images(Sequence):
    """Image files read one at a time as they are indexed: a long sequence is never held."""

    def __init__(self, paths, reader):
        self.paths, self.reader = tuple(paths), reader

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return Images(self.paths[i], self.reader)
        return self.reader(self.paths[i])


def orthonormal(T):
    """Return a 4 x 4 pose with its rotation projected onto SO(3) (files keep 8 digits)."""
    u, _, vt = np.linalg.svd(T[:3, :3])
    out = np.array(T, np.float64)
    out[:3, :3] = u @ np.diag([1.0, 1.0, np.linalg.det(u @ vt)]) @ vt
    out[3] = [0, 0, 0, 1]
    return out


def ground_truth(path, stamps_ns):
    """Return the camera-to-world poses at the stamps of a TUM trajectory (None: none there)."""
    from alike_ros.tools import motion_metrics
    poses = motion_metrics.poses_at(motion_metrics.read_tum(path), [s / 1e9 for s in stamps_ns])
    return [None if p is None else orthonormal(p) for p in poses]


def is_tum(folder):
    """Tell whether a folder is a TUM RGB-D sequence (rgb.txt and depth.txt)."""
    folder = Path(folder)
    return (folder / 'rgb.txt').is_file() and (folder / 'depth.txt').is_file()


def is_7scenes(folder):
    """Tell whether a folder is a 7-Scenes sequence (frame-*.depth.png beside the colour)."""
    return any(Path(folder).glob('frame-*.depth.png'))


def is_rgbd_folder(folder):
    """Tell whether a path is a folder in a layout `read` knows."""
    return Path(folder).is_dir() and (is_tum(folder) or is_7scenes(folder))


def read_list(path):
    """Return (stamps s, file names) of a TUM list file (`stamp filename`, # comments)."""
    stamps, names = [], []
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if parts and not parts[0].startswith('#'):
            if len(parts) < 2:
                raise ValueError(f'{path}: "{line}" is not "timestamp filename"')
            stamps.append(float(parts[0]))
            names.append(parts[1])
    return np.array(stamps, np.float64), names


def associate(first, second, max_difference=TUM_MAX_DIFFERENCE_S):
    """
    Return index pairs (i, j), i ascending, of stamps `first[i]` and `second[j]` matched.

    As TUM's associate.py: the closest pairs within `max_difference` first, each stamp used
    once.
    """
    second = np.asarray(second, np.float64)
    order = np.argsort(second)
    sorted_second = second[order]
    candidates = []
    for i, s in enumerate(first):
        k = int(np.searchsorted(sorted_second, s))
        for j in (k - 1, k):  # the neighbours on each side; a farther one is never closer
            if 0 <= j < len(sorted_second) and abs(sorted_second[j] - s) <= max_difference:
                candidates.append((abs(sorted_second[j] - s), i, int(order[j])))
    used_first, used_second, pairs = set(), set(), []
    for _, i, j in sorted(candidates):
        if i not in used_first and j not in used_second:
            used_first.add(i)
            used_second.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def read_tum_folder(folder, camera_info=None):
    """Return the RgbdFolder of a TUM RGB-D sequence folder."""
    folder = Path(folder)
    rgb_stamps, rgb_names = read_list(folder / 'rgb.txt')
    depth_stamps, depth_names = read_list(folder / 'depth.txt')
    pairs = associate(rgb_stamps, depth_stamps)
    if not pairs:
        raise ValueError(f'{folder}: no colour image has a depth image within '
                         f'{TUM_MAX_DIFFERENCE_S * 1e3:.0f} ms')
    colour = tuple(folder / rgb_names[i] for i, _ in pairs)
    depth = tuple(folder / depth_names[j] for _, j in pairs)
    stamps = tuple(round(rgb_stamps[i] * 1e9) for i, _ in pairs)
    depth_ns = tuple(round(depth_stamps[j] * 1e9) for _, j in pairs)
    info = _camera(colour[0], camera_info, TUM_K)
    truth = folder / 'groundtruth.txt'
    poses = tuple(ground_truth(truth, stamps)) if truth.is_file() else None
    return RgbdFolder('tum', colour, depth, stamps, info, poses, TUM_DEPTH_SCALE, depth_ns)


def read_7scenes_folder(folder, camera_info=None, rate=SEVEN_SCENES_RATE):
    """Return the RgbdFolder of a 7-Scenes folder (frame-*.color/depth/pose)."""
    folder = Path(folder)
    depth = tuple(sorted(folder.glob('frame-*.depth.png')))
    colour = tuple(sorted(folder.glob('frame-*.color.png')))
    if not colour or len(colour) != len(depth):
        raise ValueError(f'{folder}: {len(colour)} frame-*.color.png and {len(depth)} '
                         'frame-*.depth.png (7-Scenes layout: one of each a frame)')
    names = [p.name.split('.')[0] for p in colour]
    if names != [p.name.split('.')[0] for p in depth]:
        raise ValueError(f'{folder}: the colour and depth frames do not pair by name')
    pose_files = [folder / f'{n}.pose.txt' for n in names]
    poses = tuple(orthonormal(np.loadtxt(f)) for f in pose_files) \
        if all(f.is_file() for f in pose_files) else None
    intrinsics = folder / 'camera-intrinsics.txt'
    info = _camera(colour[0], camera_info or (intrinsics if intrinsics.is_file() else None),
                   SEVEN_SCENES_K)
    stamps = tuple(START_NS + round(i * 1e9 / rate) for i in range(len(colour)))
    return RgbdFolder('7scenes', colour, depth, stamps, info, poses, 1000.0)


def _camera(first_image, camera_info, default_K):
    image = cv2.imread(str(first_image), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f'cannot read image {first_image}')
    h, w = image.shape[:2]
    if camera_info is None:
        fx, fy, cx, cy = default_K
        info = pinhole_camera_info([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], w, h)
        info['source'] = f'the dataset\'s intrinsics {default_K}'
        return info
    info = camera_info_file(camera_info, w, h)
    info['source'] = str(camera_info)
    return info


def read(folder, camera_info=None, rate=SEVEN_SCENES_RATE):
    """
    Return the RgbdFolder of a TUM RGB-D or 7-Scenes folder.

    `camera_info`: a calibration (YAML or 3 x 3 K text) in place of the folder's; `rate`: the
    stamps of a folder without them (7-Scenes).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f'no such RGB-D folder: {folder}')
    if is_tum(folder):
        return read_tum_folder(folder, camera_info)
    if is_7scenes(folder):
        return read_7scenes_folder(folder, camera_info, rate)
    raise ValueError(f'{folder} is neither a TUM RGB-D sequence (rgb.txt, depth.txt) nor a '
                     '7-Scenes folder (frame-*.color.png, frame-*.depth.png)')
