;; implements.wat: interfaces hidden behind plain names via `implements`.
;;
;;   component $kv-user
;;     import "primary"   (implements "wasi:keyvalue/store@0.2.0")  instance
;;     import "secondary" (implements "wasi:keyvalue/store@0.2.0")  instance
;;     core module $main  (section 1, depth 1)  drops a bucket of each store
;;     export "ratify:example/answer@0.1.0"     instance (run)
;;
;; Both imports are encoded with name prefix 0x02 and one `implements`
;; attribute (0x00 <len> "wasi:keyvalue/store@0.2.0"); an import list that only
;; shows names would show "primary" and "secondary" and hide the interface.
;; `jco wit` prints them as `import primary: wasi:keyvalue/store@0.2.0;`.
;; The store instance type is trimmed to its `bucket` resource.
;; Build: jco parse implements.wat -o implements.wasm
(component $kv-user
  (import "primary" (implements "wasi:keyvalue/store@0.2.0") (instance $primary
    (export "bucket" (type (sub resource)))))
  (import "secondary" (implements "wasi:keyvalue/store@0.2.0") (instance $secondary
    (export "bucket" (type (sub resource)))))
  (alias export $primary "bucket" (type $primary-bucket))
  (alias export $secondary "bucket" (type $secondary-bucket))

  (core module $main
    (import "primary" "[resource-drop]bucket" (func $drop-primary (param i32)))
    (import "secondary" "[resource-drop]bucket" (func $drop-secondary (param i32)))
    ;; run(handle-primary, handle-secondary): drop both, return 0
    (func (export "run") (param i32 i32) (result i32)
      (call $drop-primary (local.get 0))
      (call $drop-secondary (local.get 1))
      (i32.const 0)))

  (core func $drop-primary (canon resource.drop $primary-bucket))
  (core func $drop-secondary (canon resource.drop $secondary-bucket))
  (core instance $primary-core (export "[resource-drop]bucket" (func $drop-primary)))
  (core instance $secondary-core (export "[resource-drop]bucket" (func $drop-secondary)))
  (core instance $main-i (instantiate $main
    (with "primary" (instance $primary-core))
    (with "secondary" (instance $secondary-core))))
  (func $run
    (param "a" (own $primary-bucket)) (param "b" (own $secondary-bucket)) (result u32)
    (canon lift (core func $main-i "run")))
  (instance $api (export "run" (func $run)))
  (export "ratify:example/answer@0.1.0" (instance $api)))
