package plugin

import (
	"context"
	"io"
)

// Invoker is one plugin as a value: what its process does with Ratify's
// environment, stdin and stdout, without the process. Ratify with the
// verifiers built in (package builtin) calls it for every verification,
// so the in-process path and the plugin binary share the protocol, the
// configuration decoding, the deadline, panic recovery and the result.
type Invoker interface {
	// PluginName is the binary name Ratify would look up.
	PluginName() string
	// Invoke runs one invocation: env answers the RATIFY_VERIFIER_*
	// variables, stdin is what Ratify would write to the plugin, and the
	// return value is the exit status the process would have had. The
	// verification ends when ctx does, as a process would be killed.
	Invoke(ctx context.Context, env func(string) string, stdin []byte, stdout, stderr io.Writer) int
}

// PluginName implements Invoker.
func (def Definition[C]) PluginName() string { return def.Name }

// Invoke implements Invoker: stdin over MaxInputBytes is refused as Main
// refuses it.
func (def Definition[C]) Invoke(ctx context.Context, env func(string) string, stdin []byte, stdout, stderr io.Writer) int {
	if len(stdin) > MaxInputBytes {
		writeRawFailure(stdout, def.Name, errInputTooLarge)
		return 0
	}
	return serve(ctx, def, env, stdin, stdout, stderr)
}
