package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/distribution/reference"
	re "github.com/ratify-project/ratify/errors"
	"github.com/ratify-project/ratify/pkg/common"
	"github.com/ratify-project/ratify/pkg/verifier"
	vconfig "github.com/ratify-project/ratify/pkg/verifier/config"
	"github.com/sirupsen/logrus"

	"github.com/ratify-wasm/ratify-wasm/internal/credentials"
)

// This file is Ratify v1.4.6's external-verifier protocol as the plugins
// speak it, written to match byte for byte what
// pkg/verifier/plugin/skel.PluginMain writes for the same environment and
// stdin (the skelparity build keeps that path, and a differential test
// compares the two):
//
//   - the environment: RATIFY_VERIFIER_COMMAND, _VERSION and _SUBJECT;
//   - stdin: a JSON PluginInputConfig (config, storeConfig, referenceDesc);
//   - stdout: the VerifierResult as json.Encoder writes it (one line), with
//     exit status 0; or a protocol error object, {"code", "msg",
//     "details"} indented by four spaces with no final newline, with exit
//     status 1. Ratify (pkg/common/plugin exec.go) reads stdout whole and
//     treats any non-zero exit as failure, parsing stdout as the error.
//
// The checks run in skel's order: environment, subject, version, stdin
// JSON, the verifier name, the store configuration, the command.

// Environment keys (pkg/verifier/plugin const.go).
const (
	envCommand = "RATIFY_VERIFIER_COMMAND"
	envSubject = "RATIFY_VERIFIER_SUBJECT"
	envVersion = "RATIFY_VERIFIER_VERSION"

	verifyCommand = "VERIFY"
)

// Protocol error codes (pkg/verifier/types); only those skel can write.
const (
	errConfigParsingFailure        uint = 1
	errInvalidVerifierConfig       uint = 2
	errUnknownCommand              uint = 3
	errMissingEnvironmentVariables uint = 4
	errIOFailure                   uint = 5
	errVersionNotSupported         uint = 6
	errArgsParsingFailure          uint = 7
)

// protocolError is pkg/common/plugin.Error: the object a plugin prints on
// stdout when it exits with status 1.
type protocolError struct {
	Code    uint   `json:"code"`
	Msg     string `json:"msg"`
	Details string `json:"details,omitempty"`
}

// print writes e as plugin.Error.Print does.
func (e *protocolError) print(w io.Writer) error {
	data, err := json.MarshalIndent(e, "", "    ")
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// writeResult writes a verification result as skel does
// (types.WriteVerifyResultResult).
func writeResult(w io.Writer, res *verifier.VerifierResult) error {
	return json.NewEncoder(w).Encode(res)
}

// serve runs one plugin invocation on input (stdin, already read and
// bounded) and returns the process exit status.
func serve[C any](ctx context.Context, def Definition[C], getenv func(string) string, input []byte, stdout, stderr io.Writer) int {
	res, perr := invoke(ctx, def, getenv, input, stderr)
	if perr == nil {
		if err := writeResult(stdout, res); err != nil {
			perr = &protocolError{Code: errIOFailure, Msg: "failed to write plugin output", Details: err.Error()}
		} else {
			return 0
		}
	}
	if err := perr.print(stdout); err != nil {
		fmt.Fprintln(stderr, "Error writing error response to stdout: ", err)
	}
	return 1
}

// invoke performs skel's checks, then the verification.
func invoke[C any](ctx context.Context, def Definition[C], getenv func(string) string, input []byte, stderr io.Writer) (*verifier.VerifierResult, *protocolError) {
	cmd, version, subject := getenv(envCommand), getenv(envVersion), getenv(envSubject)
	var missing []string
	for _, kv := range [][2]string{{envCommand, cmd}, {envVersion, version}, {envSubject, subject}} {
		if kv[1] == "" {
			missing = append(missing, kv[0])
		}
	}
	if len(missing) > 0 {
		return nil, &protocolError{Code: errMissingEnvironmentVariables, Msg: fmt.Sprintf("missing env variables [%s]", strings.Join(missing, ","))}
	}
	ref, err := parseSubjectReference(subject)
	if err != nil {
		return nil, &protocolError{Code: errArgsParsingFailure, Msg: fmt.Sprintf("cannot parse subject reference %s", subject), Details: err.Error()}
	}
	if !supported(version) {
		return nil, &protocolError{Code: errVersionNotSupported, Msg: fmt.Sprintf("plugin doesn't support version %s", version)}
	}
	// The cache path is set aside while the input is checked, because
	// the skel path replaces it with a private directory before skel sees
	// it (privateStoreCache); Run reads Ratify's cache through it.
	var cachePath string
	input = normalizeInput(input, func(store map[string]any) {
		cachePath, _ = store["localCachePath"].(string)
		delete(store, "localCachePath")
	})
	var in vconfig.PluginInputConfig
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, &protocolError{Code: errConfigParsingFailure, Msg: fmt.Sprintf("error unmarshall verifier config: %v", err)}
	}
	if in.Config["name"] == "" || in.Config["name"] == nil {
		return nil, &protocolError{Code: errInvalidVerifierConfig, Msg: "missing verifier name"}
	}
	if err := checkStore(in.StoreConfig.Store, in.StoreConfig.PluginBinDirs); err != nil {
		return nil, &protocolError{Code: errArgsParsingFailure, Msg: fmt.Sprintf("create store from input config failed with error %v", err)}
	}
	if cmd != verifyCommand {
		return nil, &protocolError{Code: errUnknownCommand, Msg: fmt.Sprintf("unknown %s: %v", envCommand, cmd)}
	}
	if cachePath != "" {
		in.StoreConfig.Store["localCachePath"] = cachePath
	}
	return RunContext(ctx, def, input, ref, in.ReferencDesc, in.StoreConfig.Store, stderr), nil
}

