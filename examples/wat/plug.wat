;; plug.wat: a composition shaped like the output of
;;   wac plug plug-socket.wasm --plug plug-greeter.wasm
;;
;;   component $plug                            (top level, the artifact)
;;     import "wasi:random/random@0.2.0"        the one import left unsatisfied
;;     component $socket   (section 4, depth 1) = plug-socket.wasm, verbatim
;;       core module $main (section 1, depth 2)
;;     component $greeter  (section 4, depth 1) = plug-greeter.wasm, verbatim
;;       core module $impl (section 1, depth 2)
;;     instance: greeter instantiated; socket instantiated with the greeter's
;;               export and the top-level random import
;;     export "wasi:cli/run@0.2.0"              re-exported from the socket
;;
;; The two nested components are pasted verbatim from plug-socket.wat and
;; plug-greeter.wat (without their leading comments); keep them in sync.
;; Build: jco parse plug.wat -o plug.wasm
(component $plug
  (import "wasi:random/random@0.2.0" (instance $random
    (export "get-random-u64" (func (result u64)))))

  ;; ---- socket (verbatim copy of plug-socket.wat) ----
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

  ;; ---- plug (verbatim copy of plug-greeter.wat) ----
  (component $greeter
    (core module $impl
      (func (export "greet") (result i32) (i32.const 7)))
    (core instance $impl-i (instantiate $impl))
    (func $greet (result u32) (canon lift (core func $impl-i "greet")))
    (instance $api (export "greet" (func $greet)))
    (export "ratify:example/greeter@0.1.0" (instance $api)))

  ;; ---- wiring, as wac plug emits it ----
  (instance $greeter-i (instantiate $greeter))
  (alias export $greeter-i "ratify:example/greeter@0.1.0" (instance $greeter-api))
  (instance $socket-i (instantiate $socket
    (with "ratify:example/greeter@0.1.0" (instance $greeter-api))
    (with "wasi:random/random@0.2.0" (instance $random))))
  (alias export $socket-i "wasi:cli/run@0.2.0" (instance $run))
  (export "wasi:cli/run@0.2.0" (instance $run)))
