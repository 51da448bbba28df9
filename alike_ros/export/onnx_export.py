# Copyright 2026 alike_ros maintainers
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""
Published weights -> stage-1 ONNX models, cached and rebuilt when weights or exporter change.

Only `export_model` imports torch; checking whether a cached model is current does not, so a
warm set-up and the runtime stay torch-free.
"""

import hashlib
from pathlib import Path

import numpy as np
import onnx

from alike_ros import models, paths
from alike_ros.models import head_path

# Sources whose change invalidates every exported model.
_EXPORTER_SOURCES = ('network.py', 'edgepoint2.py', 'onnx_export.py')
OPSET = 17


def _sha256(path, chunk=1 << 20):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def exporter_digest():
    """Hash of the exporter's own source, stored in every model it writes."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in _EXPORTER_SOURCES:
        h.update((here / name).read_bytes())
    return h.hexdigest()[:16]


def read_metadata(path):
    """Read the metadata_props of an ONNX file, as a dict (without loading its weights)."""
    model = onnx.load(str(path), load_external_data=False)
    return {p.key: p.value for p in model.metadata_props}


def is_current(path, weights):
    """Tell whether `path` exists and was exported from `weights` by this exporter."""
    path = Path(path)
    try:
        meta = read_metadata(path) if path.is_file() else None
    except Exception:  # a truncated or foreign file: rebuild it
        return False
    if not meta:
        return False
    if meta.get('model') in models.ALIKE_MODELS and not head_path(path).is_file():
        return False
    return (meta.get('exporter') == exporter_digest()
            and meta.get('weights_sha256') == _sha256(weights))


def _constants_to_initializers(graph):
    # Constant nodes (Resize scales) become initializers: fewer nodes for TIDL's importer.
    keep = []
    for node in graph.node:
        if node.op_type == 'Constant' and len(node.attribute) == 1 \
                and node.attribute[0].name == 'value':
            tensor = onnx.TensorProto()
            tensor.CopyFrom(node.attribute[0].t)
            tensor.name = node.output[0]
            graph.initializer.append(tensor)
        else:
            keep.append(node)
    del graph.node[:]
    graph.node.extend(keep)


def export_model(name, height, width, out_dir=None, weights=None, form='exact',
                 nms_in_graph=None):
    """
    Export the stage-1 model of `name` for a height x width input; return its path.

    Writes <out_dir>/<name>_<H>x<W>[_<form>].onnx and the head sidecar. `form` 'exact'
    reproduces the public model (one align_corners Resize per scale); 'tidl' uses 2x/4x
    Resizes only; 'dense' is the seed paper's split (dense descriptor map), for benchmarks;
    'exact_conv' is 'exact' with the score projections as one-channel convolutions (ALIKE
    t/s/n; which of the two ONNX Runtime runs faster depends on the CPU's vector width).
    """
    import torch

    from alike_ros.export import edgepoint2, network

    spec = models.get_spec(name)
    alike = spec.family == 'alike'
    if form in ('dense', 'exact_conv') and not alike:
        raise ValueError(f'the {form} form is ALIKE\'s, not {name}\'s')
    nms_in_graph = _nms_default(form, nms_in_graph)
    if height <= 0 or width <= 0 or height % 32 or width % 32:
        raise ValueError(f'export size must be positive multiples of 32, got {height}x{width}')
    weights = Path(weights or paths.weights_path(name))
    if not weights.is_file():
        raise FileNotFoundError(
            f'weights not found: {weights} (set --weights, ALIKE_ROS_WEIGHTS or '
            'ALIKE_ROS_EDGEPOINT2_WEIGHTS)')
    out_dir = Path(out_dir or paths.model_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / models.onnx_name(name, height, width, form)

    if alike:
        net = network.load(spec, weights, form, nms_in_graph)
        names = network.output_names(form, nms_in_graph)
    else:
        net = edgepoint2.load(spec, weights, form, nms_in_graph)
        names = edgepoint2.output_names(nms_in_graph)
    image = torch.zeros(1, 3 if alike else 1, height, width)
    tmp = path.with_suffix('.tmp.onnx')
    torch.onnx.export(net, (image,), str(tmp), input_names=['image'], output_names=names,
                      opset_version=OPSET, dynamo=False, do_constant_folding=True)
    model = onnx.load(str(tmp))
    tmp.unlink()
    _constants_to_initializers(model.graph)
    meta = {
        'model': name, 'form': form, 'height': str(height), 'width': str(width),
        'nms_in_graph': str(int(nms_in_graph)),
        'descriptor_size': str(spec.dim),
        'feature_layout': 'NHWC' if form in ('exact', 'exact_conv') else 'NCHW',
        'weights_sha256': _sha256(weights), 'exporter': exporter_digest(),
        'input': 'RGB pixels in 0..255, float32, 1x3xHxW' if alike else
                 'grey = channel mean of pixel / 255, instance-normalised, float32, 1x1xHxW',
    }
    for key, value in meta.items():
        model.metadata_props.add(key=key, value=value)
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))

    if alike:
        _write_head(getattr(net, 'net', net), spec, form, head_path(path))
    return path


def _write_head(net, spec, form, path):
    """Save the head weights stage 2 applies at the keypoints (ALIKE)."""
    head = {'w_desc': net.convhead2.weight[:-1, :, 0, 0].detach().numpy()}
    if net.x1_is_smaller and form != 'dense':
        head['w_feat1'] = net.conv1.weight[:, :, 0, 0].detach().numpy()
    if not spec.single_head:
        head['w_hidden'] = net.convhead1.weight[:, :, 0, 0].detach().numpy()
    np.savez(path, **{k: v.astype(np.float32) for k, v in head.items()})


def _nms_default(form, nms_in_graph):
    # In the graph where an accelerator runs it (tidl); the host filter is faster on CPU.
    return form == 'tidl' if nms_in_graph is None else nms_in_graph and form != 'dense'


def ensure_model(name, height, width, out_dir=None, weights=None, form='exact',
                 nms_in_graph=None):
    """Return the cached model, exporting it first when missing or stale."""
    nms_in_graph = _nms_default(form, nms_in_graph)
    path = Path(out_dir or paths.model_dir()) / models.onnx_name(name, height, width, form)
    weights = Path(weights or paths.weights_path(name))
    if is_current(path, weights):
        meta = read_metadata(path)
        if meta.get('nms_in_graph') == str(int(nms_in_graph)):
            return path
    return export_model(name, height, width, out_dir, weights, form, nms_in_graph)
