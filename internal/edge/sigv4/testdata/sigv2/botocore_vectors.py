"""Prints requests signed by botocore's SigV2 signers, for sigv2_test.go:
the signers on hand-made requests (HmacV1Auth, HmacV1QueryAuth), and an S3
client with signature_version "s3" whose requests are caught before they
are sent, presigned URLs included.

    /usr/bin/python3 botocore_vectors.py > botocore-1.29.json  # Debian 12's python3-boto3
    python3 botocore_vectors.py > botocore-1.43.json           # a newer botocore
"""
import json
import sys
from urllib.parse import urlsplit

import boto3
import botocore
from botocore.auth import HmacV1Auth, HmacV1QueryAuth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config
from botocore.credentials import Credentials

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
NOW = 1369353600  # 2013-05-24T00:00:00Z, the SigV4 tests' clock
DATE = "Fri, 24 May 2013 00:00:00 GMT"
EXPIRES = 300

# The clock of both signers, fixed.
HmacV1Auth._get_date = lambda self: DATE
HmacV1QueryAuth._get_date = lambda self: str(NOW + int(self._expires))


def entry(name, method, url, headers):
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return {"name": name, "method": method, "host": parts.netloc, "target": target,
            "headers": [[k, v.decode() if isinstance(v, bytes) else v] for k, v in headers.items()]}


def signed(name, signer, method, url, headers=(), auth_path=None):
    req = AWSRequest(method=method, url=url, headers=dict(headers))
    if auth_path is not None:
        req.auth_path = auth_path
    signer.add_auth(req)
    return entry(name, method, req.url, req.headers)


creds = Credentials(AKID, SECRET)
header = HmacV1Auth(creds)
query = HmacV1QueryAuth(creds, expires=EXPIRES)
base = "http://127.0.0.1:9800"
out = [
    signed("get", header, "GET", base + "/bucket/dir/key.txt"),
    signed("put with md5, type and x-amz headers", header, "PUT", base + "/bucket/up.bin", [
        ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
        ("Content-Type", "application/octet-stream"),
        ("x-amz-meta-Reviewer", " joe "),
        ("X-Amz-Acl", "private"),
        ("x-amz-meta-checksum", "0x02661779"),
    ]),
    signed("subresources and plain parameters", header, "GET",
           base + "/bucket/key?versionId=3%2F4&response-content-type=text%2Fplain&prefix=p&list-type=2"),
    signed("upload part", header, "PUT", base + "/bucket/big.bin?uploadId=abc%3D&partNumber=2"),
    signed("list buckets", header, "GET", base + "/"),
    signed("escaped key", header, "GET", base + "/bucket/a%20b/%E2%82%AC%2Bx~y"),
    signed("virtual host", header, "GET", "http://bucket.localhost:9800/k.txt?acl", auth_path="/bucket/k.txt"),
    signed("presigned get", query, "GET", base + "/bucket/dir/key.txt"),
    signed("presigned get with overrides", query, "GET",
           base + "/bucket/key?response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22"),
    signed("presigned put with type", query, "PUT", base + "/bucket/up.txt", [
        ("Content-Type", "text/plain"),
        ("x-amz-meta-k", "v"),
    ]),
]

# An S3 client as an application makes it, its requests caught unsent.
s3 = boto3.client("s3", endpoint_url=base, region_name="us-east-1", aws_access_key_id=AKID,
                  aws_secret_access_key=SECRET, config=Config(signature_version="s3"))
caught = []


def catch(request, **kwargs):
    caught.append(request)
    return AWSResponse(request.url, 200, {}, None)


s3.meta.events.register("before-send.s3", catch)
calls = [
    ("create_bucket", {}), ("head_bucket", {}), ("list_objects", {}),
    ("list_objects_v2", {"Prefix": "p/"}), ("get_bucket_acl", {}), ("get_bucket_location", {}),
    ("delete_objects", {"Delete": {"Objects": [{"Key": "a"}]}}),
    ("put_object", {"Key": "k.txt", "Body": b"hello", "ContentType": "text/plain"}),
    ("get_object", {"Key": "dir/k 1.txt"}), ("head_object", {"Key": "k.txt"}),
    ("create_multipart_upload", {"Key": "big"}),
    ("upload_part", {"Key": "big", "UploadId": "u1", "PartNumber": 1, "Body": b"x"}),
    ("get_object_tagging", {"Key": "k.txt"}),
]
for op, params in calls:
    caught.clear()
    try:
        getattr(s3, op)(Bucket="bucket", **params)
    except Exception:
        pass  # the empty reply does not parse; the request was caught
    req = caught[0]
    out.append(entry("client " + op, req.method, req.url, req.headers))

for op, params, method in [("get_object", {"Key": "dir/k 1.txt"}, "GET"),
                           ("put_object", {"Key": "up.txt"}, "PUT"),
                           ("list_objects_v2", {}, "GET")]:
    url = s3.generate_presigned_url(op, Params=dict(Bucket="bucket", **params), ExpiresIn=EXPIRES)
    out.append(entry("client presigned " + op, method, url, {}))
# With no signature_version set, a presigned URL is what the version's default gives.
default = boto3.client("s3", endpoint_url=base, region_name="us-east-1", aws_access_key_id=AKID,
                       aws_secret_access_key=SECRET)
url = default.generate_presigned_url("get_object", Params={"Bucket": "bucket", "Key": "k.txt"}, ExpiresIn=EXPIRES)
if "AWSAccessKeyId=" in url:
    out.append(entry("default presigned get_object", "GET", url, {}))

json.dump({"botocore": botocore.__version__, "secret": SECRET, "now": NOW, "vectors": out}, sys.stdout, indent=1)
sys.stdout.write("\n")
