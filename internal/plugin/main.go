package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/ratify-project/ratify/pkg/common"
	"github.com/ratify-project/ratify/pkg/ocispecs"
	"github.com/ratify-project/ratify/pkg/verifier"
	vconfig "github.com/ratify-project/ratify/pkg/verifier/config"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
)

// SupportedVersions are the verifier.version values the plugins accept.
var SupportedVersions = []string{"1.0.0"}

// MaxInputBytes bounds the JSON Ratify writes to the plugin's stdin.
const MaxInputBytes = 4 << 20

// Definition describes one plugin binary.
type Definition[C any] struct {
	// Name is the binary name Ratify looks up (the verifier's type or name).
	Name string
	// NewConfig returns the plugin configuration with its defaults.
	NewConfig func() *C
	// Verify does the plugin's one job: it returns the report of a pass,
	// or an error (a *failure.Error naming the check that failed, or a
	// *failure.Skip) with the report so far; the runtime turns both into
	// the result (see package failure). It must honour ctx; the runtime
	// returns a deadline failure if it does not finish in time.
	Verify func(ctx context.Context, req *Request, cfg *C) (Report, error)
}

var errInputTooLarge = fmt.Errorf("plugin input is larger than %d bytes", MaxInputBytes)

// readInput reads the plugin's stdin, at most MaxInputBytes of it.
func readInput(r io.Reader) ([]byte, error) {
	input, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err == nil && len(input) > MaxInputBytes {
		err = errInputTooLarge
	}
	return input, err
}

// writeRawFailure reports a failure to read stdin, before anything else is
// checked, as a failed result (exit status 0).
func writeRawFailure(w io.Writer, name string, err error) {
	b, _ := json.Marshal(verifier.VerifierResult{Name: name, Type: name, Message: oneLine(string(failure.Internal) + ": " + err.Error()), Extensions: map[string]any{ExtFailedCheck: string(failure.Internal)}})
	fmt.Fprintln(w, string(b))
}

// Run performs one verification: it decodes the configuration, builds the
// registry client from the store entry (storeConfig.store), runs def.Verify under the
// deadline with panics recovered, and returns the result Ratify will read.
// It never returns nil and never returns an error: every failure is a
// failed result with a message.
func Run[C any](def Definition[C], stdin []byte, subject common.Reference, desc ocispecs.ReferenceDescriptor, storeEntry map[string]any, stderr io.Writer) *verifier.VerifierResult {
	return RunContext(context.Background(), def, stdin, subject, desc, storeEntry, stderr)
}

// RunContext is Run that also ends when parent does: in process (package
// builtin), Ratify's request context, which Ratify cancels at its
// verificationRequestTimeout; a plugin binary is killed instead.
func RunContext[C any](parent context.Context, def Definition[C], stdin []byte, subject common.Reference, desc ocispecs.ReferenceDescriptor, storeEntry map[string]any, stderr io.Writer) (out *verifier.VerifierResult) {
	name := def.Name
	out = &verifier.VerifierResult{Name: name, Type: name}
	defer func() {
		if p := recover(); p != nil {
			NewLogger(stderr, false).Warnf("panic: %v: %s", p, debug.Stack())
			fill(out, resultOf(name, Report{}, failure.New(failure.Internal, "%s crashed while verifying %s: %v", name, subject.Original, p)), nil)
		}
	}()
	var input vconfig.PluginInputConfig
	if err := json.Unmarshal(stdin, &input); err != nil {
		fill(out, resultOf(name, Report{}, failure.New(failure.Config, "plugin input is not valid JSON: %w", err)), nil)
		return out
	}
	common, cfg, err := DecodeConfig(input.Config, def.NewConfig)
	if n, ok := input.Config["name"].(string); ok && n != "" {
		out.Name, out.Type = n, n
	}
	if t, ok := input.Config["type"].(string); ok && t != "" {
		out.Type = t
	}
	if err != nil {
		fill(out, resultOf(name, Report{}, failure.New(failure.Config, "%s: %w", out.Name, err)), nil)
		return out
	}
	log := NewLogger(stderr, common.LogLevel == LogLevelDebug)
	defer log.close()
	opts, err := OptionsFromStore(storeEntry)
	if err != nil {
		fill(out, resultOf(name, Report{}, failure.New(failure.Config, "%w", err)), nil)
		return out
	}
	out.Subject = subject.Original
	out.ReferenceDigest = desc.Digest.String()
	out.ArtifactType, _ = capString(desc.ArtifactType, MaxStringBytes)
	// Verifiers look trust policies, floors and denylists up under the one
	// canonical spelling of the repository; a name that has none is refused
	// here rather than matched by whatever rule its spelling happens to hit.
	canonical, err := oci.CanonicalRepository(subject.Path)
	if err != nil {
		fill(out, resultOf(name, Report{}, failure.New(failure.Subject, "subject %s: %w; expected a repository name a registry accepts", subject.Original, err)), nil)
		return out
	}
	opts.MaxManifestBytes, opts.MaxBlobBytes = common.MaxManifestBytes, common.MaxBlobBytes
	req := &Request{SubjectRef: subject, Referrer: desc, Common: common, Log: log, repository: canonical,
		Registry: namedRegistry{Fetcher: oci.New(opts), canonical: canonical, named: subject.Path}}

	timeout := time.Duration(common.Timeout)
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				log.Warnf("panic: %v: %s", p, debug.Stack())
				done <- resultOf(name, Report{}, failure.New(failure.Internal, "%s crashed while verifying %s: %v", name, subject.Original, p))
			}
		}()
		rep, err := def.Verify(ctx, req, cfg)
		done <- resultOf(name, rep, err)
	}()
	select {
	case res := <-done:
		fill(out, res, req)
	case <-ctx.Done():
		err := failure.New(failure.Deadline, "verification of %s (referrer %s) did not finish within %s (config key \"timeout\")", subject.Original, desc.Digest, timeout)
		if parent.Err() != nil {
			err = failure.New(failure.Deadline, "verification of %s (referrer %s) was abandoned by Ratify before it finished (%v; Ratify's executor setting verificationRequestTimeout)", subject.Original, desc.Digest, parent.Err())
		}
		fill(out, resultOf(name, Report{}, err), req)
	}
	log.Debugf("%s: success=%t %s", name, out.IsSuccess, out.Message)
	return out
}

// fill copies res into out. Once req's subject was resolved, every result
// names the manifest it is about (manifestDigest): when Ratify verifies a
// tag, each plugin resolves it on its own (see Request.SubjectRef), and
// a policy must be able to see that all reports speak of one manifest.
func fill(out *verifier.VerifierResult, res result, req *Request) {
	if d := req.resolved(); d != nil {
		if res.Extensions == nil {
			res.Extensions = map[string]any{}
		}
		res.Extensions[ExtManifestDigest] = d.Digest.String()
	}
	res = fitResult(res)
	out.IsSuccess = res.IsSuccess
	out.Message = res.Message
	out.Extensions = nil
	if len(res.Extensions) > 0 {
		out.Extensions = res.Extensions
	}
}
