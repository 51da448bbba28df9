# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""An ONNX model run by ONNX Runtime on the provider a config names (stage 1, coarse LoFTR)."""

import logging
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort

from alike_ros.errors import ProviderError  # noqa: F401 (raised here, imported from here)

_ORT = {
    'cpu': 'CPUExecutionProvider',
    'tidl': 'TIDLExecutionProvider',
    'cuda': 'CUDAExecutionProvider',
    'tensorrt': 'TensorrtExecutionProvider',
}
# Preference order of provider 'auto'.
_AUTO = ('tidl', 'tensorrt', 'cuda', 'cpu')


def provider_chain(provider, available, tidl_artifacts='', strict=False, log=None):
    """
    ONNX Runtime (providers, options) for a config's provider, with CPU last.

    Falls back to the CPU with a warning when the provider (or TIDL's artifacts) is missing,
    or raises ProviderError when `strict`.
    """
    log = log or logging.getLogger('alike_ros')
    wanted = [p for p in _AUTO if _ORT[p] in available] if provider == 'auto' else [provider]
    chain, options = [], []
    for name in wanted:
        if name == 'cpu':
            continue
        problem = None
        if _ORT[name] not in available:
            problem = f'{_ORT[name]} is not in this ONNX Runtime build ({", ".join(available)})'
        elif name == 'tidl' and not (tidl_artifacts and Path(tidl_artifacts).is_dir()):
            problem = (f"tidl_artifacts '{tidl_artifacts}' is not a folder "
                       '(compile them with alike-ros tidl-compile)')
        if problem:
            if strict:
                raise ProviderError(f'provider {name}: {problem}')
            log.warning(f'provider {name}: {problem}; falling back to CPU')
            continue
        chain.append(_ORT[name])
        options.append({'tidl_tools_path': os.environ.get('TIDL_TOOLS_PATH', ''),
                        'artifacts_folder': str(tidl_artifacts), 'debug_level': 0}
                       if name == 'tidl' else {})
    return chain + [_ORT['cpu']], options + [{}]


class OnnxModel:
    """An ONNX Runtime session with preallocated, reused output buffers."""

    def __init__(self, path, provider='cpu', threads=2, tidl_artifacts='', strict=False,
                 log=None, profile_prefix=None):
        log = log or logging.getLogger('alike_ros')
        self.path = Path(path)
        opts = ort.SessionOptions()
        if profile_prefix:  # ONNX Runtime's per-op trace (bench --profile)
            opts.enable_profiling = True
            opts.profile_file_prefix = str(profile_prefix)
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        # Spinning workers keep a core busy after each run, which is exactly when stage 2
        # (and the rest of the robot) wants it.
        opts.add_session_config_entry('session.intra_op.allow_spinning', '0')
        providers, options = provider_chain(
            provider, ort.get_available_providers(), tidl_artifacts, strict, log)
        self.session = ort.InferenceSession(str(path), opts, providers=providers,
                                            provider_options=options)
        self.provider = self.session.get_providers()[0]
        log.info(f'{path} on {self.provider}')
        meta = self.session.get_modelmeta().custom_metadata_map
        self.metadata = dict(meta)
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        self.input_shape = tuple(inp.shape)
        # Outputs are written into buffers allocated once: a fresh 20 MB feature map per frame
        # costs page faults every frame.
        self.outputs = {o.name: np.empty(o.shape, np.float32) for o in self.session.get_outputs()}
        self._binding = self.session.io_binding()
        for name, buf in self.outputs.items():
            self._binding.bind_output(name, 'cpu', 0, np.float32, buf.shape,
                                      buf.ctypes.data)

    def run(self, image):
        """Run on the input array; return {output name: array} (buffers reused by the next run)."""
        if image.shape != self.input_shape:
            raise ValueError(f'{self.path.name} expects {self.input_shape}, got {image.shape}')
        image = np.ascontiguousarray(image, dtype=np.float32)
        self._binding.bind_cpu_input(self.input_name, image)
        self.session.run_with_iobinding(self._binding)
        return self.outputs
