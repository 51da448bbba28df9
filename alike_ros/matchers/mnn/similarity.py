# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
The cosine similarities of two frames' unit descriptors, desc0 @ desc1.T, on one CPU thread.

This product is half the matcher's cost at the defaults (about 1000 x 1000 x 64 a frame).
ONNX Runtime's GEMM (MLAS) computed it in 0.54 ms where numpy's OpenBLAS took 1.06, on a
2-core AMD EPYC with AVX-512, and gave the same mutual pairs on every TUM frame
(docs/motion.md, Cost). ONNX Runtime is already there for stage 1, so it is used when it
loads; otherwise numpy.
"""

import numpy as np

# A one-node ONNX graph, s = Gemm(a, b, transB=1), float32 a: n x d, b: m x d (IR 8, opset 13:
# what ONNX Runtime 1.10 and later read, TI's SDK's included). Kept as bytes so a robot needs
# no `onnx` package; test_matching rebuilds it with onnx.helper and compares.
GEMM_MODEL = bytes.fromhex(
    '08081209616c696b655f726f733a6d0a1e0a01610a0162120173220447656d6d2a0d0a067472616e73421801'
    'a001021206636f73696e655a150a016112100a0e0801120a0a0312016e0a031201645a150a016212100a0e08'
    '01120a0a0312016d0a0312016462150a017312100a0e0801120a0a0312016e0a0312016d42040a00100d')


def numpy_similarity(desc0, desc1):
    """Return desc0 @ desc1.T (float32) with numpy."""
    return np.asarray(desc0, np.float32) @ np.asarray(desc1, np.float32).T


class Similarity:
    """
    desc0 @ desc1.T by an ONNX Runtime session of GEMM_MODEL (one thread), else numpy.

    `backend` is MnnConfig.gemm's value: 'onnxruntime' where a session can be built, else
    numpy; 'numpy' always numpy. `self.backend` says which one runs.
    """

    def __init__(self, backend='onnxruntime'):
        """Build the session (or not, 'numpy'); `self.problem` says why it is not."""
        self.session, self.problem = None, ''
        if backend != 'numpy':
            try:
                import onnxruntime as ort
                options = ort.SessionOptions()
                # One thread, as the node programs' BLAS: the executor and stage 1 have the rest.
                options.intra_op_num_threads = options.inter_op_num_threads = 1
                options.log_severity_level = 3
                self.session = ort.InferenceSession(GEMM_MODEL, options,
                                                    providers=['CPUExecutionProvider'])
            except Exception as err:  # missing, or a vendor build that cannot run it: numpy
                self.problem = f'{type(err).__name__}: {err}'
        self.backend = 'onnxruntime' if self.session is not None else 'numpy'

    def __call__(self, desc0, desc1):
        """Return the N0 x N1 float32 similarities of N0 x D and N1 x D descriptors."""
        if self.session is None or len(desc0) == 0 or len(desc1) == 0:
            return numpy_similarity(desc0, desc1)
        return self.session.run(None, {'a': np.ascontiguousarray(desc0, np.float32),
                                       'b': np.ascontiguousarray(desc1, np.float32)})[0]
