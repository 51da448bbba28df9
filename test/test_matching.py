# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Mutual nearest neighbours and the homography fit, against their definitions."""

from hypothesis import given, settings, strategies as st
import numpy as np

from alike_ros.geometry import fit
from alike_ros.matchers.mnn import mnn_match
from alike_ros.matchers.mnn.similarity import GEMM_MODEL, Similarity


def unit(rng, n, d):
    v = rng.standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def brute_force_mnn(d0, d1):
    sim = d0.astype(np.float64) @ d1.T.astype(np.float64)
    return [(i, int(sim[i].argmax())) for i in range(len(d0))
            if sim[:, sim[i].argmax()].argmax() == i]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(n0=st.integers(1, 60), n1=st.integers(1, 60), d=st.sampled_from([8, 64]),
       seed=st.integers(0, 2**16))
def test_mnn_is_the_mutual_argmax_in_first_frame_order(n0, n1, d, seed):
    rng = np.random.default_rng(seed)
    d0, d1 = unit(rng, n0, d), unit(rng, n1, d)
    pairs, sims = mnn_match(d0, d1, min_similarity=-1.0)  # the default floor is 0
    assert [tuple(p) for p in pairs.tolist()] == brute_force_mnn(d0, d1)
    # First-frame order: the public matchers' order, which RANSAC's result depends on.
    assert (np.diff(pairs[:, 0]) > 0).all()
    np.testing.assert_allclose(sims, np.einsum('ij,ij->i', d0[pairs[:, 0]], d1[pairs[:, 1]]),
                               rtol=1e-5)


def brute_force_ratio(d0, d1, ratio):
    """Lowe's test on the mutual pairs: best distance < ratio x the second best of its row."""
    sim = d0.astype(np.float64) @ d1.T.astype(np.float64)
    dist = np.sqrt(np.maximum(2 - 2 * sim, 0))
    return {(i, j) for i, j in brute_force_mnn(d0, d1)
            if dist[i, j] < ratio * np.sort(dist[i])[1]}


def test_mnn_similarity_and_ratio_filters():
    rng = np.random.default_rng(1)
    d0 = unit(rng, 200, 64)
    d1 = unit(rng, 200, 64)
    d1[:100] = d0[:100] + 0.05 * unit(rng, 100, 64)  # clear matches
    # Ambiguous ones: two near-copies of the same descriptor, a close second best each.
    d1[100:150] = d0[100:150] + 0.3 * unit(rng, 50, 64)
    d1[150:200] = d0[100:150] + 0.3 * unit(rng, 50, 64)
    d1 /= np.linalg.norm(d1, axis=1, keepdims=True)
    all_pairs, sims = mnn_match(d0, d1)
    strict, strict_sims = mnn_match(d0, d1, min_similarity=0.9)
    assert set(map(tuple, strict.tolist())) == {
        tuple(p) for p, s in zip(all_pairs.tolist(), sims) if s >= 0.9}
    assert len(strict) >= 95 and (strict_sims >= 0.9).all()
    ratio, _ = mnn_match(d0, d1, ratio=0.8)
    kept = set(map(tuple, ratio.tolist()))
    assert kept == brute_force_ratio(d0, d1, 0.8)
    # The clear matches pass, the ambiguous ones (mutual, but with a close second) do not.
    assert {(i, i) for i in range(100)} <= kept
    ambiguous = {p for p in map(tuple, all_pairs.tolist()) if 100 <= p[0] < 150}
    assert len(ambiguous) >= 40 and not ambiguous & kept


def test_gemm_model_is_the_one_node_graph_it_says():
    """The bytes the matcher loads are Gemm(a, b, transB=1), float32, IR 8 / opset 13."""
    from onnx import helper, TensorProto
    dims = {'a': ['n', 'd'], 'b': ['m', 'd'], 's': ['n', 'm']}
    info = {k: helper.make_tensor_value_info(k, TensorProto.FLOAT, v) for k, v in dims.items()}
    graph = helper.make_graph([helper.make_node('Gemm', ['a', 'b'], ['s'], transB=1)], 'cosine',
                              [info['a'], info['b']], [info['s']])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], ir_version=8,
                              producer_name='alike_ros')
    assert model.SerializeToString() == GEMM_MODEL


@settings(max_examples=30, deadline=None, derandomize=True)
@given(n0=st.integers(1, 300), n1=st.integers(1, 300), d=st.sampled_from([32, 64, 128]),
       seed=st.integers(0, 2**16))
def test_mnn_through_onnxruntime_gives_numpys_pairs(n0, n1, d, seed):
    rng = np.random.default_rng(seed)
    d0, d1 = unit(rng, n0, d), unit(rng, n1, d)
    gemm = Similarity()
    assert gemm.backend == 'onnxruntime'  # a product dependency: it must load
    np.testing.assert_allclose(gemm(d0, d1), d0 @ d1.T, atol=2e-6)
    pairs, sims = mnn_match(d0, d1, similarity=gemm)
    expected, expected_sims = mnn_match(d0, d1)
    np.testing.assert_array_equal(pairs, expected)
    np.testing.assert_allclose(sims, expected_sims, atol=2e-6)
    assert Similarity('numpy').backend == 'numpy'


def test_mnn_empty_inputs():
    pairs, sims = mnn_match(np.zeros((0, 64), np.float32), unit(np.random.default_rng(0), 5, 64))
    assert pairs.shape == (0, 2) and sims.shape == (0,)


def test_homography_recovers_a_known_warp_with_outliers():
    rng = np.random.default_rng(2)
    h_true = np.array([[1.02, 0.03, 5.0], [-0.02, 0.98, -3.0], [1e-5, -2e-5, 1.0]])
    p0 = rng.uniform(0, 640, (300, 2))
    q = np.c_[p0, np.ones(len(p0))] @ h_true.T
    p1 = q[:, :2] / q[:, 2:]
    p1[:60] = rng.uniform(0, 640, (60, 2))  # 20 % outliers
    h = fit('homography', p0, p1, 'ransac', 3.0)
    assert h.inliers[60:].all() and h.inliers[:60].sum() <= 3
    np.testing.assert_allclose(h.matrix / h.matrix[2, 2], h_true, rtol=1e-3, atol=1e-6)
    assert fit('homography', p0[:3], p1[:3]) is None
