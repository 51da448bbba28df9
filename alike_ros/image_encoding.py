# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
sensor_msgs/Image <-> numpy, exactly, without cv_bridge.

Pure functions on the message's fields (encoding, height, width, step, data), so they are
tested without ROS. `step` padding is honoured; every malformed case raises ImageError with
the reason, which the node counts and logs.
"""

import cv2
import numpy as np

# encoding -> (bytes per pixel, OpenCV conversion to RGB or None when already RGB/gray)
ENCODINGS = {
    'rgb8': (3, None),
    'bgr8': (3, cv2.COLOR_BGR2RGB),
    'mono8': (1, None),
    'rgba8': (4, cv2.COLOR_RGBA2RGB),
    'bgra8': (4, cv2.COLOR_BGRA2RGB),
    'yuv422': (2, cv2.COLOR_YUV2RGB_UYVY),  # ROS 'yuv422' is UYVY
    'uyvy': (2, cv2.COLOR_YUV2RGB_UYVY),
    'yuv422_yuy2': (2, cv2.COLOR_YUV2RGB_YUY2),
    'yuyv': (2, cv2.COLOR_YUV2RGB_YUY2),
}


class ImageError(ValueError):
    """A frame that cannot be converted; the message says why."""


def image_to_array(encoding, height, width, step, data):
    """
    Return the pixels of an image message as uint8 RGB (H x W x 3) or gray (H x W).

    The result never aliases `data`.
    """
    if encoding not in ENCODINGS:
        raise ImageError(f"unsupported encoding '{encoding}' (supported: "
                         f"{', '.join(ENCODINGS)})")
    bpp, conversion = ENCODINGS[encoding]
    if height <= 0 or width <= 0:
        raise ImageError(f'empty image {width}x{height}')
    if bpp == 2 and width % 2:
        raise ImageError(f'{encoding} needs an even width, got {width}')
    row = width * bpp
    if step < row:
        raise ImageError(f'step {step} is smaller than width x {bpp} bytes = {row}')
    buf = np.frombuffer(data, np.uint8) if not isinstance(data, np.ndarray) \
        else data.view(np.uint8).reshape(-1)
    need = step * (height - 1) + row
    if buf.size < need:
        raise ImageError(f'data has {buf.size} bytes, {need} needed for {width}x{height} '
                         f'{encoding} with step {step}')
    if buf.size > step * height:
        raise ImageError(f'data has {buf.size} bytes, more than step x height = {step * height}')
    # Strided view over the padded rows, then one copy (or the colour conversion's output).
    pixels = np.lib.stride_tricks.as_strided(buf, (height, width, bpp), (step, bpp, 1))
    if conversion is None:
        return pixels[:, :, 0].copy() if bpp == 1 else pixels.copy()
    return cv2.cvtColor(np.ascontiguousarray(pixels), conversion)


def array_to_fields(image, encoding='bgr8'):
    """Return (encoding, height, width, step, bytes) of a uint8 H x W x 3 or H x W array."""
    image = np.ascontiguousarray(image, np.uint8)
    h, w = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    expected = ENCODINGS[encoding][0]
    if channels != expected:
        raise ValueError(f'{encoding} needs {expected} channels, got {channels}')
    return encoding, h, w, w * channels, image.tobytes()


def rgb_to_encoding(rgb, encoding):
    """Encode an RGB image in any supported encoding (the inverse of image_to_array)."""
    if encoding == 'rgb8':
        return rgb.copy()
    if encoding == 'mono8':
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if encoding == 'bgr8':
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    if encoding == 'rgba8':
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2RGBA)
    if encoding == 'bgra8':
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGRA)
    if encoding in ('yuv422', 'uyvy', 'yuv422_yuy2', 'yuyv'):
        yuv = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV).astype(np.int32)
        y, u, v = yuv[:, :, 0], yuv[:, :, 1], yuv[:, :, 2]
        u2 = ((u[:, 0::2] + u[:, 1::2] + 1) // 2).astype(np.uint8)
        v2 = ((v[:, 0::2] + v[:, 1::2] + 1) // 2).astype(np.uint8)
        out = np.empty(rgb.shape[:2] + (2,), np.uint8)
        if encoding in ('yuv422', 'uyvy'):
            out[:, 0::2, 0], out[:, 1::2, 0] = u2, v2
            out[:, :, 1] = y
        else:
            out[:, :, 0] = y
            out[:, 0::2, 1], out[:, 1::2, 1] = u2, v2
        return out
    raise ValueError(f'unsupported encoding {encoding}')
