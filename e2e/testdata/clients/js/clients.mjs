// The AWS SDK for JavaScript v3 against tarn, each client with its default
// HTTP handler: S3's speaks HTTP/1.1, Kinesis's HTTP/2 only (h2c on an
// http:// endpoint, h2 through ALPN on https://). Run by e2e/jsclients_test.go:
//
//   TARN_ENDPOINT=http://127.0.0.1:9800 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... node clients.mjs NAME
//
// It prints one "ok <step> <detail>" line per call and exits non-zero on
// the first failure.
import { Buffer } from "node:buffer";
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import {
  KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordCommand,
  PutRecordsCommand, GetShardIteratorCommand, GetRecordsCommand, ListStreamsCommand,
} from "@aws-sdk/client-kinesis";

const endpoint = process.env.TARN_ENDPOINT;
const name = process.argv[2] ?? "js-clients";
const region = "us-east-1";

function ok(step, detail = "") {
  console.log(`ok ${step} ${detail}`.trimEnd());
}

function check(cond, what) {
  if (!cond) {
    throw new Error(`check failed: ${what}`);
  }
}

async function s3Steps() {
  const s3 = new S3Client({ endpoint, region, forcePathStyle: true });
  ok("s3-handler", s3.config.requestHandler.constructor.name);
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  ok("CreateBucket", name);

  const small = "hello from the AWS SDK for JavaScript v3\n";
  await s3.send(new PutObjectCommand({ Bucket: name, Key: "dir/small.txt", Body: small, ContentType: "text/plain" }));
  const big = Buffer.alloc(1 << 20);
  for (let i = 0; i < big.length; i++) {
    big[i] = (i * 31 + 7) & 0xff;
  }
  await s3.send(new PutObjectCommand({ Bucket: name, Key: "dir/big.bin", Body: big }));
  ok("PutObject", "2");

  const got = await s3.send(new GetObjectCommand({ Bucket: name, Key: "dir/small.txt" }));
  const text = await got.Body.transformToString();
  check(text === small, `GetObject body ${JSON.stringify(text)}`);
  const gotBig = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: name, Key: "dir/big.bin" }))).Body.transformToByteArray());
  check(gotBig.equals(big), `GetObject of 1 MiB: ${gotBig.length} bytes back`);
  ok("GetObject", `${text.length}+${gotBig.length}`);

  const list = await s3.send(new ListObjectsV2Command({ Bucket: name, Prefix: "dir/" }));
  const keys = (list.Contents ?? []).map((o) => o.Key).sort();
  check(JSON.stringify(keys) === JSON.stringify(["dir/big.bin", "dir/small.txt"]), `ListObjectsV2 keys ${keys}`);
  ok("ListObjectsV2", keys.join(","));
}

async function kinesisSteps() {
  const kin = new KinesisClient({ endpoint, region });
  ok("kinesis-handler", kin.config.requestHandler.constructor.name);
  await kin.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  ok("CreateStream", name);

  let status = "";
  for (let i = 0; i < 100 && status !== "ACTIVE"; i++) {
    const d = await kin.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    status = d.StreamDescriptionSummary.StreamStatus;
    if (status !== "ACTIVE") {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  check(status === "ACTIVE", `stream status ${status}`);
  ok("DescribeStreamSummary", status);

  const enc = new TextEncoder();
  const one = await kin.send(new PutRecordCommand({ StreamName: name, PartitionKey: "pk-0", Data: enc.encode("record-0") }));
  check(one.ShardId && one.SequenceNumber, "PutRecord result");
  ok("PutRecord", one.ShardId);

  const batch = await kin.send(new PutRecordsCommand({
    StreamName: name,
    Records: [1, 2, 3].map((i) => ({ PartitionKey: `pk-${i}`, Data: enc.encode(`record-${i}`) })),
  }));
  check(batch.FailedRecordCount === 0 && batch.Records.length === 3, `PutRecords ${JSON.stringify(batch)}`);
  ok("PutRecords", String(batch.Records.length));

  const it = await kin.send(new GetShardIteratorCommand({ StreamName: name, ShardId: one.ShardId, ShardIteratorType: "TRIM_HORIZON" }));
  let iterator = it.ShardIterator;
  ok("GetShardIterator");
  const dec = new TextDecoder();
  const seen = [];
  for (let i = 0; i < 20 && seen.length < 4 && iterator; i++) {
    const res = await kin.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
    for (const r of res.Records) {
      seen.push(dec.decode(r.Data));
    }
    iterator = res.NextShardIterator;
  }
  check(JSON.stringify(seen) === JSON.stringify(["record-0", "record-1", "record-2", "record-3"]), `GetRecords ${seen}`);
  ok("GetRecords", seen.join(","));

  const streams = await kin.send(new ListStreamsCommand({}));
  check(streams.StreamNames.includes(name), `ListStreams ${streams.StreamNames}`);
  ok("ListStreams", name);
}

try {
  await s3Steps();
  await kinesisSteps();
  console.log("done");
} catch (err) {
  console.error(`FAILED: ${err.name}: ${err.message}`);
  if (err.$metadata) {
    console.error(`metadata: ${JSON.stringify(err.$metadata)}`);
  }
  process.exit(1);
}
