# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 alike_ros maintainers

"""
What ROS 2 Humble's rclpy (the TDA4VM SDK's) lacks or names differently, in one place.

Each name is the Jazzy one where this rclpy has it (nothing changes there); on Humble it is a
fallback that says once in the log what it does instead (docs/humble.md):

- `PublisherEventCallbacks`, `SubscriptionEventCallbacks`, `UnsupportedEventTypeError`: in
  rclpy.event_handler since Iron, rclpy.qos_event in Humble. Humble's publisher has no
  `matched` event; there `matched` is called when the publisher's subscription count changes,
  read each time the executor wakes (the nodes' spin loop wakes at least every 0.1 s).
- `MESSAGE_INFO`: whether a subscription callback taking two arguments gets the message info
  (the publisher's sequence number); Humble passes the message only.
- `publisher_count(node, subscription)`: the publishers matched with a subscription
  (Subscription.get_publisher_count since Iron; the graph's count of the topic on Humble).

test/test_humble_compat.py runs the fallbacks with Jazzy's names hidden;
test/test_humble_api.py checks every other use of rclpy and launch against Humble's sources.
"""

from rclpy.subscription import Subscription

try:  # Iron and later
    from rclpy.event_handler import (PublisherEventCallbacks, SubscriptionEventCallbacks,
                                     UnsupportedEventTypeError)
except ImportError:  # Humble
    from typing import NamedTuple

    from rclpy.logging import get_logger
    from rclpy.qos_event import PublisherEventCallbacks as _PublisherEventCallbacks
    from rclpy.qos_event import SubscriptionEventCallbacks, UnsupportedEventTypeError
    from rclpy.waitable import NumberOfEntities, Waitable

    class MatchedInfo(NamedTuple):
        """The fields of rmw_matched_status_t that a matched callback receives."""

        total_count: int
        total_count_change: int
        current_count: int
        current_count_change: int

    class _MatchedPoll(Waitable):
        """Stands in for the publisher matched event: the subscription count, polled."""

        def __init__(self, callback_group, publisher, callback):
            super().__init__(callback_group)
            self._publisher, self._callback = publisher, callback
            self._count = self._total = 0

        def __enter__(self):
            self._publisher.__enter__()  # keeps the publisher alive while the executor waits

        def __exit__(self, t, v, tb):
            self._publisher.__exit__(t, v, tb)

        def _current(self):
            with self._publisher:
                return self._publisher.get_subscription_count()

        def is_ready(self, wait_set):
            return self._current() != self._count

        def take_data(self):
            count = self._current()
            change, self._count = count - self._count, count
            self._total += max(change, 0)
            return MatchedInfo(self._total, max(change, 0), count, change)

        async def execute(self, taken_data):
            self._callback(taken_data)

        def get_num_entities(self):
            return NumberOfEntities()

        def add_to_wait_set(self, wait_set):
            pass

        def destroy(self):
            pass

    class PublisherEventCallbacks(_PublisherEventCallbacks):
        """Humble's PublisherEventCallbacks, with Jazzy's `matched` (polled)."""

        def __init__(self, *, matched=None, **kwargs):
            super().__init__(**kwargs)
            self._matched = matched

        def create_event_handlers(self, callback_group, publisher, topic_name):
            handlers = super().create_event_handlers(callback_group, publisher, topic_name)
            if self._matched:
                with publisher:
                    logger = get_logger(publisher.get_logger_name())
                logger.info(f"this rclpy (Humble) has no publisher 'matched' event: "
                            f"{topic_name}'s subscription count is read whenever the "
                            'executor wakes instead')
                handlers.append(_MatchedPoll(callback_group, publisher, self._matched))
            return handlers

# rclpy passes the message info to a callback taking two arguments since Iron.
MESSAGE_INFO = hasattr(Subscription, 'CallbackType')


def publisher_count(node, subscription):
    """Return how many publishers `subscription` is matched with (Humble: on its topic)."""
    try:  # Iron and later
        return subscription.get_publisher_count()
    except AttributeError:  # Humble
        return node.count_publishers(subscription.topic_name)


__all__ = ['MESSAGE_INFO', 'PublisherEventCallbacks', 'SubscriptionEventCallbacks',
           'UnsupportedEventTypeError', 'publisher_count']
