//go:build !skelparity

package plugin

import (
	"context"
	"os"

	"github.com/sirupsen/logrus"
)

// Main runs def as a Ratify verifier plugin and exits. The protocol is
// protocol.go's; the build tag skelparity selects Ratify's skel instead
// (main_skel.go), which the differential test compares with this one.
func Main[C any](def Definition[C]) {
	logrus.SetOutput(os.Stderr)
	logrus.SetFormatter(logrusFormatter{})
	input, err := readInput(os.Stdin)
	if err != nil {
		writeRawFailure(os.Stdout, def.Name, err)
		os.Exit(0)
	}
	os.Exit(serve(context.Background(), def, os.Getenv, input, os.Stdout, os.Stderr))
}
