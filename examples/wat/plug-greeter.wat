;; plug-greeter.wat: the "plug" of plug.wat, also built on its own.
;;
;; Exports ratify:example/greeter@0.1.0 (greet: func() -> u32) and imports
;; nothing. The text between "(component $greeter" and its closing paren is
;; copied verbatim into plug.wat; because the WAT encoder writes a nested
;; component exactly as it writes a standalone one with the same $id, the
;; section-4 payload in plug.wasm is byte-identical to plug-greeter.wasm
;; (fixtures-check verifies this, as `wac plug` would guarantee).
(component $greeter
  (core module $impl
    (func (export "greet") (result i32) (i32.const 7)))
  (core instance $impl-i (instantiate $impl))
  (func $greet (result u32) (canon lift (core func $impl-i "greet")))
  (instance $api (export "greet" (func $greet)))
  (export "ratify:example/greeter@0.1.0" (instance $api)))
