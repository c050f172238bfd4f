# A Python function for the end-to-end tests: it echoes its event, fails
# on {"fail": "why"}, and writes each S3 event it gets into the results
# bucket with boto3 (the machine's), through the endpoint tarn gives it.
import os
import urllib.parse


def handler(event, context):
    if event.get("fail"):
        raise RuntimeError(event["fail"])
    records = event.get("Records")
    if not records:
        return {"echo": event, "function": context.function_name}
    import boto3

    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    for r in records:
        key = urllib.parse.unquote_plus(r["s3"]["object"]["key"])
        body = "%s %s %s %d %s" % (r["eventName"], r["s3"]["bucket"]["name"], key, r["s3"]["object"]["size"], r["s3"]["object"]["key"])
        s3.put_object(Bucket="results", Key="py/" + key, Body=body.encode())
    return len(records)
