# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Image folder or video (and a depth folder) -> rosbag2 of sensor_msgs/Image."""


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
                        help='calibration YAML (camera_calibration_parsers format), or a 3 x 3 '
                             'K text file (7-Scenes camera-intrinsics.txt): also write '
                             'CameraInfo beside the image topic')
    parser.add_argument('--depth',
                        help='folder of depth images registered to the frames, one per frame '
                             'in name order (16-bit PNG: 16UC1 in the camera\'s units; float '
                             'TIFF: 32FC1 metres); a folder holding both takes *.depth.* '
                             'files as depth (7-Scenes)')
    parser.add_argument('--depth-topic', default='/camera/depth/image_raw')


def run(args):
    """Run `alike-ros make-bag`."""
    from tqdm import tqdm

    from alike_ros.tools.bag import (intrinsics_camera_info, load_camera_info, make_bag,
                                     read_frames)
    info = None
    if args.camera_info and args.camera_info.endswith('.txt'):
        height, width = next(iter(read_frames(args.source))).shape[:2]
        info = intrinsics_camera_info(args.camera_info, width, height)
    elif args.camera_info:
        info = load_camera_info(args.camera_info)
    with tqdm(unit='frame', desc='make-bag') as bar:
        n = make_bag(args.source, args.out, args.rate, args.storage, args.encoding, args.topic,
                     loops=args.loops, progress=bar.update, camera_info=info, depth=args.depth,
                     depth_topic=args.depth_topic)
    print(f'wrote {n} frames to {args.out} ({args.storage}, {args.encoding}, {args.rate} Hz, '
          f'topic {args.topic}' + (f', depth on {args.depth_topic})' if args.depth else ')'))
