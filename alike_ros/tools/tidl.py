# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
TIDL: check a graph against what the accelerator runs, compile it, and the provider options.

TI's tools cannot be installed here, so everything is correct by construction: the checker
encodes TIDL's documented supported set and this project's stricter stage-1 rules, and the
compile step builds the documented options and stops with one message where tidl_tools are
missing.
"""

from dataclasses import dataclass
import os
from pathlib import Path

import numpy as np

MAX_OPSET = 18
# Ops TIDL runs (with the constraints checked below); the elementwise ones need no check.
PLAIN_OPS = {'BatchNormalization', 'Relu', 'Sigmoid', 'Add', 'Mul', 'Reshape', 'Flatten',
             'Pad', 'DepthToSpace'}
LIMITED_OPS = {'Softmax'}
# TIDL has limited or no support; the seed paper moved these out of the converted part.
REJECTED_OPS = {'Transpose', 'Unsqueeze', 'Squeeze', 'Gather', 'Slice', 'Shape', 'Cast',
                'Expand', 'Where', 'Equal', 'NonZero', 'TopK', 'GridSample'}
CONV_KERNELS = {1, 3, 5, 7}
POOL_KERNELS = {1, 2, 3}
RESIZE_FACTORS = {2, 4}


@dataclass
class Finding:
    """The verdict on one node."""

    node: str
    op: str
    ok: bool
    detail: str = ''


def _attrs(node):
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _shapes(model):
    shapes = {}
    for v in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output):
        dims = v.type.tensor_type.shape.dim
        shapes[v.name] = [d.dim_value if d.HasField('dim_value') else None for d in dims]
    return shapes


def _check_node(node, shapes, inits):
    a = _attrs(node)
    op = node.op_type
    if op == 'Conv':
        w = inits.get(node.input[1])
        kernel = list(a.get('kernel_shape') or (w.shape[2:] if w is not None else []))
        strides = list(a.get('strides', [1, 1]))
        if len(set(kernel)) != 1 or kernel[0] not in CONV_KERNELS:
            return False, f'kernel {kernel}: TIDL validates 1x1, 3x3, 5x5, 7x7'
        if max(strides) > 2 or (max(strides) == 2 and kernel[0] >= 7):
            return False, f'kernel {kernel} stride {strides}: stride <= 2, stride-2 below 7x7'
        return True, f'{kernel[0]}x{kernel[0]} stride {max(strides)}'
    if op in ('MaxPool', 'AveragePool'):
        kernel, strides = list(a.get('kernel_shape', [])), list(a.get('strides', [1, 1]))
        if len(set(kernel)) != 1 or kernel[0] not in POOL_KERNELS:
            return False, f'kernel {kernel}: TIDL validates 1x1, 2x2, 3x3 pools'
        if max(strides) > 2:
            return False, f'stride {strides}: at most 2'
        return True, f'{kernel[0]}x{kernel[0]} stride {max(strides)}'
    if op in ('Resize', 'Upsample'):
        src, dst = shapes.get(node.input[0]), shapes.get(node.output[0])
        if not src or not dst or None in src[2:] + dst[2:]:
            return False, 'unknown shapes: run shape inference'
        fh, fw = dst[2] / src[2], dst[3] / src[3]
        if fh != fw or fh not in RESIZE_FACTORS:
            return False, f'factor {fh:g}x{fw:g}: only symmetric 2x and 4x (chain larger ones)'
        mode = a.get('mode', b'nearest')
        return True, f'{fh:g}x {mode.decode() if isinstance(mode, bytes) else mode}'
    if op in ('Concat', 'Split'):
        rank = len(shapes.get(node.input[0]) or [0, 0, 0, 0])
        if a.get('axis', 0) not in (1, 1 - rank):
            return False, f'axis {a.get("axis", 0)}: channel-wise only'
        return True, 'channel-wise'
    if op in LIMITED_OPS:
        return True, 'limited support in TIDL'
    if op in PLAIN_OPS:
        return True, ''
    if op in REJECTED_OPS:
        return False, 'not run by TIDL: keep it out of stage 1'
    return False, 'not in TIDL\'s supported set'


def check(model):
    """Return (findings for every node, problems with the graph as a whole)."""
    import onnx
    model = onnx.shape_inference.infer_shapes(model)
    problems = []
    opset = max((o.version for o in model.opset_import if o.domain in ('', 'ai.onnx')),
                default=0)
    if opset > MAX_OPSET:
        problems.append(f'opset {opset}: TIDL takes up to {MAX_OPSET}')
    shapes = _shapes(model)
    for v in list(model.graph.input) + list(model.graph.output):
        if None in shapes.get(v.name, [None]):
            problems.append(f'{v.name}: shape {shapes.get(v.name)} is not static')
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    findings = []
    for i, node in enumerate(model.graph.node):
        ok, detail = _check_node(node, shapes, inits)
        findings.append(Finding(node.name or f'#{i} {node.op_type}', node.op_type, ok, detail))
    return findings, problems


def report(findings, problems):
    """Render a table: one row per op type and verdict, then every offending node."""
    rows = {}
    for f in findings:
        key = (f.op, f.ok, f.detail if f.ok else '')
        rows[key] = rows.get(key, 0) + 1
    lines = ['| op | nodes | TIDL | detail |', '|---|---:|---|---|']
    for (op, ok, detail), n in sorted(rows.items(), key=lambda r: (r[0][1], r[0][0])):
        if ok:
            lines.append(f'| {op} | {n} | ok | {detail} |')
    bad = [f for f in findings if not f.ok]
    for f in bad:
        lines.append(f'| {f.op} | 1 | FAIL | {f.node}: {f.detail} |')
    lines += [f'graph: {p}' for p in problems]
    verdict = 'passes' if not bad and not problems else \
        f'FAILS: {len(bad)} node(s), {len(problems)} graph problem(s)'
    lines.append(f'\n{len(findings)} nodes; TIDL check {verdict}')
    return '\n'.join(lines)


def compile_options(artifacts, bits=8, frames=20, iterations=5, tidl_tools=None, debug=0):
    """Build the TIDLCompilationProvider options, as documented by TI's edgeai-tidl-tools."""
    if bits not in (8, 16):
        raise ValueError(f'bits must be 8 or 16, got {bits}')
    return {
        'tidl_tools_path': str(tidl_tools or os.environ.get('TIDL_TOOLS_PATH', '')),
        'artifacts_folder': str(artifacts),
        'tensor_bits': bits,
        'accuracy_level': 1,
        'advanced_options:calibration_frames': frames,
        'advanced_options:calibration_iterations': iterations,
        'advanced_options:add_data_convert_ops': 1,
        'debug_level': debug,
    }


