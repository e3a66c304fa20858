;; plug-socket.wat: the "socket" of plug.wat, also built on its own.
;;
;; A command-shaped component: imports ratify:example/greeter@0.1.0 (to be
;; satisfied by a plug) and wasi:random/random@0.2.0 (left for the host),
;; exports wasi:cli/run@0.2.0 (run: func() -> result). Copied verbatim into
;; plug.wat, so plug.wasm's nested payload equals plug-socket.wasm byte for byte.
(component $socket
  (import "ratify:example/greeter@0.1.0" (instance $greeter
    (export "greet" (func (result u32)))))
  (import "wasi:random/random@0.2.0" (instance $random
    (export "get-random-u64" (func (result u64)))))
  (core module $main
    (import "ratify:example/greeter@0.1.0" "greet" (func $greet (result i32)))
    (import "wasi:random/random@0.2.0" "get-random-u64" (func $rand (result i64)))
    ;; run: call both imports, return result::ok (discriminant 0)
    (func (export "run") (result i32)
      (drop (call $greet))
      (drop (call $rand))
      (i32.const 0)))
  (core func $greet-core (canon lower (func $greeter "greet")))
  (core func $rand-core (canon lower (func $random "get-random-u64")))
  (core instance $greeter-core (export "greet" (func $greet-core)))
  (core instance $random-core (export "get-random-u64" (func $rand-core)))
  (core instance $main-i (instantiate $main
    (with "ratify:example/greeter@0.1.0" (instance $greeter-core))
    (with "wasi:random/random@0.2.0" (instance $random-core))))
  (func $run (result (result)) (canon lift (core func $main-i "run")))
  (instance $run-i (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-i)))
