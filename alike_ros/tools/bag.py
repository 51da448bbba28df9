# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
Real rosbag2 bags of camera images: written with the rosbags library, played with rclpy.

`ros2 bag play` plays what `make_bag` writes; `play_bag` is for machines without ros2bag
(it publishes the stored CDR bytes as they are, with the recorded timing).
"""

from collections.abc import Sequence
from pathlib import Path
import time

import cv2
import numpy as np
from rosbags.rosbag2 import Reader, StoragePlugin, Writer
from rosbags.typesys import get_typestore, Stores

from alike_ros.image_encoding import rgb_to_encoding
from alike_ros.tools.image_files import image_files

IMAGE_TYPE = 'sensor_msgs/msg/Image'
CAMERA_INFO_TYPE = 'sensor_msgs/msg/CameraInfo'
COMPRESSED_TYPE = 'sensor_msgs/msg/CompressedImage'
START_NS = 1_700_000_000 * 10**9  # make_bag's first stamp by default
TRANSPORTS = ('compressed', 'compressedDepth', 'theora', 'zstd')  # image_transport suffixes
STORAGES = {'mcap': StoragePlugin.MCAP, 'sqlite3': StoragePlugin.SQLITE3}
VIDEO_EXTS = {'.mp4', '.avi', '.mkv', '.mov', '.webm'}
# The depth image topic of an RGB-D bag (edge.launch.py's player remaps it to depth_topic).
DEPTH_TOPIC = '/camera/depth/image_raw'
DEPTH_ENCODINGS = {'uint16': '16UC1', 'float32': '32FC1'}


def _typestore():
    return get_typestore(Stores.ROS2_JAZZY)


def read_frames(source):
    """Yield RGB frames of an image folder (sorted by name) or a video file."""
    source = Path(source)
    if source.is_file() and source.suffix.lower() in VIDEO_EXTS:
        cap = cv2.VideoCapture(str(source))
        if not cap.isOpened():
            raise ValueError(f'cannot open video {source}')
        try:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    return
                yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        finally:
            cap.release()
    files = [f for f in image_files([source]) if not is_depth_file(f)]
    if not files:
        raise ValueError(f'no images in {source}')
    for f in files:
        yield read_rgb_file(f)


def read_rgb_file(path):
    """Return an image file as RGB, or say that it cannot be read."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f'cannot read image {path}')
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def is_depth_file(path):
    """Tell whether an image file is a depth image by its name (7-Scenes: *.depth.png)."""
    return '.depth.' in Path(path).name


def read_depth(source):
    """
    Return the depth images (uint16 or float32 arrays) of a folder, sorted by name.

    Where the folder also holds colour images (7-Scenes' frame-*.color.png beside
    frame-*.depth.png) only the *.depth.* files.
    """
    files = image_files([source])
    if any(is_depth_file(f) for f in files):
        files = [f for f in files if is_depth_file(f)]
    if not files:
        raise ValueError(f'no depth images in {source}')
    return [read_depth_file(f) for f in files]


def read_depth_file(path):
    """Return a one-channel 16-bit or float depth image, or say what is wrong with the file."""
    depth = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if depth is None or depth.ndim != 2 or depth.dtype.name not in DEPTH_ENCODINGS:
        raise ValueError(f'{path} is not a one-channel 16-bit or float depth image')
    return depth


def _header(types, stamp_ns, frame_id):
    return types['std_msgs/msg/Header'](
        stamp=types['builtin_interfaces/msg/Time'](sec=stamp_ns // 10**9,
                                                   nanosec=stamp_ns % 10**9),
        frame_id=frame_id)


def camera_info_topic(image_topic):
    """
    Return the camera_info topic beside an image topic (/cam/image_raw -> /cam/camera_info).

    An image_transport suffix is not a level: /cam/image_raw/compressed -> /cam/camera_info.
    """
    base, _, last = image_topic.rpartition('/')
    if last in TRANSPORTS:
        base = base.rpartition('/')[0]
    return base + '/camera_info'