class TidlUnavailable(RuntimeError):
    """TI's tools are not installed where the command runs."""


def tidl_tools_problem(options, available):
    """Return why TIDL compilation cannot run here, or '' when it can."""
    if 'TIDLCompilationProvider' not in available:
        return ('this ONNX Runtime has no TIDLCompilationProvider: install TI\'s '
                'edgeai-tidl-tools (its tidl_tools and the onnxruntime-tidl wheel) on an x86 '
                'Linux host')
    path = options['tidl_tools_path']
    if not path or not Path(path).is_dir():
        return (f"TIDL_TOOLS_PATH '{path}' is not a folder: set it (or --tidl-tools) to the "
                'tidl_tools folder of edgeai-tidl-tools')
    return ''


def compile_model(model_path, artifacts, calibration, options, log=print):
    """Compile with TIDLCompilationProvider, running the calibration inputs through it."""
    import onnxruntime as ort
    problem = tidl_tools_problem(options, ort.get_available_providers())
    if problem:
        raise TidlUnavailable(problem)
    Path(artifacts).mkdir(parents=True, exist_ok=True)
    session = ort.InferenceSession(str(model_path),
                                   providers=['TIDLCompilationProvider', 'CPUExecutionProvider'],
                                   provider_options=[options, {}])
    name = session.get_inputs()[0].name
    for i, blob in enumerate(calibration):
        session.run(None, {name: np.ascontiguousarray(blob, np.float32)})
        log(f'calibration frame {i + 1}')
    return artifacts
