# Functions that misbehave, for the end-to-end tests of failures.
import os
import time


def hang(event, context):
    time.sleep(600)


def crash(event, context):
    os._exit(3)


def big(event, context):
    return "x" * (7 << 20)


def always_fail(event, context):
    raise RuntimeError("always fails: %s" % event.get("n"))
