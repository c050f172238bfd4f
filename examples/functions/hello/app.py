# A Lambda function in Python, as users write them: tarn runs it on the
# machine's python3, no container. Invoked directly it greets; invoked by a
# bucket notification it prints each new object's key (see
# `tarn functions logs hello`).
import urllib.parse


def handler(event, context):
    for record in event.get("Records", []):
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        print("new object:", record["s3"]["bucket"]["name"], key, record["s3"]["object"]["size"], "bytes")
    return {"hello": event.get("name", "world"), "function": context.function_name}
