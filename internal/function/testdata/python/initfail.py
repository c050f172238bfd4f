raise RuntimeError("cannot start: missing config")


def handler(event, context):
    return None
