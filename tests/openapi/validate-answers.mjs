// Validates answers recorded by the tests (OPCHAT_RECORD_ANSWERS, one NDJSON line per answer:
// {method, path, status, contentType, body, request?}: the integration tests' recorder and
// record-proxy.mjs write them) against docs/openapi.yaml, and the bodies of the webhook deliveries
// they received ({kind: "webhook", body}) against its WebhookPayload.
//
//   node validate-answers.mjs OPENAPI_YAML ANSWERS_NDJSON [MIN_ANSWERS [MIN_REQUESTS]]
//
// Each answer is checked against the schema of its path, method and status (an unknown path, or
// a method the path does not describe, must be an error envelope). The JSON request body of a 2xx
// answer is checked against the operation's request schema: a request the server accepted but
// the description refuses means the description drifted. Exits 1 listing every mismatch (one per
// distinct endpoint, status and error), also when fewer than MIN_ANSWERS (default 1) answers or
// MIN_REQUESTS (default 0) requests were checked: an empty recording would otherwise pass.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

const [specPath, answersPath, minArg, minRequestsArg] = process.argv.slice(2);
if (!specPath || !answersPath) {
  console.error('usage: validate-answers.mjs OPENAPI_YAML ANSWERS_NDJSON [MIN_ANSWERS [MIN_REQUESTS]]');
  process.exit(2);
}
const spec = YAML.parse(readFileSync(specPath, 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
// The whole description as one schema, so '#/components/...' references resolve inside it.
ajv.addSchema(spec, 'openapi');

const validators = new Map();
function validatorFor(pointer) {
  if (!validators.has(pointer)) validators.set(pointer, ajv.getSchema(`openapi#${pointer}`));
  return validators.get(pointer);
}
const escape = (s) => s.replaceAll('~', '~0').replaceAll('/', '~1');

// The JSON pointer of the schema that an answer must match, or an explanation why none exists.
function schemaPointer(path, method, status) {
  const item = spec.paths[path];
  // The probes answer any method; only GET is described.
  const op = item?.[method.toLowerCase()] ?? (path.startsWith('/op/v2/') ? undefined : item?.get);
  if (!op) {
    // Unknown endpoint, or a method the endpoint does not take (405): the error envelope.
    return status === 200 ? { missing: `200 from ${method} ${path}, which is not described` }
                          : { pointer: '/components/schemas/ErrorAnswer' };
  }
  const described = item[method.toLowerCase()] ? method.toLowerCase() : 'get';
  let base = `/paths/${escape(path)}/${described}/responses/${status}`;
  let response = op.responses?.[String(status)];
  if (!response) return { missing: `status ${status} is not described for ${method} ${path}` };
  if (response.$ref) {
    base = response.$ref.slice(1);
    response = base.split('/').slice(1).reduce((o, k) => o[k], spec);
  }
  if (!response.content?.['application/json']) return { skip: true };
  return { pointer: `${base}/content/application~1json/schema` };
}

// The JSON pointer of the request body schema of an operation, or undefined when it has none.
// Only the method itself counts: the probes' GET fallback takes no body.
function requestPointer(path, method) {
  const described = method.toLowerCase();
  let body = spec.paths[path]?.[described]?.requestBody;
  if (!body) return undefined;
  let base = `/paths/${escape(path)}/${described}/requestBody`;
  if (body.$ref) {
    base = body.$ref.slice(1);
    body = base.split('/').slice(1).reduce((o, k) => o[k], spec);
  }
  if (!body.content?.['application/json']?.schema) return undefined;
  return `${base}/content/application~1json/schema`;
}

const describeErrors = (errors) => errors.map((e) => `${e.instancePath || '/'} ${e.message}` +
  (e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''));

// A request body the server accepted (2xx) must match the description; a refused one is the
// server's business (the error answer itself is checked above). Absent or non-JSON: skipped.
function checkRequest(a) {
  if (a.status < 200 || a.status > 299 || typeof a.request !== 'string' || a.request === '') return;
  const pointer = requestPointer(a.path, a.method);
  if (!pointer) return;
  let request;
  try {
    request = JSON.parse(a.request);
  } catch {
    return;
  }
  const validate = validatorFor(pointer);
  requests += 1;
  if (!validate(request)) {
    const errors = describeErrors(validate.errors);
    report(`${a.method} ${a.path} request ${errors.join('; ')}`,
      `schema ${pointer}: ${errors.join('; ')}\n      request (answered ${a.status}): ${a.request.slice(0, 300)}`);
  }
}

const lines = readFileSync(answersPath, 'utf8').split('\n').filter((l) => l.trim() !== '');
const problems = new Map();  // one entry per distinct endpoint/status/error, with a count
let checked = 0;
let requests = 0;
function report(key, detail) {
  const p = problems.get(key) ?? { count: 0, detail };
  p.count += 1;
  problems.set(key, p);
}
for (const line of lines) {
  const a = JSON.parse(line);
  if (a.kind === 'webhook') {
    // A webhook delivery's body, received by the tests' receiver.
    const validate = validatorFor('/components/schemas/WebhookPayload');
    checked += 1;
    if (!validate(JSON.parse(a.body))) {
      const errors = validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`);
      report(`webhook ${errors.join('; ')}`, `WebhookPayload: ${errors.join('; ')}\n      body: ${a.body.slice(0, 300)}`);
    }
    continue;
  }
  // Only the API's own paths; anything else the tests fetch (e.g. hostile targets) must still be
  // a JSON error envelope when it is JSON.
  checkRequest(a);
  const isJson = (a.contentType ?? '').startsWith('application/json');
  const where = schemaPointer(a.path, a.method, a.status);
  if (where.skip) continue;
  const label = `${a.method} ${a.path} ${a.status}`;
  if (!isJson) {
    report(`${label} not JSON`, `answer is ${a.contentType || 'without Content-Type'}: ${a.body.slice(0, 120)}`);
    continue;
  }
  if (where.missing) {
    report(`${label} missing`, where.missing);
    continue;
  }
  let body;
  try {
    body = JSON.parse(a.body);
  } catch (e) {
    report(`${label} invalid JSON`, `${e.message}: ${a.body.slice(0, 120)}`);
    continue;
  }
  const validate = validatorFor(where.pointer);
  checked += 1;
  if (!validate(body)) {
    const errors = describeErrors(validate.errors);
    report(`${label} ${errors.join('; ')}`, `schema ${where.pointer}: ${errors.join('; ')}\n      answer: ${a.body.slice(0, 300)}`);
  }
}

const min = Number(minArg ?? 1);
if (checked < min) {
  console.error(`validate-answers: only ${checked} JSON answers checked, expected at least ${min}`);
  process.exit(1);
}
const minRequests = Number(minRequestsArg ?? 0);
if (requests < minRequests) {
  console.error(`validate-answers: only ${requests} JSON requests checked, expected at least ${minRequests}`);
  process.exit(1);
}
if (problems.size > 0) {
  console.error(`validate-answers: ${problems.size} kinds of answers do not match ${specPath}:`);
  const shown = [...problems].slice(0, 20);
  for (const [key, p] of shown) console.error(`  ${key.split(' ').slice(0, 3).join(' ')} (${p.count}x): ${p.detail}`);
  if (problems.size > shown.length) console.error(`  ... and ${problems.size - shown.length} more`);
  process.exit(1);
}
console.log(`validate-answers: ${checked} answers and ${requests} requests of ${lines.length} recorded match ${specPath}`);
