// Command skel-probe is a Ratify v1.4.6 skel plugin that does nothing: the
// start-up cost every plugin pays for the protocol as skel implements it,
// including the oras store it must blank-import.
package main

import (
	"github.com/ratify-project/ratify/pkg/common"
	"github.com/ratify-project/ratify/pkg/ocispecs"
	"github.com/ratify-project/ratify/pkg/referrerstore"
	_ "github.com/ratify-project/ratify/pkg/referrerstore/oras" // required by skel
	"github.com/ratify-project/ratify/pkg/verifier"
	"github.com/ratify-project/ratify/pkg/verifier/plugin/skel"
)

func main() {
	skel.PluginMain("skel-probe", "1.0.0", func(_ *skel.CmdArgs, _ common.Reference, _ ocispecs.ReferenceDescriptor, _ referrerstore.ReferrerStore) (*verifier.VerifierResult, error) {
		return &verifier.VerifierResult{Name: "skel-probe", Type: "skel-probe", Message: "config: probe"}, nil
	}, []string{"1.0.0"})
}
