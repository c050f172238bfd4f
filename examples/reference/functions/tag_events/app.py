"""A Firehose transform: each record is a JSON event; the function adds
the time Firehose received it and drops test events. A record that is not
JSON is returned as failed, and Firehose keeps it under the delivery's
error prefix."""

import base64
import datetime
import json


def handler(event, context):
    out = []
    for rec in event["records"]:
        try:
            doc = json.loads(base64.b64decode(rec["data"]))
        except ValueError:
            out.append({"recordId": rec["recordId"], "result": "ProcessingFailed", "data": rec["data"]})
            continue
        if doc.get("test"):
            out.append({"recordId": rec["recordId"], "result": "Dropped", "data": rec["data"]})
            continue
        received = datetime.datetime.fromtimestamp(rec["approximateArrivalTimestamp"] / 1000, datetime.timezone.utc)
        doc["received_at"] = received.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        data = base64.b64encode((json.dumps(doc) + "\n").encode()).decode()
        out.append({"recordId": rec["recordId"], "result": "Ok", "data": data})
    return {"records": out}
