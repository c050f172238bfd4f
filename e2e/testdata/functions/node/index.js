// A Node function for the end-to-end tests: it echoes its event, fails on
// {"fail": "why"}, and logs each S3 event it gets (the machine's Node has
// no AWS SDK; the test reads the function's log).
exports.handler = async (event, context) => {
  if (event.fail) {
    throw new Error(event.fail);
  }
  if (!event.Records) {
    return { echo: event, function: context.functionName };
  }
  for (const r of event.Records) {
    const key = decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '));
    console.log(`S3EVENT ${r.eventName} ${r.s3.bucket.name} ${key} ${r.s3.object.size} ${r.s3.object.key}`);
  }
  return event.Records.length;
};
