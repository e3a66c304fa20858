package main

import (
	"encoding/json"
	"fmt"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/ratify-wasm/ratify-wasm/internal/ratifyexec"
)

// verifyOutput is what `verify` prints: the verdict, the policy's reasons
// and Ratify's report as `ratify verify` prints it.
type verifyOutput struct {
	Subject   string          `json:"subject"`
	IsSuccess bool            `json:"isSuccess"`
	Reasons   []string        `json:"reasons"`
	Report    json.RawMessage `json:"report"`
}

func newVerifyCmd() *cobra.Command {
	var configPath string
	cmd := &cobra.Command{
		Use:   "verify REFERENCE",
		Short: "Verify a WASM artifact with Ratify in process (the four verifiers built in) and the configured policy",
		Long: `verify reads a Ratify config.json and verifies REFERENCE as ` + "`ratify verify`" + ` would, with
wasm-cosign, wasm-notation, wasm-slsa and wasm-composition run in process. A tag is resolved
once and the digest it names is what is verified. It prints the verdict, the policy's reasons
(a regoPolicy with a reasons rule, as policies/ratify/wasm.rego) and Ratify's report, and
exits non-zero when the policy refuses the subject.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := loadRatify(configPath)
			if err != nil {
				return err
			}
			res, err := v.Verify(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			out, err := json.MarshalIndent(verifyOutput{Subject: res.Subject, IsSuccess: res.IsSuccess, Reasons: orEmpty(res.Reasons), Report: res.Report}, "", "  ")
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(out))
			return res.Refusal()
		},
	}
	cmd.Flags().StringVarP(&configPath, "config", "c", "", "Ratify config.json (default: Ratify's, $RATIFY_CONFIG/config.json or ~/.ratify/config.json)")
	return cmd
}

// loadRatify loads the Ratify configuration for verify and pull. Ratify
// logs every store and verifier it creates, and the verifiers' warnings,
// on stderr; on a command line the verdict is one line and the details are
// in verify's report, so only errors are logged.
func loadRatify(configPath string) (*ratifyexec.Verifier, error) {
	logrus.SetLevel(logrus.ErrorLevel)
	return ratifyexec.Load(configPath)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
