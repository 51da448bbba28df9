# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Image folder or video -> rosbag2 of sensor_msgs/Image."""


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('source', help='image folder or video file')
    parser.add_argument('--out', required=True, help='bag folder to create')
    parser.add_argument('--rate', type=float, default=30.0)
    parser.add_argument('--storage', choices=('mcap', 'sqlite3'), default='mcap')
    parser.add_argument('--encoding', default='bgr8',
                        choices=('bgr8', 'rgb8', 'mono8', 'rgba8', 'bgra8', 'yuv422',
                                 'yuv422_yuy2'))
    parser.add_argument('--topic', default='/camera/image_raw')
    parser.add_argument('--loops', type=int, default=1, help='write the frames this many times')
    parser.add_argument('--camera-info',
                        help='calibration YAML (camera_calibration_parsers format): also '
                             'write CameraInfo beside the image topic')


def run(args):
    """Run `alike-ros make-bag`."""
    from tqdm import tqdm

    from alike_ros.tools.bag import load_camera_info, make_bag
    info = load_camera_info(args.camera_info) if args.camera_info else None
    with tqdm(unit='frame', desc='make-bag') as bar:
        n = make_bag(args.source, args.out, args.rate, args.storage, args.encoding, args.topic,
                     loops=args.loops, progress=bar.update, camera_info=info)
    print(f'wrote {n} frames to {args.out} ({args.storage}, {args.encoding}, {args.rate} Hz, '
          f'topic {args.topic})')
