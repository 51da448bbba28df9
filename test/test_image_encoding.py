# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Image message conversion: every encoding, with and without row padding, and bad frames."""

import cv2
import numpy as np
import pytest

from alike_ros.image_encoding import ENCODINGS, image_to_array, ImageError, rgb_to_encoding

RNG = np.random.default_rng(7)
RGB = RNG.integers(0, 256, (6, 10, 3), dtype=np.uint8)


def pack(pixels, pad):
    """Message fields of `pixels` with `pad` extra bytes at the end of every row."""
    h, w = pixels.shape[:2]
    row = pixels.reshape(h, -1)
    padded = np.concatenate([row, np.full((h, pad), 0xAB, np.uint8)], axis=1)
    return h, w, row.shape[1] + pad, padded.tobytes()


@pytest.mark.parametrize('pad', [0, 3, 64])
@pytest.mark.parametrize('encoding', sorted(ENCODINGS))
def test_round_trip(encoding, pad):
    pixels = rgb_to_encoding(RGB, encoding)
    h, w, step, data = pack(pixels, pad)
    got = image_to_array(encoding, h, w, step, data)
    if encoding == 'mono8':
        np.testing.assert_array_equal(got, cv2.cvtColor(RGB, cv2.COLOR_RGB2GRAY))
    elif encoding in ('rgb8', 'bgr8', 'rgba8', 'bgra8'):
        np.testing.assert_array_equal(got, RGB)  # exact: no colour space change
    else:
        # 4:2:2 halves the chroma: compare with OpenCV's own decoding of the same bytes.
        code = ENCODINGS[encoding][1]
        np.testing.assert_array_equal(got, cv2.cvtColor(pixels, code))
        assert np.abs(got.astype(int) - RGB).mean() < 40
    assert got.flags['C_CONTIGUOUS']


@pytest.mark.parametrize('fields, reason', [
    (('rgb8', 4, 4, 12, b'\0' * 47), 'data has 47 bytes'),
    (('rgb8', 4, 4, 12, b'\0' * 49), 'more than step x height'),
    (('rgb8', 4, 4, 11, b'\0' * 44), 'step 11 is smaller'),
    (('rgb8', 0, 4, 12, b''), 'empty image'),
    (('16UC1', 4, 4, 8, b'\0' * 32), "unsupported encoding '16UC1'"),
    (('yuv422', 4, 3, 6, b'\0' * 24), 'even width'),
])
def test_bad_frames_say_why(fields, reason):
    with pytest.raises(ImageError, match=reason):
        image_to_array(*fields)


def test_last_row_may_omit_padding():
    # Some drivers send step * (h - 1) + w * bpp bytes; that frame is complete.
    h, w, step, data = pack(RGB, 5)
    got = image_to_array('rgb8', h, w, step, data[:-5])
    np.testing.assert_array_equal(got, RGB)