def image_message(typestore, rgb, encoding, stamp_ns, frame_id):
    """Build a rosbags Image message of an RGB frame in `encoding`."""
    types = typestore.types
    pixels = np.ascontiguousarray(rgb_to_encoding(rgb, encoding))
    h, w = pixels.shape[:2]
    return types[IMAGE_TYPE](header=_header(types, stamp_ns, frame_id), height=h, width=w,
                             encoding=encoding,
                             is_bigendian=0, step=pixels.nbytes // h, data=pixels.reshape(-1))


def depth_message(typestore, depth, stamp_ns, frame_id):
    """Build a rosbags Image of a depth image: uint16 as 16UC1, float32 metres as 32FC1."""
    types = typestore.types
    depth = np.ascontiguousarray(depth)
    encoding = DEPTH_ENCODINGS.get(depth.dtype.name)
    if encoding is None or depth.ndim != 2:
        raise ValueError(f'a depth image is H x W uint16 or float32, got {depth.shape} '
                         f'{depth.dtype}')
    h, w = depth.shape
    return types[IMAGE_TYPE](header=_header(types, stamp_ns, frame_id), height=h, width=w,
                             encoding=encoding, is_bigendian=0, step=depth.nbytes // h,
                             data=depth.view(np.uint8).reshape(-1))


def load_camera_info(path):
    """Read a camera_calibration_parsers YAML file into a dict of CameraInfo fields."""
    import yaml
    data = yaml.safe_load(Path(path).read_text())
    try:
        return {'width': int(data['image_width']), 'height': int(data['image_height']),
                'distortion_model': data.get('distortion_model', 'plumb_bob'),
                'd': [float(v) for v in data['distortion_coefficients']['data']],
                'k': [float(v) for v in data['camera_matrix']['data']],
                'r': [float(v) for v in data.get('rectification_matrix', {}).get(
                    'data', [1, 0, 0, 0, 1, 0, 0, 0, 1])],
                'p': [float(v) for v in data['projection_matrix']['data']]}
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f'{path} is not a camera calibration file ({err!r})') from None


def intrinsics_camera_info(path, width, height):
    """
    Return load_camera_info's fields of a 3 x 3 K text file (7-Scenes' camera-intrinsics.txt).

    No distortion; the image size is the frames'.
    """
    K = np.loadtxt(path, dtype=np.float64)
    if K.shape != (3, 3):
        raise ValueError(f'{path} is not a 3 x 3 camera matrix')
    return pinhole_camera_info(K, width, height)


def pinhole_camera_info(K, width, height):
    """Return load_camera_info's fields of a 3 x 3 K without distortion."""
    K = np.asarray(K, np.float64).reshape(3, 3)
    P = np.hstack([K, np.zeros((3, 1))])
    return {'width': int(width), 'height': int(height), 'distortion_model': 'plumb_bob',
            'd': [0.0] * 5, 'k': K.reshape(-1).tolist(), 'r': np.eye(3).reshape(-1).tolist(),
            'p': P.reshape(-1).tolist()}


def camera_info_file(path, width, height):
    """Return the CameraInfo fields of a calibration YAML or a 3 x 3 K text file."""
    if str(path).endswith('.txt'):
        return intrinsics_camera_info(path, width, height)
    return load_camera_info(path)


def camera_info_message(typestore, info, stamp_ns, frame_id):
    """Build a rosbags CameraInfo message from load_camera_info's fields."""
    types = typestore.types
    return types[CAMERA_INFO_TYPE](
        header=_header(types, stamp_ns, frame_id), height=info['height'], width=info['width'],
        distortion_model=info['distortion_model'], d=np.array(info['d'], np.float64),
        k=np.array(info['k'], np.float64), r=np.array(info['r'], np.float64),
        p=np.array(info['p'], np.float64), binning_x=0, binning_y=0,
        roi=types['sensor_msgs/msg/RegionOfInterest'](
            x_offset=0, y_offset=0, height=0, width=0, do_rectify=False))


def _is_sequence(value):
    return isinstance(value, Sequence) and not isinstance(value, str)  # a str is a path


