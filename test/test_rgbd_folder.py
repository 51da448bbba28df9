# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""RGB-D dataset folders (TUM RGB-D, 7-Scenes) read, turned into bags and evaluated."""

import shutil

import cv2
import numpy as np
import pytest

from alike_ros.geometry import quaternion_xyzw
from alike_ros.paths import shared_dir
from alike_ros.tools import rgbd_folder
from conftest import require_shared

require_shared()

SEVEN_SCENES = shared_dir() / 'data' / 'rgbd_7scenes'
T0 = 1305031102.0  # a TUM-like epoch stamp


def _tum_copy(out, count, depth_offset_s=0.007, drop_depth=(), extra_depth=True):
    """Write the first shared 7-Scenes frames as a TUM RGB-D sequence folder (5000 units/m)."""
    src = rgbd_folder.read(SEVEN_SCENES)
    (out / 'rgb').mkdir(parents=True)
    (out / 'depth').mkdir()
    rgb, depth, truth = ['# color images', '# timestamp filename'], ['# depth maps'], \
        ['# timestamp tx ty tz qx qy qz qw']
    for i, (c, d, pose) in enumerate(zip(src.colour[:count], src.depth, src.poses)):
        t = T0 + i / 30
        shutil.copy(c, out / 'rgb' / f'{t:.6f}.png')
        rgb.append(f'{t:.6f} rgb/{t:.6f}.png')
        truth.append(f'{t:.6f} ' + ' '.join(
            f'{v:.9f}' for v in (*pose[:3, 3], *quaternion_xyzw(pose[:3, :3]))))
        if i in drop_depth:
            continue
        td = t + depth_offset_s
        mm = cv2.imread(str(d), cv2.IMREAD_UNCHANGED).astype(np.uint32)
        cv2.imwrite(str(out / 'depth' / f'{td:.6f}.png'), (mm * 5).astype(np.uint16))
        depth.append(f'{td:.6f} depth/{td:.6f}.png')
    if extra_depth:  # a depth image long after the last colour one pairs with nothing
        depth.append(f'{T0 + count:.6f} depth/none.png')
    for name, lines in (('rgb', rgb), ('depth', depth), ('groundtruth', truth)):
        (out / f'{name}.txt').write_text('\n'.join(lines) + '\n')
    return out


def test_association_takes_the_closest_pairs_first_each_stamp_once():
    rgb = [0.0, 0.033, 0.066, 0.100]
    depth = [0.030, 0.034, 0.070, 0.2]
    # 0.033 takes 0.034 (closest); 0.0 is 30 ms from 0.030: too far; 0.066 takes 0.070.
    assert rgbd_folder.associate(rgb, depth) == [(1, 1), (2, 2)]
    # 0.030 can go to 0.033 or to nothing else: the first (0.0) is within 30 ms at 0.04.
    assert rgbd_folder.associate(rgb, depth, max_difference=0.04) == [(0, 0), (1, 1), (2, 2)]
    assert rgbd_folder.associate([], depth) == []


