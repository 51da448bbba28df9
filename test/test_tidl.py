# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Export forms and the TIDL path: checker, compile options, CPU fallback; host int8."""

import logging

import cv2
import numpy as np
import onnx
from onnx import helper, TensorProto
import pytest

from alike_ros.tools import tidl
from alike_ros.tools.cli import main as cli
from alike_ros.config import DetectorConfig
from alike_ros.detector import Detector
from alike_ros.export.onnx_export import ensure_model
from alike_ros.extractors import MODEL_NAMES
from alike_ros.paths import int8_path
from alike_ros.paths import shared_dir
from alike_ros.tools.quantize import is_current, quantize
from alike_ros.onnx_model import ProviderError, OnnxModel
from conftest import needs_torch, require_shared

require_shared()

TUM = sorted((shared_dir() / 'data' / 'tum').glob('*.png'))


@needs_torch  # the TIDL forms are exported here
@pytest.mark.parametrize('name', MODEL_NAMES)
def test_exported_tidl_models_pass(name):
    findings, problems = tidl.check(onnx.load(ensure_model(name, 480, 640, form='tidl')))
    assert not problems and all(f.ok for f in findings), tidl.report(findings, problems)


@pytest.mark.parametrize('name', ['alike-t', 'alike-s', 'alike-n'])
def test_exact_form_keeps_one_channel_maps_out_of_convolutions(name):
    # ONNX Runtime's CPU convolutions pad their outputs to 16-channel blocks (AVX-512), and
    # every op after a one-channel conv then runs on the padded map: alike-t's stage 1 took
    # 17 ms that way against 12 ms with the projections as MatMuls.
    model = onnx.load(ensure_model(name, 480, 640))
    shapes = {t.name: t.dims for t in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == 'Conv']
    assert convs and all(shapes[n.input[1]][0] > 1 for n in convs)
    assert any(n.op_type == 'MatMul' for n in model.graph.node)


def bad_graph():
    x = helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 4, 32, 32])
    y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 4, 64, 64])
    g = helper.make_tensor_value_info('g', TensorProto.FLOAT, [1, 2, 64, 64])
    nodes = [
        helper.make_node('MaxPool', ['x'], ['p'], name='pool4x4', kernel_shape=[4, 4],
                         strides=[4, 4]),
        helper.make_node('Resize', ['p', '', 'scales'], ['y'], name='resize8x', mode='linear'),
        helper.make_node('Gather', ['y', 'idx'], ['g'], name='gather_channels', axis=1),
    ]
    inits = [helper.make_tensor('scales', TensorProto.FLOAT, [4], [1, 1, 8, 8]),
             helper.make_tensor('idx', TensorProto.INT64, [2], [0, 2])]
    graph = helper.make_graph(nodes, 'bad', [x], [y, g], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])


def test_checker_names_each_offending_node(tmp_path, capsys):
    path = tmp_path / 'bad.onnx'
    onnx.save(bad_graph(), str(path))
    assert cli(['tidl-check', str(path)]) == 1
    out = capsys.readouterr().out
    assert 'pool4x4: kernel [4, 4]' in out
    assert 'resize8x: factor 8x8' in out
    assert 'gather_channels: not run by TIDL' in out
    assert 'FAILS: 3 node(s)' in out


def test_compile_options_are_the_documented_ones(tmp_path, monkeypatch):
    monkeypatch.setenv('TIDL_TOOLS_PATH', '/opt/tidl_tools')
    opts = tidl.compile_options(tmp_path / 'art', bits=16, frames=7, iterations=3)
    assert opts == {
        'tidl_tools_path': '/opt/tidl_tools', 'artifacts_folder': str(tmp_path / 'art'),
        'tensor_bits': 16, 'accuracy_level': 1, 'advanced_options:calibration_frames': 7,
        'advanced_options:calibration_iterations': 3, 'advanced_options:add_data_convert_ops': 1,
        'debug_level': 0}
    with pytest.raises(ValueError, match='bits must be 8 or 16'):
        tidl.compile_options(tmp_path, bits=4)


@needs_torch
def test_compile_fails_cleanly_without_tidl_tools(tmp_path, capsys):
    model = ensure_model('alike-t', 480, 640, form='tidl')
    code = cli(['tidl-compile', '--model', str(model), '--artifacts', str(tmp_path / 'a'),
                '--calib', str(TUM[0].parent), '--frames', '2'])
    err = capsys.readouterr().err
    assert code == 3 and 'TIDLCompilationProvider' in err and 'edgeai-tidl-tools' in err
    assert 'Traceback' not in err and not (tmp_path / 'a').exists()


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@needs_torch
def test_runtime_falls_back_to_cpu_or_fails_when_strict(tmp_path):
    model = ensure_model('alike-t', 480, 640, form='tidl')
    # Its own logger and handler: launch (loaded by launch_testing's pytest plugin) stops
    # propagation to the root logger that caplog listens on.
    log = logging.getLogger('alike_ros.test_tidl')
    lines = _Lines()
    log.addHandler(lines)
    try:
        stage1 = OnnxModel(model, provider='tidl', tidl_artifacts=str(tmp_path), log=log)
    finally:
        log.removeHandler(lines)
    assert stage1.provider == 'CPUExecutionProvider'
    assert any('falling back to CPU' in line for line in lines.lines), lines.lines
    with pytest.raises(ProviderError, match='TIDLExecutionProvider is not in this'):
        OnnxModel(model, provider='tidl', tidl_artifacts=str(tmp_path), strict=True)


def test_int8_stays_close_to_fp32(tmp_path):
    fp32 = ensure_model('alike-t', 480, 640)
    out = int8_path(tmp_path / fp32.name)
    quantize(fp32, TUM[::2], out)
    assert is_current(out, fp32)
    assert not is_current(out, ensure_model('alike-s', 480, 640))  # another source model
    a = Detector(DetectorConfig())
    b = Detector(DetectorConfig(model_file=str(out)))
    repeat, cosines = [], []
    for path in TUM[1::4]:
        image = cv2.imread(str(path))
        fa, fb = a.detect(image, bgr=True), b.detect(image, bgr=True)
        d = np.linalg.norm(fa.keypoints[:, None] - fb.keypoints[None], axis=2)
        near = d.min(axis=1) < 1.0
        repeat.append(near.mean())
        cosines.append((fa.descriptors[near] * fb.descriptors[d.argmin(axis=1)[near]]).sum(1))
    # Measured: 94 % of fp32 keypoints within 1 px, median descriptor cosine 0.99.
    assert np.mean(repeat) > 0.85
    assert np.median(np.concatenate(cosines)) > 0.95