def make_bag(source, out, rate=30.0, storage='mcap', encoding='bgr8', topic='/camera/image_raw',
             frame_id='camera_optical_frame', start_ns=START_NS, loops=1,
             progress=None, camera_info=None, stamps_ns=None, depth=None,
             depth_topic=DEPTH_TOPIC, depth_stamps_ns=None):
    """
    Write the frames of `source` as a rosbag2 at `rate` Hz; return the number written.

    `source`: an image folder, a video, or a sequence of RGB frames. With `camera_info`
    (load_camera_info's fields) each frame also gets a CameraInfo of the same stamp on the
    image topic's sibling camera_info. `stamps_ns` (one per frame, one loop) replaces the
    stamps `rate` would give. `depth` (a folder, read_depth, or a list of uint16 / float32
    arrays, one per frame) adds each frame's depth image, same stamp, on `depth_topic`;
    `depth_stamps_ns` (one per frame, one loop) gives each its own stamp (an unsynchronised
    depth camera's), still recorded just after its colour image.
    """
    if (stamps_ns is not None or depth_stamps_ns is not None) and loops != 1:
        raise ValueError('stamps_ns and depth_stamps_ns need loops 1')
    if rate <= 0:
        raise ValueError(f'rate must be positive, got {rate}')
    if storage not in STORAGES:
        raise ValueError(f"storage must be one of {', '.join(STORAGES)}, got '{storage}'")
    out = Path(out)
    if out.exists():
        raise FileExistsError(f'{out} exists: choose another --out or remove it')
    typestore = _typestore()
    # A Sequence (a list, or rgbd_folder.Images reading each file as it is written) is used as
    # it is.
    frames = source if _is_sequence(source) else list(read_frames(source))
    if stamps_ns is not None and len(stamps_ns) != len(frames):
        raise ValueError(f'{len(stamps_ns)} stamps for {len(frames)} frames')
    if depth is not None:
        depth = depth if _is_sequence(depth) else read_depth(depth)
        if len(depth) != len(frames):
            raise ValueError(f'{len(depth)} depth images for {len(frames)} frames')
    if depth_stamps_ns is not None and (depth is None or len(depth_stamps_ns) != len(frames)):
        raise ValueError(f'{len(depth_stamps_ns)} depth stamps for {len(frames)} frames'
                         + ('' if depth is not None else ' and no depth images'))
    n = 0
    with Writer(out, version=9, storage_plugin=STORAGES[storage]) as writer:
        conn = writer.add_connection(topic, IMAGE_TYPE, typestore=typestore)
        if camera_info:
            info_conn = writer.add_connection(camera_info_topic(topic), CAMERA_INFO_TYPE,
                                              typestore=typestore)
        if depth is not None:
            depth_conn = writer.add_connection(depth_topic, IMAGE_TYPE, typestore=typestore)
        for _ in range(loops):
            for i, rgb in enumerate(frames):
                stamp = start_ns + round(n * 1e9 / rate) if stamps_ns is None \
                    else int(stamps_ns[n])
                if camera_info:  # first, as drivers do: it is there when the frame is
                    info = camera_info_message(typestore, camera_info, stamp, frame_id)
                    writer.write(info_conn, stamp,
                                 typestore.serialize_cdr(info, CAMERA_INFO_TYPE))
                msg = image_message(typestore, rgb, encoding, stamp, frame_id)
                writer.write(conn, stamp, typestore.serialize_cdr(msg, IMAGE_TYPE))
                if depth is not None:  # after the colour image: a driver's order
                    msg = depth_message(typestore, depth[i], stamp if depth_stamps_ns is None
                                        else int(depth_stamps_ns[n]), frame_id)
                    writer.write(depth_conn, stamp, typestore.serialize_cdr(msg, IMAGE_TYPE))
                n += 1
                if progress:
                    progress()
    return n


def image_topics(path):
    """Return the topics of a bag that carry images (raw or compressed), in name order."""
    return sorted({t for t, m in topics(path) if m in (IMAGE_TYPE, COMPRESSED_TYPE)})


def image_topic(path, topic=None):
    """
    Return the image topic of a bag to read: `topic`, else its only one, else /camera/image_raw.

    Raises ValueError naming the bag's image topics when that one has no images.
    """
    found = image_topics(path)
    if topic is None:
        topic = found[0] if len(found) == 1 else '/camera/image_raw'
    if topic not in found:
        raise ValueError(f"{path} has no images on {topic}: its image topics are "
                         f"{', '.join(found) or 'none'} (choose one with --image-topic)")
    return topic


def bag_camera_info(path, image_topic):
    """
    Return load_camera_info's fields of the first CameraInfo beside `image_topic` in a bag.

    The CameraInfo topic is the image topic's sibling camera_info, or the bag's only one; None
    when there is none.
    """
    infos = sorted(t for t, m in topics(path) if m == CAMERA_INFO_TYPE)
    topic = camera_info_topic(image_topic)
    if topic not in infos:
        if len(infos) != 1:
            return None
        topic = infos[0]
    store = _typestore()
    for _, msgtype, _, data in read_bag(path, {topic}):
        msg = store.deserialize_cdr(data, msgtype)
        return {'width': int(msg.width), 'height': int(msg.height),
                'distortion_model': msg.distortion_model or 'plumb_bob',
                'd': [float(v) for v in msg.d], 'k': [float(v) for v in msg.k],
                'r': [float(v) for v in msg.r], 'p': [float(v) for v in msg.p]}
    return None


