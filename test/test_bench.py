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

"""`alike-ros bench` tables (structure and consistency; the figures live in the README)."""

from alike_ros.tools import bench
from conftest import require_shared

require_shared()


def test_bench_table_has_every_stage_for_both_splits():
    images = bench.default_images(2)
    table = bench.run(['alike-t'], images, threads=1, repeats=1, top_k=500)
    row = table['alike-t']
    for split in ('ours', 'dense'):
        t = row[split]
        assert set(bench.STAGES) <= set(t) and all(t[s] > 0 for s in bench.STAGES)
        # Two frames: every median is a mean, so the per-frame sum's is the parts' sum.
        assert abs(t['stage2'] - sum(t[s] for s in bench.STAGE2)) < 1e-6
        assert t['total'] >= t['stage1']
    assert row['keypoints'] == 500
    text = bench.markdown(table)
    assert '| stage 2 (NMS to descriptors) |' in text and '| total vs ours |' in text


def test_keypoint_control_variants_run_beside_the_default(tmp_path):
    images = bench.default_images(2)
    variants = bench.keypoint_control(tmp_path / 'mask.png')
    table = bench.run(['alike-t'], images, threads=1, repeats=1, dense=False,
                      variants=variants)
    row = table['alike-t']
    assert set(variants) <= set(row) and set(row['variant_keypoints']) == set(variants)
    # Each hides or thins keypoints; none adds any.
    assert all(0 < n < row['keypoints'] for n in row['variant_keypoints'].values())
    text = bench.markdown(table)
    assert '| alike-t + mask |' in text and '| alike-t + spread |' in text


def test_matcher_costs_time_the_front_end_under_each_setting():
    costs = bench.matcher_costs(bench.default_images(3), repeats=1, top_k=500)
    assert list(costs) == list(bench.MATCHER_SETTINGS)
    assert all(v > 0 for v in costs.values())


def test_stage1_profile_sums_the_kernels(tmp_path):
    by_op, by_node, total, trace = bench.profile_stage1('alike-t', bench.default_images(2),
                                                        threads=1, runs=3, out_dir=tmp_path)
    ops = dict(by_op)
    assert 'Conv' in ops and ops['Conv'] > 0
    assert abs(sum(ops.values()) - total) < 1e-9
    assert abs(sum(ms for _, ms in by_node) - total) < 1e-6
    assert by_op == sorted(by_op, key=lambda r: -r[1]) and trace.startswith(str(tmp_path))


def test_conv_projection_form_computes_the_same_features(tmp_path):
    """graph_form conv (bench --graph-forms) is the same function as the default form."""
    import numpy as np

    from alike_ros.config import DetectorConfig
    from alike_ros.detector import Detector
    image = bench.default_images(1)[0]
    got = {form: Detector(DetectorConfig(graph_form=form, model_dir=str(tmp_path)))
           .detect(image, bgr=True) for form in ('matmul', 'conv')}
    a, b = got['matmul'], got['conv']
    assert len(a) == len(b) > 500
    np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-3)
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-5)
    np.testing.assert_allclose(a.descriptors, b.descriptors, atol=1e-4)
    assert sorted(p.name for p in tmp_path.glob('*.onnx')) == [
        'alike-t_480x640.onnx', 'alike-t_480x640_exact_conv.onnx']