// parseSubjectReference is Ratify v1.4.6 pkg/utils.ParseSubjectReference
// (Apache-2.0, The Ratify Authors), copied because that package also
// holds Ratify's Kubernetes client helpers, whose type registrations
// would run at every plugin start.
func parseSubjectReference(subRef string) (common.Reference, error) {
	parsed, err := reference.ParseDockerRef(subRef)
	if err != nil {
		return common.Reference{}, re.ErrorCodeReferenceInvalid.WithDetail("failed to parse subject reference")
	}
	var ref common.Reference
	if digested, ok := parsed.(reference.Digested); ok {
		ref.Digest = digested.Digest()
	}
	if tag, ok := parsed.(reference.Tagged); ok {
		ref.Tag = tag.Tag()
	}
	ref.Original = parsed.String()
	ref.Path = parsed.Name()
	return ref, nil
}

func supported(version string) bool {
	for _, v := range SupportedVersions {
		if v == version {
			return true
		}
	}
	return false
}

// normalizeInput re-encodes input with edit applied to the store entry
// (storeConfig.store) when input is a JSON object that has one; any other
// input is returned as is. Only the first JSON value is kept. The skel
// path rewrites the store entry this way (privateStoreCache) before skel
// decodes it, so the native path rewrites it the same way to decode
// exactly the same input.
func normalizeInput(input []byte, edit func(store map[string]any)) []byte {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return input
	}
	sc, _ := doc["storeConfig"].(map[string]any)
	store, _ := sc["store"].(map[string]any)
	if store == nil {
		return input
	}
	edit(store)
	out, err := json.Marshal(doc)
	if err != nil {
		return input
	}
	return out
}

// OrasStoreConf mirrors pkg/referrerstore/oras.OrasStoreConf, type name
// included: decoding errors name the type, and the message reaches stdout.
type OrasStoreConf struct { //nolint:revive // the name is part of the message
	Name           string         `json:"name"`
	UseHTTP        bool           `json:"useHttp,omitempty"`
	CosignEnabled  bool           `json:"cosignEnabled,omitempty"`
	AuthProvider   map[string]any `json:"authProvider,omitempty"`
	LocalCachePath string         `json:"localCachePath,omitempty"`
}

// checkStore refuses the store configurations Ratify's store factory
// (referrerstore/factory CreateStoresFromConfig) refuses when skel builds
// the store in the plugin, with the same errors. The plugins never use the
// store itself: Run reads the registry settings from the entry.
func checkStore(store map[string]any, binDirs []string) error {
	name, ok := store["name"]
	if !ok {
		return re.ErrorCodeConfigInvalid.WithComponentType(re.ReferrerStore).WithDetail(fmt.Sprintf("failed to find store name in the stores config with key %s", "name"))
	}
	nameStr := fmt.Sprintf("%s", name)
	if strings.ContainsRune(nameStr, os.PathSeparator) {
		return re.ErrorCodeConfigInvalid.WithComponentType(re.ReferrerStore).WithDetail(fmt.Sprintf("invalid plugin name for a store: %s", name))
	}
	if _, ok := store["source"]; ok {
		// Dynamic plugins are off in a plugin process (the feature flag is
		// read from the environment only by Ratify's own command).
		logrus.Warnf("%s was specified for store plugin %s, but dynamic plugins are currently disabled", "source", nameStr)
	}
	if nameStr == "oras" {
		raw, err := json.Marshal(store)
		if err != nil {
			return re.ErrorCodeConfigInvalid.WithError(err).WithComponentType(re.ReferrerStore)
		}
		var conf OrasStoreConf
		if err := json.Unmarshal(raw, &conf); err != nil {
			return re.ErrorCodeConfigInvalid.NewError(re.ReferrerStore, "", re.EmptyLink, err, "failed to parse oras store configuration", re.HideStackTrace)
		}
		if _, err := credentials.New(conf.AuthProvider); err != nil {
			return re.ErrorCodePluginInitFailure.NewError(re.ReferrerStore, "", re.EmptyLink, err, "failed to create auth provider from configuration", re.HideStackTrace)
		}
		return nil
	}
	// Any other name is a store plugin binary in the plugin directories
	// (and the working directory, the factory's default path "").
	dirs := append(append([]string(nil), binDirs...), "")
	if _, err := findInPaths(nameStr, dirs); err != nil {
		return re.ErrorCodePluginNotFound.NewError(re.ReferrerStore, "", re.EmptyLink, err, "plugin not found", re.HideStackTrace)
	}
	return nil
}

// findInPaths is pkg/common/plugin.FindInPaths on Unix.
func findInPaths(plugin string, paths []string) (string, error) {
	if plugin == "" {
		return "", fmt.Errorf("plugin name is required")
	}
	for _, path := range paths {
		fullpath := filepath.Join(path, plugin)
		if fi, err := os.Stat(fullpath); err == nil && fi.Mode().IsRegular() {
			return fullpath, nil
		}
	}
	return "", fmt.Errorf("failed to find plugin %q in paths %s", plugin, paths)
}
