// Package admitted lets a host that loads WebAssembly itself (a Wasmtime or
// wazero embedder, Spin, wasmCloud) check that the bytes it is about to
// compile are the bytes Ratify verified.
//
// `ratify-wasm pull REFERENCE --config ratify.json -o DIR` verifies a WASM
// OCI artifact with Ratify, writes every WASM layer, fetched by the verified
// digest, as DIR/sha256-<hex>.wasm (LayerFileName), and writes one Record of
// what was verified as DIR/sha256-<manifest hex>.verified.json (RecordName).
// This package owns that format: pull writes it with WriteRecord, hosts read
// it with ReadRecord or LoadLayer.
//
// Between pull and the host's load, the file on disk can be replaced (a
// deploy script copying the wrong build, a shared volume, an attacker with
// write access to the directory). ReadFile and LoadLayer read the file once,
// hash it while reading and return the bytes only when their size and
// digest are the admitted ones. The host must compile exactly those bytes
// and never open the path again: checking a file and then letting the
// runtime re-read it by name (wasmtime's NewModuleFromFile, any runtime
// given a file name) leaves a window in which it can be swapped
// (time-of-check to time-of-use).
//
// What the check is worth depends on where the admitted digest comes from.
// A record is not signed: whoever can rewrite both the .wasm file and the
// record next to it can make them agree. Keep DIR writable only by the
// deployer that runs pull, or give the host the digest from its own
// configuration (ReadFile with a pinned digest) rather than from a file the
// attacker can also write.
//
// A refusal wraps one of the sentinel errors (ErrDigestMismatch,
// ErrSizeMismatch, ErrNotRegular, ErrTooLarge, ErrBadRecord,
// ErrMultipleLayers); a file that cannot be opened or read wraps the error
// from os (os.ErrNotExist, …). Every message is one line naming the file,
// what was expected and what was found; strings read from a file, a record
// or a path are quoted when not printable and cut when long.
package admitted
