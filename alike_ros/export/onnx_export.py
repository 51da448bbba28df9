# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Published weights -> stage-1 ONNX models, cached and rebuilt when weights or exporter change.

Only `export_model` imports torch; checking whether a cached model is current does not, so a
warm set-up and the runtime stay torch-free.
"""

import hashlib
import importlib
import importlib.util
import os
from pathlib import Path
import tempfile

import onnx

from alike_ros import extractors, paths

OPSET = 17


def _sha256(path, chunk=1 << 20):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def exporter_sources(family):
    """Return the files whose change invalidates a family's models: export/ and its own."""
    spec = importlib.util.find_spec(family.exporter)
    return sorted(Path(__file__).parent.glob('*.py')) + [Path(spec.origin)]


def exporter_digest(family):
    """Hash of the exporter's source for a family, stored in every model it writes."""
    h = hashlib.sha256()
    for path in exporter_sources(family):
        h.update(path.read_bytes())
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
    if not meta or meta.get('model') not in extractors.MODELS:
        return False
    family = extractors.family_of(meta['model'])
    if not all(sidecar(path).is_file() for sidecar in family.sidecars):
        return False
    return (meta.get('exporter') == exporter_digest(family)
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

    Writes <out_dir>/<name>_<H>x<W>[_<form>][_nms_graph|_nms_host].onnx (paths.onnx_name)
    and the family's sidecars. `form` 'exact' reproduces the public model (ONNX Runtime);
    'tidl' is the graph TIDL runs (resize chains, pools and filters in its validated kernels);
    a family may add forms of its own (ALIKE: 'dense', the seed paper's split, and
    'exact_conv').
    """
    import torch

    spec = extractors.get_spec(name)
    family = extractors.family_of(name)
    if form not in family.forms:
        raise ValueError(f"{name} has no '{form}' form: choose one of {', '.join(family.forms)}")
    nms_in_graph = paths.nms_in_graph(form, nms_in_graph)
    if height <= 0 or width <= 0 or height % 32 or width % 32:
        raise ValueError(f'export size must be positive multiples of 32, got {height}x{width}')
    weights = Path(weights or extractors.weights_path(name))
    if not weights.is_file():
        raise FileNotFoundError(
            f'weights not found: {weights} (pass --weights or set {family.weights.env})')
    out_dir = Path(out_dir or paths.model_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / paths.onnx_name(name, height, width, form, nms_in_graph)

    exporter = importlib.import_module(family.exporter)
    net, names, channels = exporter.build(spec, weights, form, nms_in_graph)
    image = torch.zeros(1, channels, height, width)
    # Written under a name of its own in the same folder, then renamed over the model (atomic):
    # a reader never sees half a file, and exports running at once (tests, two shells) do not
    # write into each other's files; the last rename wins, with the same content.
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.stem}.', suffix='.onnx', dir=out_dir)
    os.close(fd)
    tmp = Path(tmp)
    try:
        torch.onnx.export(net, (image,), str(tmp), input_names=['image'], output_names=names,
                          opset_version=OPSET, dynamo=False, do_constant_folding=True)
        model = onnx.load(str(tmp))
        _save(model, name, form, height, width, nms_in_graph, spec, weights, family, tmp)
        if hasattr(exporter, 'write_sidecars'):  # beside the model, renamed before it
            exporter.write_sidecars(net, spec, form, tmp)
            for sidecar in family.sidecars:
                os.replace(sidecar(tmp), sidecar(path))
        os.replace(tmp, path)
    finally:
        for leftover in [tmp] + [sidecar(tmp) for sidecar in family.sidecars]:
            leftover.unlink(missing_ok=True)
    return path


def _save(model, name, form, height, width, nms_in_graph, spec, weights, family, out):
    """Add the metadata, check the model and write it to `out`."""
    _constants_to_initializers(model.graph)
    meta = {
        'model': name, 'form': form, 'height': str(height), 'width': str(width),
        'nms_in_graph': str(int(nms_in_graph)),
        'descriptor_size': str(spec.dim),
        'feature_layout': 'NHWC' if form in ('exact', 'exact_conv') else 'NCHW',
        'weights_sha256': _sha256(weights), 'exporter': exporter_digest(family),
        'input': family.input_doc,
    }
    for key, value in meta.items():
        model.metadata_props.add(key=key, value=value)
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(out))


def ensure_model(name, height, width, out_dir=None, weights=None, form='exact',
                 nms_in_graph=None):
    """Return the cached model, exporting it first when missing or stale."""
    nms_in_graph = paths.nms_in_graph(form, nms_in_graph)
    folder = Path(out_dir or paths.model_dir())
    path = folder / paths.onnx_name(name, height, width, form, nms_in_graph)
    weights = Path(weights or extractors.weights_path(name))
    if is_current(path, weights):
        meta = read_metadata(path)
        if meta.get('nms_in_graph') == str(int(nms_in_graph)):
            return path
    return export_model(name, height, width, out_dir, weights, form, nms_in_graph)
