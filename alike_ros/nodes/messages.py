# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Messages <-> numpy arrays (flat arrays, one Python object per frame)."""

from array import array

import cv2
import numpy as np
from sensor_msgs.msg import Image

from alike_ros.image_encoding import array_to_fields, image_to_array, ImageError

try:  # the robot has cv_bridge; elsewhere the exact numpy path does the same job
    from cv_bridge import CvBridge
    _BRIDGE = CvBridge()
except ImportError:
    _BRIDGE = None

try:
    from alike_ros_msgs.msg import KeypointArray, MatchArray
except ImportError as err:
    raise ImportError(
        'alike_ros_msgs is not built: in a workspace build both packages, '
        '`colcon build --base-paths src/alike_ros src/alike_ros/alike_ros_msgs`, '
        'then source install/setup.bash') from err

__all__ = ['KeypointArray', 'MatchArray', 'features_to_msg', 'msg_to_features', 'flat',
           'image_msg_to_array', 'array_to_image_msg', 'decode_compressed', 'stamp_ns']


def stamp_ns(stamp):
    """Return a builtin_interfaces Time as integer nanoseconds (a key that compares exactly)."""
    return stamp.sec * 1_000_000_000 + stamp.nanosec


def flat(values, typecode):
    """
    Return a numpy array as array.array for a message field.

    rosidl's setters check a numpy array element by element (6 ms for 128k floats, and 15 ms
    more to serialise it); an array.array of the same bytes is taken as it is.
    """
    dtype = {'f': np.float32, 'i': np.int32, 'B': np.uint8, 'I': np.uint32,
             'Q': np.uint64}[typecode]
    out = array(typecode)
    out.frombytes(np.ascontiguousarray(values, dtype).tobytes())
    return out


def image_msg_to_array(msg):
    """Return RGB (H x W x 3) or gray (H x W) uint8 pixels; raises ImageError with the reason."""
    if _BRIDGE is None:
        return image_to_array(msg.encoding, msg.height, msg.width, msg.step, msg.data)
    try:
        return _BRIDGE.imgmsg_to_cv2(msg, 'mono8' if msg.encoding == 'mono8' else 'rgb8')
    except Exception as err:  # cv_bridge raises its own and OpenCV's error types
        raise ImageError(f'cv_bridge: {err}') from err


def decode_compressed(msg):
    """Decode a CompressedImage (JPEG, PNG, ...) to RGB; raises ImageError when it cannot."""
    data = np.frombuffer(bytes(msg.data), np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ImageError(f"cannot decode compressed image (format '{msg.format}', "
                         f'{data.size} bytes)')
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def array_to_image_msg(image_bgr, header):
    """Wrap a BGR uint8 image as sensor_msgs/Image with the given header."""
    msg = Image()
    msg.header = header
    msg.encoding, msg.height, msg.width, msg.step, data = array_to_fields(image_bgr)
    msg.data = array('B', data)
    return msg


def features_to_msg(features, header, height, width, model, descriptor_size, encoding='f32'):
    """Build a KeypointArray from detector output (descriptors as float32 or 8-bit)."""
    msg = KeypointArray()
    msg.header = header
    msg.height, msg.width = height, width
    msg.descriptor_size = descriptor_size
    msg.model = model
    msg.keypoints = flat(features.keypoints, 'f')
    msg.scores = flat(features.scores, 'f')
    msg.descriptor_encoding = encoding
    if encoding == 'u8':
        from alike_ros.compact import encode_u8
        msg.descriptors_u8 = flat(encode_u8(features.descriptors), 'B')
    else:
        msg.descriptors = flat(features.descriptors, 'f')
    return msg


def msg_to_features(msg):
    """Return (keypoints N x 2, scores N, descriptors N x D) views of a KeypointArray."""
    kp = np.frombuffer(msg.keypoints, np.float32).reshape(-1, 2)
    scores = np.frombuffer(msg.scores, np.float32)
    d = int(msg.descriptor_size)
    u8 = msg.descriptor_encoding == 'u8'
    if msg.descriptor_encoding not in ('', 'f32', 'u8'):
        raise ValueError(f"unknown descriptor_encoding '{msg.descriptor_encoding}'")
    desc = np.frombuffer(msg.descriptors_u8 if u8 else msg.descriptors,
                         np.uint8 if u8 else np.float32)
    if d <= 0 or desc.size != len(kp) * d or len(scores) != len(kp):
        raise ValueError(f'inconsistent KeypointArray: {len(kp)} keypoints, {len(scores)} '
                         f'scores, {desc.size} descriptor values with descriptor_size {d}')
    if u8:
        from alike_ros.compact import decode_u8
        return kp, scores, decode_u8(desc.reshape(-1, d))
    return kp, scores, desc.reshape(-1, d)
