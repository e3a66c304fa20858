//go:build skelparity

package plugin

import (
	"os"

	"github.com/ratify-project/ratify/pkg/common"
	"github.com/ratify-project/ratify/pkg/ocispecs"
	"github.com/ratify-project/ratify/pkg/referrerstore"
	_ "github.com/ratify-project/ratify/pkg/referrerstore/oras" // skel rebuilds Ratify's oras store inside the plugin
	"github.com/ratify-project/ratify/pkg/verifier"
	"github.com/ratify-project/ratify/pkg/verifier/plugin/skel"
	"github.com/sirupsen/logrus"
)

// storeConfigVersion is the version skel.PluginMain is given: skel uses it
// only as the StoresConfig version when it rebuilds Ratify's oras store
// (CreateStoresFromConfig), which ignores it; "1.0.0" is what Ratify's own
// store configurations say.
const storeConfigVersion = "1.0.0"

// Main runs def as a Ratify verifier plugin through Ratify's own skel, the
// reference the native protocol (protocol.go) is tested against.
func Main[C any](def Definition[C]) {
	logrus.SetOutput(os.Stderr)
	logrus.SetFormatter(logrusFormatter{})
	input, err := readInput(os.Stdin)
	if err != nil {
		writeRawFailure(os.Stdout, def.Name, err)
		os.Exit(0)
	}
	input, cleanup := privateStoreCache(input)
	defer cleanup()
	// skel reads stdin itself and without a bound: hand it the checked copy.
	r, w, perr := os.Pipe()
	if perr != nil {
		writeRawFailure(os.Stdout, def.Name, perr)
		os.Exit(0)
	}
	go func() { w.Write(input); w.Close() }()
	os.Stdin = r
	skel.PluginMain(def.Name, storeConfigVersion, func(args *skel.CmdArgs, subject common.Reference, desc ocispecs.ReferenceDescriptor, store referrerstore.ReferrerStore) (*verifier.VerifierResult, error) {
		return Run(def, args.StdinData, subject, desc, store.GetConfig().Store, os.Stderr), nil
	}, SupportedVersions)
}
