// smoke.mjs: load and run the fixtures, as a check that they are not only
// well-formed but valid and executable. `jco wit` decodes and validates the
// component layer, but does not validate core function bodies; transpiling
// with jco and instantiating the core modules in node does.
//
// Usage (from examples/): node smoke.mjs [fixtures-dir]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = fileURLToPath(new URL('.', import.meta.url));
const jco = join(here, 'node_modules', '.bin', 'jco');
const dir = resolve(process.argv[2] ?? join(here, 'fixtures'));
const work = mkdtempSync(join(tmpdir(), 'ratify-wasm-smoke-'));
let passed = 0, failed = 0;

const run = (args, opts = {}) =>
  execFileSync(jco, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });

async function load(name) {
  const out = join(work, name);
  run(['transpile', join(dir, `${name}.wasm`), '-o', out, '--name', name,
       '--instantiation', 'async', '--base64-cutoff', '0', '--quiet']);
  const cores = readdirSync(out).filter((f) => f.endsWith('.wasm'));
  for (const f of cores) await WebAssembly.compile(readFileSync(join(out, f))); // validates bodies
  const { instantiate } = await import(pathToFileURL(join(out, `${name}.js`)).href);
  return (imports) => instantiate(async (p) => WebAssembly.compile(readFileSync(join(out, p))), imports);
}

class OutputStream {}
class TcpSocket {}
class Bucket {}
const stdio = {
  'wasi:io/streams': { OutputStream },
  'wasi:cli/stdout': { getStdout: () => new OutputStream() },
};

const checks = {
  async nested() {
    const api = (await (await load('nested'))(stdio))['ratify:example/answer@0.1.0'];
    assert.equal(api.answer(), 42);
    assert.equal(api.run(), 0);
  },
  async sockets() {
    const api = (await (await load('sockets'))({ ...stdio, 'wasi:sockets/tcp': { TcpSocket } }))['ratify:example/answer@0.1.0'];
    assert.equal(api.answer(), 42);
    assert.equal(api.run(), 0);
    api.close(new TcpSocket());
  },
  async plug() {
    let calls = 0;
    const root = await (await load('plug'))({ 'wasi:random/random': { getRandomU64: () => (calls++, 4n) } });
    root['wasi:cli/run@0.2.0'].run(); // result::ok, throws on err
    assert.equal(calls, 1);
  },
  async 'plug-greeter'() {
    const root = await (await load('plug-greeter'))({});
    assert.equal(root['ratify:example/greeter@0.1.0'].greet(), 7);
  },
  async 'plug-socket'() {
    const root = await (await load('plug-socket'))({
      'ratify:example/greeter': { greet: () => 7 },
      'wasi:random/random': { getRandomU64: () => 4n },
    });
    root['wasi:cli/run@0.2.0'].run();
  },
  async implements() {
    const root = await (await load('implements'))({ primary: { Bucket }, secondary: { Bucket } });
    assert.equal(root['ratify:example/answer@0.1.0'].run(new Bucket(), new Bucket()), 0);
  },
  async hostcode() {
    // jco cannot transpile components that import code; check the text form.
    const wat = run(['print', join(dir, 'hostcode.wasm')]);
    assert.match(wat, /\(import "helper-module" \(core module /);
    assert.match(wat, /\(import "helper-component" \(component /);
  },
  async 'hello.component'() {
    const out = run(['run', join(dir, 'hello.component.wasm'), 'alice', 'x', 'y']);
    assert.equal(out, 'hello, alice, from ratify-wasm\nargs: x y\n');
    const env = run(['run', join(dir, 'hello.component.wasm')], { env: { ...process.env, HELLO_NAME: 'bob' } });
    assert.equal(env, 'hello, bob, from ratify-wasm\n');
  },
  async 'hello.core'() {
    await WebAssembly.compile(readFileSync(join(dir, 'hello.core.wasm')));
  },
};

for (const [name, fn] of Object.entries(checks)) {
  try { await fn(); passed++; console.log(`ok   ${name}`); }
  catch (e) { failed++; console.log(`FAIL ${name}: ${e.stack ?? e}`); }
}
rmSync(work, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
