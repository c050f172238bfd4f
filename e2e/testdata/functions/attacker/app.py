# An attacker's function for the attack suite: it tries to reach what it
# must not (paths in the event), and reports what each attempt got.
import json
import os
import urllib.request


def attempt(fn):
    try:
        return "read: " + str(fn())[:80]
    except Exception as e:  # the point is to report, not to fail
        return "denied: " + type(e).__name__


def handler(event, context):
    out = {}
    for path in event.get("read", []):
        out["read " + path] = attempt(lambda: open(path, "rb").read())
    for path in event.get("list", []):
        out["list " + path] = attempt(lambda: os.listdir(path))
    if "put" in event:
        import boto3

        s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
        out["put " + event["put"]] = attempt(lambda: s3.put_object(Bucket=event["put"], Key="pwned", Body=b"x"))
    for url in event.get("get", []):
        out["get " + url] = attempt(lambda: urllib.request.urlopen(url, timeout=2).read())
    out["uid"] = os.getuid()
    out["env"] = sorted(k for k in os.environ if k.startswith("TARN"))
    return out
