def handler(event, context):
    return {"nested": event}
