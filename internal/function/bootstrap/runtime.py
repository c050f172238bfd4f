# tarn's runtime loop for python3.x functions: it speaks the Lambda
# Runtime API (AWS_LAMBDA_RUNTIME_API) and calls the handler named by
# _HANDLER ("module.function", the module may be "pkg/mod") from
# LAMBDA_TASK_ROOT. Standard library only.
import importlib
import json
import os
import sys
import time
import traceback
import urllib.error
import urllib.request

BASE = "http://%s/2018-06-01/runtime" % os.environ["AWS_LAMBDA_RUNTIME_API"]


def call(method, path, body=None, headers=None):
    req = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req) as resp:
        return resp.read(), resp.headers


def post(path, doc, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    try:
        call("POST", path, doc, h)
    except urllib.error.HTTPError as e:
        # The answer was refused (too large, too late): tell the log and
        # go on serving.
        print("[ERROR] runtime api refused %s: %s %s" % (path, e.code, e.read()[:500]), file=sys.stderr)
    except (urllib.error.URLError, OSError) as e:
        print("[ERROR] runtime api unreachable: %s" % e, file=sys.stderr)


def error_doc(exc, etype=None):
    return {
        "errorMessage": str(exc),
        "errorType": etype or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
    }


def report(path, doc):
    body = json.dumps(doc).encode()
    print("[ERROR] %s: %s" % (doc["errorType"], doc["errorMessage"]), file=sys.stderr)
    for line in doc.get("stackTrace", []):
        sys.stderr.write(line)
    post(path, body, {"Lambda-Runtime-Function-Error-Type": doc["errorType"]})


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_name, _, func_name = spec.rpartition(".")
    if not module_name or not func_name:
        raise HandlerError("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec)
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise HandlerError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e)) from e
    except SyntaxError as e:
        raise HandlerError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e)) from e
    fn = getattr(module, func_name, None)
    if fn is None:
        raise HandlerError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (func_name, module_name))
    return fn


class HandlerError(Exception):
    def __init__(self, etype, message):
        super().__init__(message)
        self.etype = etype


class Context:
    def __init__(self, request_id, deadline_ms, arn):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


def main():
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, task_root)
    try:
        handler = load_handler()
    except HandlerError as e:
        report("/init/error", error_doc(e, e.etype))
        sys.exit(1)
    except Exception as e:
        report("/init/error", error_doc(e))
        sys.exit(1)

    while True:
        try:
            body, headers = call("GET", "/invocation/next")
        except (urllib.error.URLError, OSError) as e:
            print("[ERROR] runtime api unreachable: %s" % e, file=sys.stderr)
            sys.exit(1)
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        trace = headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        ctx = Context(request_id, int(headers.get("Lambda-Runtime-Deadline-Ms", "0")),
                      headers.get("Lambda-Runtime-Invoked-Function-Arn"))
        prefix = "/invocation/%s" % request_id
        try:
            event = json.loads(body) if body else {}
        except ValueError as e:
            report(prefix + "/error", error_doc(e, "Runtime.UnmarshalError"))
            continue
        try:
            result = handler(event, ctx)
        except Exception as e:
            doc = error_doc(e)
            doc["requestId"] = request_id
            report(prefix + "/error", doc)
            continue
        try:
            out = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            report(prefix + "/error", error_doc(Exception("Unable to marshal response: %s" % e), "Runtime.MarshalError"))
            continue
        post(prefix + "/response", out)


if __name__ == "__main__":
    main()
