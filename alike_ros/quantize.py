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

"""Host 8-bit: ONNX Runtime static quantisation (QDQ) of a stage-1 model, calibrated on images."""

from pathlib import Path
import shutil
import tempfile

import cv2
import onnx

from alike_ros.detector import prepare
from alike_ros.models import head_path

# Metadata that identifies the fp32 model an int8 one was made from.
_SOURCE_KEYS = ('exporter', 'weights_sha256', 'height', 'width', 'form')


def is_current(int8_model, fp32_model):
    """Tell whether `int8_model` exists and was quantised from `fp32_model` as it is now."""
    from alike_ros.export.onnx_export import read_metadata
    int8_model = Path(int8_model)
    if not int8_model.is_file() or not head_path(int8_model).is_file():
        return False
    try:
        a, b = read_metadata(int8_model), read_metadata(fp32_model)
    except Exception:  # a truncated file: quantise again
        return False
    return a.get('precision') == 'int8' and all(a.get(k) == b.get(k) for k in _SOURCE_KEYS)


class _Images:
    """CalibrationDataReader over image files, preprocessed exactly like inference."""

    def __init__(self, files, input_name, size):
        self.files, self.input_name, self.size = list(files), input_name, size

    def get_next(self):
        while self.files:
            image = cv2.imread(str(self.files.pop(0)), cv2.IMREAD_COLOR)
            if image is not None:
                return {self.input_name: prepare(image, bgr=True, size=self.size)[0]}
        return None


def quantize(model_path, calibration_files, out_path, per_channel=True):
    """Write an int8 QDQ model (and its head sidecar); return out_path."""
    from onnxruntime.quantization import (CalibrationMethod, quantize_static, QuantFormat,
                                          QuantType)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    model_path, out_path = Path(model_path), Path(out_path)
    model = onnx.load(str(model_path))
    inp = model.graph.input[0]
    n, c, h, w = (d.dim_value for d in inp.type.tensor_type.shape.dim)
    files = list(calibration_files)
    if not files:
        raise ValueError('no calibration images')
    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / 'pre.onnx'
        quant_pre_process(str(model_path), str(pre), skip_symbolic_shape=True)
        quantize_static(str(pre), str(out_path), _Images(files, inp.name, (h, w)),
                        quant_format=QuantFormat.QDQ, per_channel=per_channel,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax)
    quantized = onnx.load(str(out_path))
    for prop in model.metadata_props:
        quantized.metadata_props.add(key=prop.key, value=prop.value)
    quantized.metadata_props.add(key='precision', value='int8')
    onnx.save(quantized, str(out_path))
    shutil.copyfile(head_path(model_path), head_path(out_path))
    return out_path
