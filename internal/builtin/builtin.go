// Package builtin registers the four ratify-wasm plugins with Ratify v1.4.6
// as built-in verifiers (pkg/verifier/factory.Register), for a Ratify
// binary that links them (cmd/ratify-builtin) and for `ratify-wasm verify`
// and `pull`.
//
// A built-in verifier is Ratify's external-plugin verifier
// (pkg/verifier/plugin.VerifierPlugin) with the exec taken out: it reads
// the same configuration keys, writes the same stdin and environment, and
// reads the result with the same function (types.GetVerifierResult); the
// plugin runs in a goroutine instead of a process (plugin.Invoker), with the
// runtime it has as a binary: strict configuration, its own deadline,
// panics recovered, one result. Where Ratify would kill a plugin process
// when it gives up on a request, the in-process verification ends with
// Ratify's context. An unchanged configuration that names
// wasm-cosign therefore gives the same result either way; the differential
// test in e2e holds the two to that.
package builtin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	re "github.com/ratify-project/ratify/errors"
	"github.com/ratify-project/ratify/pkg/common"
	"github.com/ratify-project/ratify/pkg/ocispecs"
	"github.com/ratify-project/ratify/pkg/referrerstore"
	"github.com/ratify-project/ratify/pkg/verifier"
	"github.com/ratify-project/ratify/pkg/verifier/config"
	"github.com/ratify-project/ratify/pkg/verifier/factory"
	"github.com/ratify-project/ratify/pkg/verifier/types"
	"github.com/sirupsen/logrus"

	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/notation"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa"
)

// Plugins are the verifiers Register adds, by the name a configuration
// gives as its type (or name).
var Plugins = []plugin.Invoker{cosign.Plugin, notation.Plugin, slsa.Plugin, composition.Plugin}

// Register adds every plugin to Ratify's built-in verifiers, which share
// the content they read and verified by digest across verifications
// (plugin.RememberVerifiedContent). Call it once, before Ratify reads its
// configuration; a second call panics, as Ratify's factory does for any
// name registered twice.
func Register() {
	plugin.RememberVerifiedContent()
	for _, p := range Plugins {
		factory.Register(p.PluginName(), verifierFactory{plugin: p})
	}
}

type verifierFactory struct{ plugin plugin.Invoker }

// Create reads the entry as pkg/verifier/plugin.NewVerifier does, and the
// plugin version as pkg/verifier/factory does for an external plugin.
func (f verifierFactory) Create(configVersion string, cfg config.VerifierConfig, _ string, _ string) (verifier.ReferenceVerifier, error) {
	name, ok := cfg[types.Name]
	if !ok {
		return nil, re.ErrorCodeConfigInvalid.WithDetail(fmt.Sprintf("failed to find verifier name in the verifier config with key: %s", types.Name))
	}
	v := &referenceVerifier{plugin: f.plugin, name: fmt.Sprintf("%s", name), version: configVersion, rawConfig: cfg}
	if t, ok := cfg[types.Type]; ok {
		v.verifierType = fmt.Sprintf("%s", t)
	}
	if n, ok := cfg[types.NestedReferences]; ok {
		v.nestedReferences = strings.Split(fmt.Sprintf("%s", n), ",")
	}
	if at, ok := cfg[types.ArtifactTypes]; ok {
		v.artifactTypes = strings.Split(fmt.Sprintf("%s", at), ",")
	}
	if len(v.artifactTypes) == 0 {
		v.artifactTypes = []string{"*"}
	}
	if ver, ok := cfg[types.Version]; ok {
		v.version = fmt.Sprintf("%s", ver)
	}
	return v, nil
}

type referenceVerifier struct {
	plugin           plugin.Invoker
	name             string
	verifierType     string
	version          string
	artifactTypes    []string
	nestedReferences []string
	rawConfig        config.VerifierConfig
}

func (v *referenceVerifier) Name() string                  { return v.name }
func (v *referenceVerifier) Type() string                  { return v.verifierType }
func (v *referenceVerifier) GetNestedReferences() []string { return v.nestedReferences }

func (v *referenceVerifier) CanVerify(_ context.Context, desc ocispecs.ReferenceDescriptor) bool {
	for _, at := range v.artifactTypes {
		if at == "*" || at == desc.ArtifactType {
			return true
		}
	}
	return false
}

// Verify hands the plugin what Ratify would write to its stdin and
// environment, and reads its stdout as Ratify reads a plugin's.
func (v *referenceVerifier) Verify(ctx context.Context, subject common.Reference, desc ocispecs.ReferenceDescriptor, store referrerstore.ReferrerStore) (verifier.VerifierResult, error) {
	stdin, err := json.Marshal(config.PluginInputConfig{Config: v.rawConfig, StoreConfig: *store.GetConfig(), ReferencDesc: desc})
	if err != nil {
		return verifier.VerifierResult{IsSuccess: false}, re.ErrorCodeConfigInvalid.NewError(re.Verifier, v.name, re.EmptyLink, err, nil, re.HideStackTrace)
	}
	env := map[string]string{
		"RATIFY_VERIFIER_COMMAND": "VERIFY",
		"RATIFY_VERIFIER_VERSION": v.version,
		"RATIFY_VERIFIER_SUBJECT": subject.String(),
	}
	var stdout, stderr bytes.Buffer
	code := v.plugin.Invoke(ctx, func(k string) string { return env[k] }, stdin, &stdout, &stderr)
	relog(v.name, &stderr)
	if code != 0 {
		// What pkg/common/plugin.DefaultExecutor reports for a plugin that
		// exits non-zero, with the status the process would have had.
		perr := fmt.Errorf("plugin failed with error: 'exit status %d', msg from stError '%v', msg from stdOut '%v'", code, stderr.String(), stdout.String())
		return verifier.VerifierResult{IsSuccess: false}, re.ErrorCodeVerifyPluginFailure.NewError(re.Verifier, v.name, re.EmptyLink, perr, nil, re.HideStackTrace)
	}
	res, err := types.GetVerifierResult(stdout.Bytes())
	if err != nil {
		return verifier.VerifierResult{IsSuccess: false}, err
	}
	return *res, nil
}

// relog passes the plugin's log lines ("info: …", "warn: …", "debug: …")
// to Ratify's log at their level, as Ratify does with a plugin's stderr.
func relog(name string, stderr *bytes.Buffer) {
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 0, 4096), plugin.MaxLogLineBytes+64)
	for sc.Scan() {
		line := sc.Text()
		level, msg, ok := strings.Cut(line, ": ")
		if !ok {
			level, msg = "info", line
		}
		entry := logrus.WithField("verifier", name)
		switch level {
		case "warn":
			entry.Warnf("[Plugin] %s", msg)
		case "debug":
			entry.Debugf("[Plugin] %s", msg)
		default:
			entry.Infof("[Plugin] %s", msg)
		}
	}
}
