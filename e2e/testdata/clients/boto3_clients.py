"""boto3 against tarn: S3, Kinesis, Glue and Athena calls with the client's
defaults, S3 again with signature_version "s3" (SigV2 headers), and
presigned URLs as the version presigns them when nothing is configured.

Run by e2e/boto3_test.go with Debian's python3-boto3:
    /usr/bin/python3 boto3_clients.py ENDPOINT NAME
with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, over TLS, AWS_CA_BUNDLE
in the environment. It prints "ok <step> <detail>" per call and, last, one
line of JSON with the presigned URLs for the test to fetch.
"""
import json
import os
import sys
import time

import boto3
import botocore
from botocore.config import Config

endpoint, name = sys.argv[1], sys.argv[2]
region = "us-east-1"


def ok(step, detail=""):
    print(f"ok {step} {detail}".rstrip(), flush=True)


def client(service, **kw):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, **kw)


def check(cond, what):
    if not cond:
        raise SystemExit(f"check failed: {what}")


ok("versions", f"boto3 {boto3.__version__} botocore {botocore.__version__}")

# S3 with the defaults: SigV4 headers.
s3 = client("s3")
s3.create_bucket(Bucket=name)
body = b"hello from boto3\n"
s3.put_object(Bucket=name, Key="dir/hello.txt", Body=body, ContentType="text/plain")
got = s3.get_object(Bucket=name, Key="dir/hello.txt")["Body"].read()
check(got == body, f"get_object {got!r}")
keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name, Prefix="dir/").get("Contents", [])]
check(keys == ["dir/hello.txt"], f"list_objects_v2 {keys}")
ok("s3", ",".join(keys))

# S3 signed with Signature Version 2 headers.
v2 = client("s3", config=Config(signature_version="s3"))
v2.put_object(Bucket=name, Key="v2/a b+c.txt", Body=b"signed with v2\n", ContentType="text/plain",
              Metadata={"origin": "boto3"})
head = v2.head_object(Bucket=name, Key="v2/a b+c.txt")
check(head["Metadata"].get("origin") == "boto3", f"head_object metadata {head['Metadata']}")
got = v2.get_object(Bucket=name, Key="v2/a b+c.txt")["Body"].read()
check(got == b"signed with v2\n", f"v2 get_object {got!r}")
keys = [o["Key"] for o in v2.list_objects_v2(Bucket=name, Prefix="v2/").get("Contents", [])]
check(keys == ["v2/a b+c.txt"], f"v2 list_objects_v2 {keys}")
v2.head_bucket(Bucket=name)
v2.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "v2/a b+c.txt"}]})
check(v2.list_objects_v2(Bucket=name, Prefix="v2/").get("KeyCount") == 0, "v2 delete_objects")
ok("s3 sigv2", "put,head,get,list,delete")

# Presigned URLs as this boto3 makes them by default.
presigned = s3.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "dir/hello.txt"}, ExpiresIn=300)
wrong = boto3.client("s3", endpoint_url=endpoint, region_name=region, aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key="not-the-secret").generate_presigned_url(
    "get_object", Params={"Bucket": name, "Key": "dir/hello.txt"}, ExpiresIn=300)
short = s3.generate_presigned_url("get_object", Params={"Bucket": name, "Key": "dir/hello.txt"}, ExpiresIn=1)
ok("presign", "sigv2" if "AWSAccessKeyId=" in presigned else "sigv4")

# Kinesis.
kin = client("kinesis")
kin.create_stream(StreamName=name, ShardCount=1)
status = ""
for _ in range(100):
    status = kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"]
    if status == "ACTIVE":
        break
    time.sleep(0.1)
check(status == "ACTIVE", f"stream status {status}")
put = kin.put_record(StreamName=name, PartitionKey="pk", Data=b"from boto3")
it = kin.get_shard_iterator(StreamName=name, ShardId=put["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
records = kin.get_records(ShardIterator=it)["Records"]
check([r["Data"] for r in records] == [b"from boto3"], f"get_records {records}")
check(name in kin.list_streams()["StreamNames"], "list_streams")
ok("kinesis", put["ShardId"])

# Glue.
glue = client("glue")
db = name.replace("-", "_")
glue.create_database(DatabaseInput={"Name": db, "Description": "made by boto3"})
check(glue.get_database(Name=db)["Database"]["Description"] == "made by boto3", "get_database")
check(db in [d["Name"] for d in glue.get_databases()["DatabaseList"]], "get_databases")
ok("glue", db)

# Athena.
athena = client("athena")
qid = athena.start_query_execution(QueryString="SELECT 41 + 1 AS answer",
                                   ResultConfiguration={"OutputLocation": f"s3://{name}/athena/"})["QueryExecutionId"]
state = ""
for _ in range(600):
    state = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
    if state not in ("QUEUED", "RUNNING"):
        break
    time.sleep(0.1)
check(state == "SUCCEEDED", f"query state {state}")
rows = athena.get_query_results(QueryExecutionId=qid)["ResultSet"]["Rows"]
cells = [[d.get("VarCharValue") for d in r["Data"]] for r in rows]
check(cells == [["answer"], ["42"]], f"query results {cells}")
ok("athena", qid)

print(json.dumps({"presigned": presigned, "wrong_secret": wrong, "short": short}))
