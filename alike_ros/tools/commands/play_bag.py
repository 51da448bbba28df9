# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""Publish a bag with its timing (without ros2 bag)."""

import sys
import time


def add_arguments(parser):
    """Add the arguments of this command."""
    parser.add_argument('bag')
    parser.add_argument('--rate-scale', type=float, default=1.0)
    parser.add_argument('--loop', action='store_true')
    parser.add_argument('--topic', default='/camera/image_raw', help='bag topic to remap')
    parser.add_argument('--remap', nargs='+', help="FROM:=TO as ros2 bag play takes them, or TO: "
                                                   'publish --topic under this name')
    parser.add_argument('--delay', type=float, default=0.0, help='seconds to wait before playing')
    parser.add_argument('--wait-subscribers', type=int, default=0,
                        help='first wait until every topic has this many subscribers')
    parser.add_argument('--wait-timeout', type=float, default=120.0,
                        help='give up waiting for subscribers after this many seconds')


def run(args):
    """Run `alike-ros play-bag`."""
    import rclpy
    from rclpy.node import Node
    from rclpy.signals import SignalHandlerOptions

    from alike_ros.tools.bag import BagPlayer
    from alike_ros.runtime import exit_with_parent, stop_on_signals, use_large_frame_transport
    remap = {}
    for rule in args.remap or []:
        source, sep, target = rule.rpartition(':=')
        remap[source if sep else args.topic] = target
    use_large_frame_transport()  # as the README says of the tools: frames are ~1 MB
    exit_with_parent()
    stop = stop_on_signals()
    # Not sys.argv: rcl would read --remap's FROM:=TO as (deprecated) remapping rules.
    rclpy.init(args=[sys.argv[0]], signal_handler_options=SignalHandlerOptions.NO)
    node = Node('alike_bag_player')
    try:
        player = BagPlayer(node, args.bag, args.rate_scale, args.loop, remap)
        if args.wait_subscribers:
            deadline = time.monotonic() + args.wait_timeout
            while any(p.get_subscription_count() < args.wait_subscribers
                      for p in player.image_publishers()):
                if stop.wait(0.05):
                    return 0
                if time.monotonic() > deadline:
                    raise RuntimeError(f'fewer than {args.wait_subscribers} subscribers after '
                                       f'{args.wait_timeout:.0f} s')
        if stop.wait(args.delay):
            return 0
        print(f'playing {len(player.messages)} messages from {args.bag}'
              + (' (looping, Ctrl-C to stop)' if args.loop else ''), flush=True)
        player.play(should_stop=stop.is_set)
        player.wait_for_all_acked(5.0)
        print(player.report(), flush=True)  # alike-ros stress reads it
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
