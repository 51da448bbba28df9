# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Exported models: a file per variant, written atomically, so exports never meet."""

import subprocess

import numpy as np
import onnx

from alike_ros.config import DetectorConfig
from alike_ros.detector import Detector, resolve_model_file
from alike_ros.export.onnx_export import ensure_model, read_metadata
from alike_ros.runtime import program_path
from conftest import require_shared, require_torch

require_shared()
require_torch()


def test_the_nms_placement_is_in_the_file_name(tmp_path):
    host = ensure_model('xfeat', 480, 640, tmp_path, form='tidl', nms_in_graph=False)
    graph = ensure_model('xfeat', 480, 640, tmp_path, form='tidl', nms_in_graph=True)
    assert (host.name, graph.name) == ('xfeat_480x640_tidl_nms_host.onnx',
                                       'xfeat_480x640_tidl.onnx')  # tidl's default: in graph
    assert (read_metadata(host)['nms_in_graph'], read_metadata(graph)['nms_in_graph']) == (
        '0', '1')
    # The detector opens the file of its own setting, whichever was exported last.
    for flag, want in (('off', host), ('on', graph), ('auto', graph)):
        cfg = DetectorConfig(model='xfeat', provider='tidl', nms_in_graph=flag,
                             model_dir=str(tmp_path))
        assert resolve_model_file(cfg, 480, 640) == want


def test_exports_running_at_once_leave_one_whole_model(tmp_path):
    """Two `alike-ros export --force` into one folder at once: both succeed, no leftovers."""
    cmd = [program_path('alike-ros'), 'export', '--model', 'alike-t', '--form', 'exact',
           '--out', str(tmp_path), '--force']
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'alike-t_480x640.head.npz', 'alike-t_480x640.onnx']
    onnx.checker.check_model(onnx.load(str(tmp_path / 'alike-t_480x640.onnx')))
    blank = np.full((480, 640, 3), 128, np.uint8)
    assert Detector(DetectorConfig(model_dir=str(tmp_path))).detect(blank).descriptors.shape[1] \
        == 64