def read_bag(path, only=None):
    """Yield (topic, msgtype, timestamp ns, CDR bytes) in time order (of the `only` topics)."""
    with Reader(path) as reader:
        connections = [c for c in reader.connections if only is None or c.topic in only]
        if not connections:  # rosbags reads every connection when given none
            return
        for conn, timestamp, data in reader.messages(connections=connections):
            yield conn.topic, conn.msgtype, timestamp, bytes(data)


def topics(path):
    """Return (topic, msgtype) of every connection of a bag."""
    with Reader(path) as reader:
        return [(c.topic, c.msgtype) for c in reader.connections]


def message_class(msgtype):
    """Import the rclpy message class of 'pkg/msg/Name'."""
    import importlib
    pkg, _, name = msgtype.split('/')
    return getattr(importlib.import_module(f'{pkg}.msg'), name)


def _is_depth(cdr):
    """Tell whether a CDR-serialised Image is a depth image (by its encoding)."""
    msg = _typestore().deserialize_cdr(cdr, IMAGE_TYPE)
    return msg.encoding in ('16UC1', '32FC1', 'mono16')


class BagPlayer:
    """Publishes a bag's messages from a node with the recorded timing."""

    def __init__(self, node, path, rate_scale=1.0, loop=False, topic_remap=None, qos=10):
        if rate_scale <= 0:
            raise ValueError(f'rate scale must be positive, got {rate_scale}')
        self.node, self.rate_scale, self.loop = node, rate_scale, loop
        self.messages = list(read_bag(path))
        if not self.messages:
            raise ValueError(f'{path} holds no messages')
        remap = topic_remap or {}
        self.publishers, self.types = {}, {}
        for topic, msgtype, _, _ in self.messages:
            if topic not in self.publishers:
                self.types[topic] = msgtype
                self.publishers[topic] = node.create_publisher(
                    message_class(msgtype), remap.get(topic, topic), qos)
        first = {}
        for topic, msgtype, _, data in self.messages:
            if msgtype == IMAGE_TYPE:
                first.setdefault(topic, data)
        self.depth_topics = {topic for topic, data in first.items() if _is_depth(data)}
        self.image_topics = set(first) - self.depth_topics
        self.published = 0
        self.images_published = 0
        # How far behind the recorded timing the player published (a loaded machine): late
        # messages go out back to back, a burst a keep-last-1 reader cannot take whole.
        self.late_max_s = 0.0
        self.late_count = 0  # messages published more than LATE_S after their time

    LATE_S = 0.02

    def image_publishers(self):
        """
        Return the publishers of the bag's image topics (what the graph subscribes first).

        Depth images are not among them: only the matcher subscribes those.
        """
        return [p for topic, p in self.publishers.items()
                if topic in self.image_topics]

    def play(self, on_publish=None, should_stop=lambda: False):
        """Publish everything (again and again with loop); return the number published."""
        while True:
            t0_bag = self.messages[0][2]
            t0 = time.monotonic()
            for topic, _, stamp, data in self.messages:
                due = t0 + (stamp - t0_bag) / 1e9 / self.rate_scale
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if should_stop():
                    return self.published
                late = time.monotonic() - due
                self.late_max_s = max(self.late_max_s, late)
                self.late_count += late > self.LATE_S
                self.publishers[topic].publish(data)
                self.published += 1
                self.images_published += topic in self.image_topics
                if on_publish:
                    on_publish(topic, stamp)
            if not self.loop:
                return self.published

    def report(self):
        """One line: what was published and how late (the stress harness reads it)."""
        return (f'published {self.published} messages ({self.images_published} images); '
                f'{self.late_count} more than {self.LATE_S * 1e3:.0f} ms late, the latest by '
                f'{self.late_max_s * 1e3:.0f} ms')

    def wait_for_all_acked(self, timeout_s):
        """
        Wait until every reliable subscriber acknowledged everything published (or timeout_s).

        A player that exits right after its last message destroys its writer before the
        readers acknowledged it: the last frame was lost (seen in the launch tests).
        """
        from rclpy.duration import Duration
        return all(p.wait_for_all_acked(Duration(nanoseconds=int(timeout_s * 1e9)))
                   for p in self.publishers.values())
