package main

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/spf13/cobra"

	"github.com/ratify-wasm/ratify-wasm/internal/bounded"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
)

// publicGoodDate is when publicgood/trusted_root.json was taken.
const publicGoodDate = "2026-12-07"

// Limits for verify-bundle inputs.
const (
	maxBundleBytes   = 16 << 20
	maxArtifactBytes = 1 << 30
)

var sha256Digest = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// publicGoodRoot is a dated snapshot of the Sigstore public-good trusted
// root (publicgood/README.md), used when --trusted-root is not given.
//
//go:embed publicgood/trusted_root.json
var publicGoodRoot []byte

// newVerifyBundleCmd implements the sigstore-conformance client protocol's
// verify-bundle (docs/cli_protocol.md) on the same code as wasm-cosign:
//
//	verify-bundle [--staging] --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key FILE) [--trusted-root FILE] FILE_OR_DIGEST
func newVerifyBundleCmd() *cobra.Command {
	var (
		bundlePath, identity, oidcIssuer, keyPath, trustedRoot string
		staging, ignoreSCT, ignoreTlog                         bool
	)
	cmd := &cobra.Command{
		Use:   "verify-bundle --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key FILE) [--trusted-root FILE] FILE_OR_DIGEST",
		Short: "Verify a sigstore bundle offline (sigstore-conformance client protocol)",
		Long: `verify-bundle verifies a sigstore bundle (v0.1-v0.3, message signature or
DSSE) for an artifact file or a "sha256:<hex>" digest, with the verifier the
wasm-cosign plugin uses. Trust comes only from the flags: a public key, or a
certificate identity and OIDC issuer, checked against --trusted-root (a
sigstore trusted_root.json). Without --trusted-root, the Sigstore public-good
instance's trusted root is used: a snapshot embedded in this binary (taken
` + publicGoodDate + `; see cmd/ratify-wasm/publicgood/README.md), which knows no
key added or revoked after that date. Nothing is fetched from the network.

As with cosign verify, the signature needs a transparency-log entry or an
RFC 3161 timestamp that the trusted root verifies (entries from logs it does
not list do not count), also with --key unless --insecure-ignore-tlog;
certificates need a verified SCT unless --insecure-ignore-sct. Exit status 0
means verified; otherwise the reason is printed on one line and the status
is 1.`,
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
			case keyless && ignoreTlog:
				return errors.New("verify-bundle: --insecure-ignore-tlog applies to --key only: certificates always need a log entry or timestamp")
			}
			// The conformance suite passes --staging to mean "the staging
			// instance"; this client never fetches trust material, and the
			// embedded root is the production one.
			if staging && trustedRoot == "" {
				return errors.New("verify-bundle: --staging needs --trusted-root (this client verifies offline; its embedded root is the public-good production instance's)")
			}
			tp := sigverify.TrustPolicy{Name: "verify-bundle", Scopes: []string{"*"}, TrustedRoot: trustedRoot,
				InsecureIgnoreTlog: ignoreTlog, InsecureIgnoreSCT: ignoreSCT}
			if trustedRoot == "" && !(ignoreTlog && !keyless) {
				tp.TrustedRootJSON = publicGoodRoot
			}
			if keyless {
				tp.Keyless = sigverify.IdentityList{{CertificateIdentity: identity, CertificateOIDCIssuer: oidcIssuer}}
			} else {
				tp.Keys = []sigverify.KeyConfig{{File: keyPath}}
			}
			policy, err := tp.Compile("flags")
			if err != nil {
				return fmt.Errorf("verify-bundle: %s", flagError(err))
			}
			raw, err := bounded.ReadFile(bundlePath, maxBundleBytes)
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
				if check, _ := failure.CheckOf(err); check == failure.Tlog && !keyless {
					err = fmt.Errorf("%w (flag --insecure-ignore-tlog)", err)
				}
				return fmt.Errorf("verify-bundle: %s for %s: %w", bundlePath, args[0], err)
			}
			if out.Unlogged {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: the signature has no transparency-log entry or timestamp; accepted only because of --insecure-ignore-tlog")
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
	f.StringVar(&trustedRoot, "trusted-root", "", "sigstore trusted_root.json (default: the embedded public-good root, snapshot of "+publicGoodDate+")")
	f.BoolVar(&staging, "staging", false, "accepted for the conformance protocol; needs --trusted-root")
	f.BoolVar(&ignoreSCT, "insecure-ignore-sct", false, "do not require an SCT in the certificate")
	f.BoolVar(&ignoreTlog, "insecure-ignore-tlog", false, "with --key: accept a signature without transparency-log entry or RFC 3161 timestamp (logged as a warning)")
	return cmd
}

// subjectOf reads FILE_OR_DIGEST.
func subjectOf(arg string) (sigverify.Subject, error) {
	if sha256Digest.MatchString(arg) {
		return sigverify.Subject{Digest: digest.Digest(arg)}, nil
	}
	b, err := bounded.ReadFile(arg, maxArtifactBytes)
	if err != nil {
		return sigverify.Subject{}, fmt.Errorf("artifact: %w", err)
	}
	return sigverify.Subject{Artifact: b}, nil
}

// flagError names the flag behind a trust-policy configuration error.
func flagError(err error) string {
	var ce *failure.ConfigError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	flag := map[string]string{"flags.keys[0].file": "--key", "flags.trustedRoot": "--trusted-root", "flags.insecureIgnoreTlog": "--insecure-ignore-tlog"}[ce.Key]
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
