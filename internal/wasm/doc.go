// Package wasm is a standard-library-only parser for WebAssembly binaries
// that tells core modules from component-model components, walks every
// section with strict bounds checks, and reports each nested code part
// (core modules and components, recursively) with its byte range in the
// top-level input and its sha256 digest.
//
// # The walk
//
// Parse reads the 8-byte preamble (magic, version, layer) and looks the
// (version, layer) pair up in a single explicit table (see [Sniff]):
// 01 00 00 00 is a core module, 0d 00 01 00 is a component, anything else is
// "unknown binary version". A core module is a leaf: its sections are walked
// for framing only (ids 0..13, sizes in bounds, core section order, custom
// section names valid UTF-8); its bodies are not validated.
//
// A component's sections may repeat and interleave in any order. Every
// section body is decoded against the Binary.md grammar as far as needed to
// reject malformed input: core instances (2), core types (3, including core
// module types and GC rec groups), instances (5), aliases (6), types (7,
// including component, instance and resource types and their declarations),
// canonical functions (8, with options), start (9), imports (10) and exports
// (11). Section ids 12 (value, not implemented anywhere) and above are
// rejected as "malformed section id". A section whose decoded contents do
// not end exactly at the section end is rejected.
//
// Sections 1 and 4 are not vectors: the payload is exactly one complete
// nested binary, including its own preamble. Section 1 must hold a core
// module and section 4 a component; each is walked recursively and reported
// as a [Part] whose path is "<parent>/module/<i>" or "<parent>/component/<i>",
// where i counts that kind within its parent in binary order. Offsets are
// always relative to the start of the top-level input, so for every part
// sha256(input[Offset:Offset+Size]) == Digest. Each part's range is hashed
// exactly once, after the walk succeeded, without copying.
//
// Only the top-level component's imports and exports are reported: nested
// imports are satisfied inside the composition, and anything left unsatisfied
// surfaces at the top level. An import of kind core module or component is
// code supplied by the host, not present in the artifact; [Extern.HostCode]
// flags it. So does an import of an instance whose type exports a core
// module or a component at any depth (the host can hand over code that the
// component aliases out and instantiates): the top-level component's type
// index space (type sections, imports and exports of types, aliases) and
// the index spaces of instance and component type declarations (outer
// aliases included) are followed to decide it, and an instance import
// whose type cannot be resolved (an alias of another instance's export, an
// index out of range, a type that is not an instance type) is flagged too.
// [Extern.HostCodeVia] says why.
//
// Extern names are reported as found; [ExternNameProblem] says whether a
// name and its attributes follow the component-model name grammar.
//
// # Limits
//
// The parser never panics on any input and never allocates in proportion to
// a length or count field before checking that field against the bytes that
// remain: every vector count is rejected with "unexpected end-of-file" when
// it exceeds the remaining bytes of its section (each element needs at least
// one byte), and names are slices of the input until they are reported.
// On top of that, [Limits] (see [DefaultLimits]) caps what a hostile but
// well-formed binary can make the parser do:
//
//   - MaxInputSize (1 GiB, wasmparser's MAX_WASM_MODULE_SIZE);
//   - MaxDepth (64): nesting of components/modules. wasmparser has no
//     nesting-depth limit for components, so a recursive walker must impose
//     its own; each level costs a Go stack frame chain and a part record;
//   - MaxParts (10,000): total parts in the tree, bounding output size;
//   - MaxHashFactor (10) and MinHashBudget (16 MiB): a part nested k deep is
//     hashed k+1 times as part of its ancestors' ranges, so 64 levels over
//     64 MiB would hash 4 GiB. The sum of all part sizes (the bytes hashed)
//     may not exceed max(10 × input size, 16 MiB); past it the binary is
//     rejected before anything is hashed. Real compositions nest a few
//     levels (wac plug: 2 to 4); 10 leaves room for the bulk of a binary
//     at depth 9;
//   - MaxTypes (1,000,000, wasmparser's MAX_WASM_TYPES): type definitions
//     tracked in the top-level component (see below);
//   - MaxModules and MaxComponents (1,000 per component, as wasmparser);
//   - MaxNameLength (100,000 bytes, wasmparser's MAX_WASM_STRING_SIZE);
//   - MaxImports and MaxExports (1,000,000 per component, as wasmparser),
//     bounding the memory spent on reported externs (a 5-byte import
//     becomes a ~100-byte record, so about 100 MB at the limit);
//   - MaxTypeNesting (100, wasmparser's MAX_WASM_COMPONENT_TYPE_DEPTH):
//     component and instance types nest inside each other and are decoded
//     recursively;
//   - MaxCustomSections (100,000 in the whole tree): each reported custom
//     section costs a record, while its encoding can be 3 bytes.
//
// Every limit violation is a [*ParseError] whose reason names the limit.
package wasm
