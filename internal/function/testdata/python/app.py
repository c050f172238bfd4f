# Handlers for the function package's tests: one per behaviour.
import json
import os
import subprocess
import time
import urllib.error
import urllib.request

started = time.time()


def echo(event, context):
    return event


def whoami(event, context):
    return {"pid": os.getpid(), "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(), "started": started}


def fail(event, context):
    raise ValueError("bad input: %s" % event.get("x"))


def hang(event, context):
    print("hanging")
    time.sleep(600)


def chatty(event, context):
    line = "x" * 100
    for i in range(event.get("lines", 1000)):
        print("line %d %s" % (i, line))
    return "done"


def fork(event, context):
    # A child that outlives the invocation, in the function's group.
    subprocess.Popen(["sleep", str(event["sleep"])])
    if event.get("hang"):
        time.sleep(600)
    return os.getpid()


def crash(event, context):
    print("crashing")
    os._exit(3)


def big(event, context):
    return "x" * (7 << 20)


def env(event, context):
    return {
        "env": dict(os.environ),
        "cwd": os.getcwd(),
        "context": {
            "function_name": context.function_name,
            "aws_request_id": context.aws_request_id,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "remaining": context.get_remaining_time_in_millis(),
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
        },
    }


def read(event, context):
    try:
        os.listdir(event["path"])
        return "readable"
    except OSError as e:
        return type(e).__name__


def garbage(event, context):
    """Sends requests a broken runtime might send; returns the statuses."""
    base = "http://%s/2018-06-01/runtime" % os.environ["AWS_LAMBDA_RUNTIME_API"]
    out = {}

    def send(name, method, path, body=None):
        req = urllib.request.Request(base + path, data=body, method=method)
        try:
            with urllib.request.urlopen(req) as r:
                out[name] = r.status
        except urllib.error.HTTPError as e:
            out[name] = e.code
            json.loads(e.read())  # errors are JSON

    send("unknown_id", "POST", "/invocation/nope/response", b"{}")
    send("bad_path", "GET", "/invocation/nope/whatever")
    send("bad_method", "DELETE", "/invocation/next")
    send("next_in_flight", "GET", "/invocation/next")
    send("late_init_error", "POST", "/init/error", b"{}")
    return out


def garbage_error(event, context):
    """Answers its invocation with an error that is not JSON, then again."""
    base = "http://%s/2018-06-01/runtime/invocation/%s" % (os.environ["AWS_LAMBDA_RUNTIME_API"], context.aws_request_id)
    req = urllib.request.Request(base + "/error", data=b"\x00not json", method="POST")
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError as e:
        print("garbage error refused with", e.code)
    return "the runtime's answer comes too late"
