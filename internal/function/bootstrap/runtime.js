// tarn's runtime loop for nodejs functions: it speaks the Lambda Runtime
// API (AWS_LAMBDA_RUNTIME_API) and calls the handler named by _HANDLER
// ("file.export", the file may be "dir/file") from LAMBDA_TASK_ROOT:
// file.js or file.cjs through require, file.mjs (or ES module .js)
// through import(). Async and callback-style handlers both work.
// Standard library only.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const url = require('url');
const util = require('util');

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const BASE = '/2018-06-01/runtime';

function call(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: BASE + p, agent, headers: headers || {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function post(p, body, headers) {
  try {
    const res = await call('POST', p, body, Object.assign({ 'Content-Type': 'application/json' }, headers));
    if (res.status >= 300) {
      rawError(`runtime api refused ${p}: ${res.status} ${res.body.toString().slice(0, 500)}`);
    }
  } catch (e) {
    rawError(`runtime api unreachable: ${e.message}`);
  }
}

// Lines as Lambda's Node runtime prints them: time, request id, level.
let requestId = undefined;
const write = (stream, level, args) =>
  stream.write(`${new Date().toISOString()}\t${requestId || 'undefined'}\t${level}\t${util.format(...args).replace(/\n/g, '\r')}\n`);
console.log = (...a) => write(process.stdout, 'INFO', a);
console.info = (...a) => write(process.stdout, 'INFO', a);
console.debug = (...a) => write(process.stdout, 'DEBUG', a);
console.warn = (...a) => write(process.stderr, 'WARN', a);
console.error = (...a) => write(process.stderr, 'ERROR', a);
console.trace = (...a) => write(process.stderr, 'TRACE', a);
const rawError = (msg) => process.stderr.write(msg + '\n');

function errorDoc(err, type) {
  if (err instanceof Error) {
    return {
      errorType: type || err.name || (err.constructor && err.constructor.name) || 'Error',
      errorMessage: err.message,
      trace: String(err.stack || '').split('\n'),
    };
  }
  return { errorType: type || typeof err, errorMessage: typeof err === 'string' ? err : util.inspect(err), trace: [] };
}

async function report(p, doc) {
  write(process.stderr, 'ERROR', [`Invoke Error \t${JSON.stringify(doc)}`]);
  await post(p, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
}

class HandlerError extends Error {}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) {
    throw Object.assign(new HandlerError(`Bad handler ${spec}`), { type: 'Runtime.MalformedHandlerName' });
  }
  const file = spec.slice(0, dot);
  const names = spec.slice(dot + 1).split('.');
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const base = path.resolve(root, file);
  let mod;
  const found = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!found) {
    throw Object.assign(new HandlerError(`Error: Cannot find module '${file}'`), { type: 'Runtime.ImportModuleError' });
  }
  if (found.endsWith('.mjs')) {
    mod = await import(url.pathToFileURL(found).href);
  } else {
    try {
      mod = require(found);
    } catch (e) {
      if (e && e.code !== 'ERR_REQUIRE_ESM') throw e;
      mod = await import(url.pathToFileURL(found).href);
    }
  }
  let fn = mod;
  for (const n of names) fn = fn == null ? undefined : fn[n];
  if (fn === undefined && mod && mod.default) {
    fn = mod.default;
    for (const n of names) fn = fn == null ? undefined : fn[n];
  }
  if (typeof fn !== 'function') {
    throw Object.assign(new HandlerError(`${spec} is undefined or not exported`), { type: 'Runtime.HandlerNotFound' });
  }
  return fn;
}

function context(headers, id) {
  const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: id,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

// run calls the handler, whichever of the two styles it has.
function run(handler, event, ctx) {
  return new Promise((resolve, reject) => {
    const callback = (err, result) => (err != null ? reject(err) : resolve(result));
    let ret;
    try {
      ret = handler.length >= 3 ? handler(event, ctx, callback) : handler(event, ctx);
    } catch (e) {
      reject(e);
      return;
    }
    if (ret && typeof ret.then === 'function') {
      ret.then(resolve, reject);
    } else if (handler.length < 3) {
      resolve(ret);
    }
  });
}

let inFlight = null;

async function fatal(err) {
  // An error thrown outside the handler's promise: fail the invocation
  // in flight (or init) and exit, as Lambda does.
  const doc = errorDoc(err);
  if (inFlight) {
    await report(`/invocation/${inFlight}/error`, doc);
  } else {
    await report('/init/error', doc);
  }
  process.exit(129);
}
process.on('uncaughtException', fatal);
// Keep the process alive while a handler awaits something that never
// settles: it is then timed out, as on Lambda, rather than exiting.
setInterval(() => {}, 1 << 30);
process.on('unhandledRejection', fatal);

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    await report('/init/error', errorDoc(e, e.type || (e instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : undefined)));
    process.exit(1);
  }
  for (;;) {
    let next;
    try {
      next = await call('GET', '/invocation/next');
    } catch (e) {
      rawError(`runtime api unreachable: ${e.message}`);
      process.exit(1);
    }
    const id = next.headers['lambda-runtime-aws-request-id'];
    requestId = id;
    inFlight = id;
    if (next.headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
    const prefix = `/invocation/${id}`;
    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString()) : {};
    } catch (e) {
      await report(prefix + '/error', errorDoc(e, 'Runtime.UnmarshalError'));
      inFlight = null;
      continue;
    }
    try {
      const result = await run(handler, event, context(next.headers, id));
      const body = JSON.stringify(result === undefined ? null : result);
      inFlight = null;
      await post(prefix + '/response', body);
    } catch (e) {
      inFlight = null;
      await report(prefix + '/error', errorDoc(e));
    }
  }
}

main();
