;; hostcode.wat: code that is NOT in the artifact, supplied by the host.
;;
;;   component $hostcode
;;     import "helper-module"    core module   externtype 0x00 0x11 (host-supplied code)
;;     import "helper-component" component     externtype 0x04      (host-supplied code)
;;     import "wasi:random/random@0.2.0"      instance, an ordinary capability (unused), for contrast
;;     core module $glue (section 1, depth 1)   the only code embedded in the artifact
;;     export "ratify:example/answer@0.1.0"    instance (answer, plugin-answer)
;;
;; Whatever the host binds to "helper-module" and "helper-component" runs
;; inside this component, yet no digest of it can be taken from these bytes.
;; A verifier should flag or deny top-level imports of kind core module or
;; component. Note that `jco wit` (wit-component 0.259) prints only the random
;; import and the export: the core-module and component imports are silently
;; left out of the WIT view, so inspect with `jco print`.
;; Build: jco parse hostcode.wat -o hostcode.wasm
(component $hostcode
  (import "helper-module" (core module $helper
    (export "answer" (func (result i32)))))
  (import "helper-component" (component $plugin
    (export "answer" (func (result u32)))))
  (import "wasi:random/random@0.2.0" (instance $random
    (export "get-random-u64" (func (result u64)))))

  ;; the embedded code: adds one to whatever the host module answers
  (core module $glue
    (import "helper" "answer" (func $answer (result i32)))
    (func (export "answer") (result i32)
      (i32.add (call $answer) (i32.const 1))))

  (core instance $helper-i (instantiate $helper))
  (core instance $glue-i (instantiate $glue (with "helper" (instance $helper-i))))
  (func $answer (result u32) (canon lift (core func $glue-i "answer")))

  (instance $plugin-i (instantiate $plugin))
  (alias export $plugin-i "answer" (func $plugin-answer))

  (instance $api
    (export "answer" (func $answer))
    (export "plugin-answer" (func $plugin-answer)))
  (export "ratify:example/answer@0.1.0" (instance $api)))
