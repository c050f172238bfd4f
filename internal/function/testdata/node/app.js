// Handlers for the function package's tests.
const { spawn } = require('child_process');

exports.echo = async (event) => event;

exports.callback = (event, context, callback) => {
  setTimeout(() => callback(null, { via: 'callback', name: context.functionName, event }), 1);
};

exports.callbackError = (event, context, callback) => callback(new TypeError('callback failed'));

exports.fail = async () => {
  throw new RangeError('out of range');
};

exports.hang = async () => {
  console.log('hanging');
  await new Promise(() => {});
};

exports.fork = async (event) => {
  spawn('sleep', [String(event.sleep)], { stdio: 'inherit' });
  return process.pid;
};

exports.log = async (event, context) => {
  console.log('hello from', context.awsRequestId);
  return context.getRemainingTimeInMillis() > 0;
};

exports.big = async () => 'x'.repeat(7 << 20);
