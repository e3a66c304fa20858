// describe.mjs: structure of the fixtures as jco (wasm-tools/wasmparser)
// reports it, for the README and as golden data for other decoders.
//
// For every nested core module and component it takes the exact byte range
// that `jco metadata-show --json` reports for the section-1 / section-4
// payload and hashes it; top-level imports and exports are read from the
// two-space-indented `(import …)` / `(export …)` lines of `jco print`.
// Nothing here decodes the binary format itself. Names come from the
// advisory `name` / `component-name` custom sections and may be absent.
//
// Usage (from examples/):
//   node describe.mjs FILE.wasm...          human-readable tree
//   node describe.mjs --json FILE.wasm...   JSON, as in fixtures/structure.json
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const jco = join(fileURLToPath(new URL('.', import.meta.url)), 'node_modules', '.bin', 'jco');
const jcoOut = (...args) =>
  execFileSync(jco, args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

function describe(file) {
  const bytes = readFileSync(file);
  const meta = JSON.parse(jcoOut('metadata-show', '--json', file));
  // meta[0] is the file itself; the others are in pre-order with parentIndex.
  const nodes = meta.map((m, i) => {
    const kind = m.metaType.tag;
    const [start, end] = m.range;
    const node = { kind, offset: start, size: end - start, sha256: sha256(bytes.subarray(start, end)) };
    if (m.name !== undefined) node.name = m.name;
    return i === 0 ? { ...node, path: kind, depth: 0 } : { ...node, parent: m.parentIndex };
  });
  for (let i = 1; i < nodes.length; i++) {
    const p = nodes[nodes[i].parent];
    const idx = nodes.slice(1, i).filter((n) => n.parent === nodes[i].parent && n.kind === nodes[i].kind).length;
    nodes[i].path = `${i === 1 || nodes[i].parent === 0 ? '' : p.path + '/'}${nodes[i].kind}[${idx}]`;
    nodes[i].depth = p.depth + 1;
  }
  const wat = jcoOut('print', file).split('\n');
  const imports = [], exports = [];
  const isCore = nodes[0].kind === 'module';
  for (const l of wat) {
    let m;
    if (isCore && (m = l.match(/^  \(import "([^"]*)" "([^"]*)" \((\w+)/))) {
      imports.push({ name: `${m[1]}/${m[2]}`, kind: m[3] });
    } else if (!isCore && (m = l.match(/^  \(import "([^"]*)"(?: \(implements "([^"]*)"\))? \((core module|\w+)/))) {
      imports.push({ name: m[1], kind: m[3], ...(m[2] ? { implements: m[2] } : {}) });
    } else if ((m = l.match(/^  \(export (?:\$\S+ )?(?:\(;\d+;\) )?"([^"]*)"(?: \(implements "([^"]*)"\))? \((core module|\w+)/))) {
      exports.push({ name: m[1], kind: m[3], ...(m[2] ? { implements: m[2] } : {}) });
    }
  }
  // metadata-show leaves out some names (e.g. those jco new writes); take the
  // depth-1 ones from `jco print` when missing.
  // Count definitions in order: the (;N;) index would also count imports.
  const seen = { module: 0, component: 0 };
  for (const l of wat) {
    const m = l.match(/^  \((core module|component)(?: \$(\S+))?(?: \(;\d+;\))?$/);
    if (!m) continue;
    const kind = m[1] === 'core module' ? 'module' : 'component';
    const path = `${kind}[${seen[kind]++}]`;
    if (m[2] === undefined) continue;
    const n = nodes.find((x) => x.path === path);
    if (n && n.name === undefined) n.name = m[2];
  }
  const parts = nodes.slice(1).sort((a, b) => a.offset - b.offset).map(({ parent, ...n }) => n);
  const { path, depth, offset, ...top } = nodes[0];
  return {
    file: basename(file), ...top,
    modules: parts.filter((p) => p.kind === 'module').length,
    components: parts.filter((p) => p.kind === 'component').length,
    maxDepth: Math.max(0, ...parts.map((p) => p.depth)),
    imports, exports, parts,
  };
}

const args = process.argv.slice(2);
const json = args[0] === '--json';
const files = json ? args.slice(1) : args;
const all = files.map(describe);
if (json) {
  process.stdout.write(JSON.stringify(all, null, 2) + '\n');
} else {
  const n = (x) => x.toLocaleString('en-US');
  for (const d of all) {
    console.log(`${d.file}: ${d.kind}, ${n(d.size)} B, sha256 ${d.sha256}`);
    console.log(`  ${d.modules} nested core module(s), ${d.components} nested component(s), depth ${d.maxDepth}`);
    for (const i of d.imports) console.log(`  import ${i.kind} "${i.name}"${i.implements ? ` (implements "${i.implements}")` : ''}`);
    for (const e of d.exports) console.log(`  export ${e.kind} "${e.name}"${e.implements ? ` (implements "${e.implements}")` : ''}`);
    for (const p of d.parts) {
      console.log(`  ${'  '.repeat(p.depth - 1)}${p.path.padEnd(40 - 2 * (p.depth - 1))} ${n(p.size).padStart(10)} B  @${p.offset}  ${p.sha256.slice(0, 16)}…${p.name ? `  (${p.name})` : ''}`);
    }
    console.log();
  }
}
