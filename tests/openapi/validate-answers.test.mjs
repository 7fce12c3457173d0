// validate-answers.mjs on small recordings made here: it must fail when the description would
// refuse a request the server accepted, else a drifted description passes unnoticed.
//   node --test tests/openapi/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const spec = join(here, '..', '..', 'docs', 'openapi.yaml');
const foot = { operationTime: '2026-11-26 10:09:50', servicePhone: '400800400', host: 'vm', timezone: '+08:00' };
const chat = {
  chatId: 'c1', channel: 'shop', userId: 'u1', operatorId: null, statusCode: 1, status: '等待接待',
  messageCount: 0, createTime: '2026-11-26 10:09:50', updateTime: '2026-11-26 10:09:50', lastMessageTime: null,
  createTimestamp: 1795658990713, updateTimestamp: 1795658990713, ext: {},
};
const answer = (status, request, data = chat) => ({
  method: 'POST', path: '/op/v2/createChat', status, contentType: 'application/json; charset=utf-8',
  body: JSON.stringify({ code: status, message: status === 200 ? '成功' : '参数错误: userId', data, foot }),
  request,
});

function validate(answers, ...min) {
  const dir = mkdtempSync(join(tmpdir(), 'opchat-validate-'));
  try {
    const file = join(dir, 'answers.ndjson');
    writeFileSync(file, answers.map((a) => JSON.stringify(a) + '\n').join(''));
    return spawnSync(process.execPath, [join(here, 'validate-answers.mjs'), spec, file, ...min], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an accepted request that matches its schema passes and is counted', () => {
  const run = validate([answer(200, '{"userId":"u1","ext":{"a":1}}')], '1', '1');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /1 answers and 1 requests of 1 recorded match/);
});

test('an accepted request the schema refuses fails', () => {
  const run = validate([answer(200, '{"userId":"u1","extra":true}')]);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /POST \/op\/v2\/createChat request .*extra/);
});

test('a refused, absent or non-JSON request is not checked', () => {
  const run = validate([answer(400, '{"extra":true}', null), answer(200, undefined), answer(200, 'not json')], '3', '0');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /3 answers and 0 requests of 3 recorded/);
});

test('fewer requests than MIN_REQUESTS fail', () => {
  const run = validate([answer(200, undefined)], '1', '1');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /only 0 JSON requests checked/);
});
