# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Host 8-bit: ONNX Runtime static quantisation (QDQ) of a stage-1 model, calibrated on images."""

from pathlib import Path
import shutil
import tempfile

import cv2
import onnx

from alike_ros import extractors

# Metadata that identifies the fp32 model an int8 one was made from.
_SOURCE_KEYS = ('exporter', 'weights_sha256', 'height', 'width', 'form')


def _family(meta, path):
    """Return the Family of a stage-1 model from its metadata (ValueError: not exported here)."""
    if 'model' not in meta:
        raise ValueError(f'{path} was not exported by alike-ros (no model name in its metadata): '
                         'export it with `alike-ros export`')
    return extractors.family_of(meta['model'])


def is_current(int8_model, fp32_model):
    """Tell whether `int8_model` exists and was quantised from `fp32_model` as it is now."""
    from alike_ros.export.onnx_export import read_metadata
    int8_model = Path(int8_model)
    if not int8_model.is_file():
        return False
    try:
        a, b = read_metadata(int8_model), read_metadata(fp32_model)
    except Exception:  # a truncated file: quantise again
        return False
    sidecars = _family(a, int8_model).sidecars
    if not all(sidecar(int8_model).is_file() for sidecar in sidecars):
        return False
    return a.get('precision') == 'int8' and all(a.get(k) == b.get(k) for k in _SOURCE_KEYS)


def calibration_blobs(model_path, files):
    """
    Yield the stage-1 inputs of image files, prepared exactly as inference prepares them.

    The model's family (its metadata) decides the preparation (EdgePoint2 takes grey).
    """
    model = onnx.load(str(model_path), load_external_data=False)
    meta = {p.key: p.value for p in model.metadata_props}
    prepare = _family(meta, model_path).stage2.prepare
    h, w = (d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[2:])
    for f in files:
        image = cv2.imread(str(f), cv2.IMREAD_COLOR)
        if image is not None:
            yield prepare(image, bgr=True, size=(h, w)).blob


class _Images:
    """CalibrationDataReader over image files."""

    def __init__(self, model_path, files, input_name):
        self.blobs, self.input_name = calibration_blobs(model_path, files), input_name

    def get_next(self):
        blob = next(self.blobs, None)
        return None if blob is None else {self.input_name: blob}


def quantize(model_path, calibration_files, out_path, per_channel=True):
    """Write an int8 QDQ model (and its head sidecar); return out_path."""
    from onnxruntime.quantization import (CalibrationMethod, quantize_static, QuantFormat,
                                          QuantType)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    model_path, out_path = Path(model_path), Path(out_path)
    model = onnx.load(str(model_path))
    files = list(calibration_files)
    if not files:
        raise ValueError('no calibration images')
    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / 'pre.onnx'
        quant_pre_process(str(model_path), str(pre), skip_symbolic_shape=True)
        quantize_static(str(pre), str(out_path),
                        _Images(model_path, files, model.graph.input[0].name),
                        quant_format=QuantFormat.QDQ, per_channel=per_channel,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax)
    quantized = onnx.load(str(out_path))
    for prop in model.metadata_props:
        quantized.metadata_props.add(key=prop.key, value=prop.value)
    quantized.metadata_props.add(key='precision', value='int8')
    onnx.save(quantized, str(out_path))
    meta = {p.key: p.value for p in model.metadata_props}
    for sidecar in _family(meta, model_path).sidecars:
        shutil.copyfile(sidecar(model_path), sidecar(out_path))
    return out_path


def quantize_sizes(name, sizes, config=None):
    """
    Int8 models of `name` for the network size of every image size, calibrated on TUM frames.

    The family's own `prepare` says the network size (padded, or resized to /32) of the image
    at its own size, or at the size a DetectorConfig `config` scales it to (input_max_pixels).
    Quantised again when the fp32 model changed since (exporter or weights).
    """
    import numpy as np

    from alike_ros.export.onnx_export import ensure_model
    from alike_ros.paths import int8_path, tum_dir
    from alike_ros.tools.image_files import image_files
    calib = image_files([tum_dir()])
    prepare = extractors.family_of(name).stage2.prepare

    def size(h, w):
        return None if config is None else config.network_size(h, w)
    networks = {prepare(np.zeros((h, w, 3), np.uint8), size=size(h, w)).blob.shape[2:]
                for h, w in sizes}
    for h, w in sorted(networks):
        path = ensure_model(name, h, w)
        if not is_current(int8_path(path), path):
            quantize(path, calib, int8_path(path))
