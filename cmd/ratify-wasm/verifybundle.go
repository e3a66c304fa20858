package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/spf13/cobra"

	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
)

// Limits for verify-bundle inputs.
const (
	maxBundleBytes   = 16 << 20
	maxArtifactBytes = 1 << 30
)

var sha256Digest = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// newVerifyBundleCmd implements the sigstore-conformance client protocol's
// verify-bundle (docs/cli_protocol.md) on the same code as wasm-cosign:
//
//	verify-bundle [--staging] --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key FILE) [--trusted-root FILE] FILE_OR_DIGEST
func newVerifyBundleCmd() *cobra.Command {
	var (
		bundlePath, identity, oidcIssuer, keyPath, trustedRoot string
		staging, ignoreSCT                                     bool
	)
	cmd := &cobra.Command{
		Use:   "verify-bundle --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key FILE) [--trusted-root FILE] FILE_OR_DIGEST",
		Short: "Verify a sigstore bundle offline (sigstore-conformance client protocol)",
		Long: `verify-bundle verifies a sigstore bundle (v0.1-v0.3, message signature or
DSSE) for an artifact file or a "sha256:<hex>" digest, with the verifier the
wasm-cosign plugin uses. Trust comes only from the flags: a public key, or a
certificate identity and OIDC issuer checked against --trusted-root (a
sigstore trusted_root.json). Nothing is fetched from the network.

Every transparency-log entry and RFC 3161 timestamp the trusted root can
check must verify; certificates must carry a verified SCT unless
--insecure-ignore-sct. Exit status 0 means verified; otherwise the reason is
printed on one line and the status is 1.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			keyless := identity != "" || oidcIssuer != ""
			switch {
			case bundlePath == "":
				return errors.New("verify-bundle: --bundle is required")
			case keyless == (keyPath != ""):
				return errors.New("verify-bundle: give either --key or both --certificate-identity and --certificate-oidc-issuer")
			case keyless && (identity == "" || oidcIssuer == ""):
				return errors.New("verify-bundle: --certificate-identity and --certificate-oidc-issuer go together")
			case keyless && trustedRoot == "":
				// The conformance suite passes --staging to mean "the staging
				// instance"; this client never fetches trust material.
				return errors.New("verify-bundle: --trusted-root is required for certificate identities (this client verifies offline and never fetches a root, also not with --staging)")
			}
			tp := sigverify.TrustPolicy{Name: "verify-bundle", Scopes: []string{"*"}, TrustedRoot: trustedRoot}
			if keyless {
				tp.Keyless = sigverify.IdentityList{{CertificateIdentity: identity, CertificateOIDCIssuer: oidcIssuer}}
				tp.RequireSCT = !ignoreSCT
			} else {
				tp.Keys = []sigverify.KeyConfig{{File: keyPath}}
			}
			policy, err := tp.Compile("flags")
			if err != nil {
				return fmt.Errorf("verify-bundle: %s", flagError(err))
			}
			raw, err := readFileLimited(bundlePath, maxBundleBytes)
			if err != nil {
				return fmt.Errorf("verify-bundle: --bundle: %w", err)
			}
			ent, err := sigverify.ParseBundle(raw)
			if err != nil {
				return fmt.Errorf("verify-bundle: %s: %w", bundlePath, err)
			}
			subject, err := subjectOf(args[0])
			if err != nil {
				return fmt.Errorf("verify-bundle: %w", err)
			}
			out, err := policy.Verify(ent, subject, sigverify.Expect{})
			if err != nil {
				return fmt.Errorf("verify-bundle: %s for %s: %w", bundlePath, args[0], err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), summary(out))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&bundlePath, "bundle", "", "sigstore bundle (JSON)")
	f.StringVar(&identity, "certificate-identity", "", "expected certificate subject alternative name")
	f.StringVar(&oidcIssuer, "certificate-oidc-issuer", "", "expected OIDC issuer of the certificate")
	f.StringVar(&keyPath, "key", "", "PEM public key (ECDSA, RSA or Ed25519)")
	f.StringVar(&trustedRoot, "trusted-root", "", "sigstore trusted_root.json")
	f.BoolVar(&staging, "staging", false, "accepted for the conformance protocol; trust still comes from --trusted-root")
	f.BoolVar(&ignoreSCT, "insecure-ignore-sct", false, "do not require an SCT in the certificate")
	return cmd
}

// subjectOf reads FILE_OR_DIGEST.
func subjectOf(arg string) (sigverify.Subject, error) {
	if sha256Digest.MatchString(arg) {
		return sigverify.Subject{Digest: digest.Digest(arg)}, nil
	}
	b, err := readFileLimited(arg, maxArtifactBytes)
	if err != nil {
		return sigverify.Subject{}, fmt.Errorf("artifact: %w", err)
	}
	return sigverify.Subject{Artifact: b}, nil
}

// flagError names the flag behind a trust-policy configuration error.
func flagError(err error) string {
	var ce *plugin.ConfigError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	flag := map[string]string{"flags.keys[0].file": "--key", "flags.trustedRoot": "--trusted-root"}[ce.Key]
	if flag == "" {
		flag = ce.Key
	}
	return flag + " " + ce.Reason
}

// summary is the one success line.
func summary(o *sigverify.Outcome) string {
	parts := []string{"verified: " + string(o.Kind) + " signed by " + o.Signer()}
	for _, e := range o.Tlog {
		parts = append(parts, fmt.Sprintf("tlog index %d", e.LogIndex))
	}
	for _, ts := range o.Timestamps {
		parts = append(parts, fmt.Sprintf("%s time %s", ts.Source, ts.Time.Format(time.RFC3339)))
	}
	if o.PredicateType != "" {
		parts = append(parts, "predicate "+o.PredicateType)
	}
	return strings.Join(parts, ", ")
}
