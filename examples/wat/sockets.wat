;; sockets.wat: nested.wat plus one extra capability, wasi:sockets/tcp@0.2.0.
;;
;; Identical in shape to nested.wat (3 levels of nesting, same modules), but
;; the top-level component also imports wasi:sockets/tcp@0.2.0 and wires its
;; [resource-drop]tcp-socket into the top core module. A capability policy that
;; allows nested.wasm but denies network sockets must reject this one: it is the
;; "tampered" variant of nested.wasm. Differences from nested.wat are marked
;; "sockets.wat:". The tcp instance type is trimmed to its tcp-socket resource.
;;
;;   component $nested
;;     import "wasi:io/streams@0.2.0"
;;     import "wasi:cli/stdout@0.2.0"
;;     import "wasi:sockets/tcp@0.2.0"          <- added
;;     core module $top      (depth 1)          also imports [resource-drop]tcp-socket
;;     component   $middle   (depth 1)
;;       core module $twice  (depth 2)
;;       component   $inner  (depth 2)
;;         core module $leaf (depth 3)
;;     export "ratify:example/answer@0.1.0"     instance (answer, run, close)
;;
;; Build: jco parse sockets.wat -o sockets.wasm
(component $nested
  ;; --- top-level imports: the capabilities a policy sees -------------------
  (import "wasi:io/streams@0.2.0" (instance $streams
    (export "output-stream" (type (sub resource)))))
  (alias export $streams "output-stream" (type $output-stream))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (alias outer $nested $output-stream (type $os))
    (export "output-stream" (type (eq $os)))
    (export "get-stdout" (func (result (own $os))))))
  ;; sockets.wat: the extra capability
  (import "wasi:sockets/tcp@0.2.0" (instance $tcp
    (export "tcp-socket" (type (sub resource)))))
  (alias export $tcp "tcp-socket" (type $tcp-socket))

  ;; --- depth 1: a core module directly in the top-level component ----------
  (core module $top
    (import "wasi:cli/stdout@0.2.0" "get-stdout" (func $get-stdout (result i32)))
    (import "wasi:io/streams@0.2.0" "[resource-drop]output-stream" (func $drop (param i32)))
    ;; sockets.wat: the extra import
    (import "wasi:sockets/tcp@0.2.0" "[resource-drop]tcp-socket" (func $drop-socket (param i32)))
    (func (export "run") (result i32)
      (call $drop (call $get-stdout))
      (i32.const 0))
    ;; sockets.wat: close(socket) drops a socket handed in by the caller
    (func (export "close") (param i32)
      (call $drop-socket (local.get 0))))

  ;; --- depth 1: a component, which nests a module and another component ---
  (component $middle
    ;; depth 2: a core module
    (core module $twice
      (import "inner" "answer" (func $answer (result i32)))
      (func (export "answer") (result i32)
        (i32.mul (call $answer) (i32.const 2))))
    ;; depth 2: a component, which nests the depth-3 core module
    (component $inner
      (core module $leaf
        (func (export "answer") (result i32) (i32.const 21)))
      (core instance $leaf-i (instantiate $leaf))
      (func $answer (result u32) (canon lift (core func $leaf-i "answer")))
      (export "answer" (func $answer)))

    (instance $inner-i (instantiate $inner))
    (alias export $inner-i "answer" (func $inner-answer))
    (core func $inner-answer-core (canon lower (func $inner-answer)))
    (core instance $inner-core (export "answer" (func $inner-answer-core)))
    (core instance $twice-i (instantiate $twice (with "inner" (instance $inner-core))))
    (func $answer (result u32) (canon lift (core func $twice-i "answer")))
    (export "answer" (func $answer)))

  ;; --- wiring at the top level ---------------------------------------------
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core func $drop-stream (canon resource.drop $output-stream))
  (core instance $stdout-core (export "get-stdout" (func $get-stdout)))
  (core instance $streams-core (export "[resource-drop]output-stream" (func $drop-stream)))
  ;; sockets.wat: wire the tcp resource drop
  (core func $drop-socket (canon resource.drop $tcp-socket))
  (core instance $tcp-core (export "[resource-drop]tcp-socket" (func $drop-socket)))
  (core instance $top-i (instantiate $top
    (with "wasi:cli/stdout@0.2.0" (instance $stdout-core))
    (with "wasi:io/streams@0.2.0" (instance $streams-core))
    (with "wasi:sockets/tcp@0.2.0" (instance $tcp-core))))
  (func $run (result u32) (canon lift (core func $top-i "run")))
  (func $close (param "socket" (own $tcp-socket)) (canon lift (core func $top-i "close")))

  (instance $middle-i (instantiate $middle))
  (alias export $middle-i "answer" (func $answer))

  ;; --- top-level export -----------------------------------------------------
  (instance $api
    (export "answer" (func $answer))
    (export "run" (func $run))
    (export "close" (func $close)))
  (export "ratify:example/answer@0.1.0" (instance $api)))
