;; nested.wat: a hand-written composition that nests code 3 levels deep.
;;
;;   component $nested                          (top level, the artifact)
;;     import "wasi:io/streams@0.2.0"           instance (resource output-stream)
;;     import "wasi:cli/stdout@0.2.0"           instance (get-stdout)
;;     core module $top      (section 1, depth 1)  calls get-stdout, drops the handle
;;     component   $middle   (section 4, depth 1)
;;       core module $twice  (section 1, depth 2)  doubles a number
;;       component   $inner  (section 4, depth 2)
;;         core module $leaf (section 1, depth 3)  returns 21
;;     export "ratify:example/answer@0.1.0"     instance (answer, run)
;;
;; The WASI instance types are the real 0.2.0 shapes, trimmed to the one
;; function used. Build: jco parse nested.wat -o nested.wasm
(component $nested
  ;; --- top-level imports: the capabilities a policy sees -------------------
  (import "wasi:io/streams@0.2.0" (instance $streams
    (export "output-stream" (type (sub resource)))))
  (alias export $streams "output-stream" (type $output-stream))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (alias outer $nested $output-stream (type $os))
    (export "output-stream" (type (eq $os)))
    (export "get-stdout" (func (result (own $os))))))

  ;; --- depth 1: a core module directly in the top-level component ----------
  (core module $top
    (import "wasi:cli/stdout@0.2.0" "get-stdout" (func $get-stdout (result i32)))
    (import "wasi:io/streams@0.2.0" "[resource-drop]output-stream" (func $drop (param i32)))
    (func (export "run") (result i32)
      (call $drop (call $get-stdout))
      (i32.const 0)))

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
  (core instance $top-i (instantiate $top
    (with "wasi:cli/stdout@0.2.0" (instance $stdout-core))
    (with "wasi:io/streams@0.2.0" (instance $streams-core))))
  (func $run (result u32) (canon lift (core func $top-i "run")))

  (instance $middle-i (instantiate $middle))
  (alias export $middle-i "answer" (func $answer))

  ;; --- top-level export -----------------------------------------------------
  (instance $api
    (export "answer" (func $answer))
    (export "run" (func $run)))
  (export "ratify:example/answer@0.1.0" (instance $api)))