def test_a_tum_folder_pairs_depth_by_stamp_and_reads_in_its_units(tmp_path):
    folder = rgbd_folder.read(_tum_copy(tmp_path / 'seq', 6, drop_depth=(2,)))
    assert folder.layout == 'tum' and len(folder) == 5 and folder.depth_scale == 5000.0
    assert [round(s / 1e9 - T0, 3) for s in folder.stamps_ns] == [0, 0.033, 0.1, 0.133, 0.167]
    assert [p.name for p in folder.depth][:2] == [f'{T0 + 0.007:.6f}.png',
                                                  f'{T0 + 1 / 30 + 0.007:.6f}.png']
    # Each depth image keeps its own stamp, 7 ms after its colour image's; a selection too.
    np.testing.assert_allclose(np.subtract(folder.depth_stamps, folder.stamps_ns), 7e6,
                               atol=1e3)
    assert folder.select(step=2).depth_stamps == folder.depth_stamps[::2]
    assert folder.camera_info['k'] == [525.0, 0, 319.5, 0, 525.0, 239.5, 0, 0, 1]
    frames, depths = folder.select(step=2).load()
    assert len(frames) == 3 and frames[0].shape == (480, 640, 3)
    mm = cv2.imread(str(rgbd_folder.read(SEVEN_SCENES).depth[0]), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(depths[0], mm.astype(np.uint32) * 5)
    np.testing.assert_allclose(folder.poses[2], rgbd_folder.read(SEVEN_SCENES).poses[3],
                               atol=1e-6)
    with_k = rgbd_folder.read(tmp_path / 'seq', SEVEN_SCENES / 'camera-intrinsics.txt')
    assert with_k.camera_info['k'][0] == 585.0


def test_a_7scenes_folder_without_intrinsics_gets_the_datasets_and_bad_folders_say_why(
        tmp_path):
    for f in SEVEN_SCENES.glob('frame-00015[0-2].*'):
        shutil.copy(f, tmp_path / f.name)
    folder = rgbd_folder.read(tmp_path)
    assert folder.layout == '7scenes' and len(folder) == 3 and folder.depth_scale == 1000.0
    assert folder.camera_info['k'][:3] == [585.0, 0, 320.0] and folder.poses is not None
    assert folder.depth_stamps == folder.stamps_ns  # one Kinect frame: colour and depth
    (tmp_path / 'frame-000152.depth.png').unlink()
    with pytest.raises(ValueError, match='3 frame-.*color.png and 2 frame-.*depth.png'):
        rgbd_folder.read(tmp_path)
    with pytest.raises(ValueError, match='neither a TUM RGB-D sequence'):
        rgbd_folder.read(SEVEN_SCENES.parent / 'tum')
    with pytest.raises(FileNotFoundError, match='no such RGB-D folder'):
        rgbd_folder.read(tmp_path / 'absent')


def test_make_bag_writes_a_tum_folder_with_its_stamps_depth_and_camera(tmp_path, capsys):
    from alike_ros.tools.cli import main
    from alike_ros.tools.odometry_eval import read_rgbd_bag
    seq = _tum_copy(tmp_path / 'seq', 4)
    assert main(['make-bag', str(seq), '--out', str(tmp_path / 'bag')]) == 0
    assert 'depth_scale:=5000' in capsys.readouterr().out
    frames, depths, stamps, info, depth_stamps = read_rgbd_bag(tmp_path / 'bag')
    folder = rgbd_folder.read(seq)
    assert stamps == list(folder.stamps_ns)
    assert depth_stamps == list(folder.depth_stamps) != stamps  # each its own
    want_frames, want_depths = folder.load()
    for got, want in zip(frames + depths, want_frames + want_depths):
        np.testing.assert_array_equal(got, want)
    assert list(info['k']) == folder.camera_info['k']


def test_odometry_eval_gives_a_tum_folder_the_figures_of_its_7scenes_twin(tmp_path):
    """
    The same frames in either layout (TUM's depth units, stamps and pairing) score alike.

    The copy's depth images are stamped 7 ms after their colour images but were taken with
    them (7-Scenes'): depth_motion off, or it would move them by 7 ms of motion.
    """
    from alike_ros.tools import odometry_eval
    seq = _tum_copy(tmp_path / 'seq', 20)
    kw = dict(peers=(), launch=False, max_frames=20)
    tum = odometry_eval.run(tmp_path / 'tum', seq,
                            camera_info=SEVEN_SCENES / 'camera-intrinsics.txt',
                            matcher_params={'depth_motion': False}, **kw)
    ref = odometry_eval.run(tmp_path / 'ref', **kw)
    assert tum['matcher']['depth_scale'] == 5000.0
    a, b = (r['methods']['ours offline']['own'] for r in (tum, ref))
    assert a['frames'] == b['frames'] == 20
    assert a['ate_rmse_m'] == pytest.approx(b['ate_rmse_m'], abs=2e-4)
    assert a['rpe_translation_m']['median'] == pytest.approx(b['rpe_translation_m']['median'],
                                                             abs=2e-4)
