//go:build bench

package bench_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/report"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
)

// maxPluginOverCLI is the target: a plugin invocation is no slower
// than the corresponding CLI.
const maxPluginOverCLI = 1.0

// benchCLIs times one plugin invocation (exec to result, Ratify's
// protocol) against the reference CLI verifying the same signature or
// provenance, interleaved.
func benchCLIs(t *testing.T, w *world) []report.Comparison {
	im := w.images[0]
	pair := func(name, plugin string, entry map[string]any, subject string, referrer ocispec.Descriptor, cliName string, cli func() time.Duration) report.Comparison {
		mustPass(t, w, w.plugin(plugin), subject, referrer, entry)
		cli()
		ours := func() time.Duration { return mustPass(t, w, w.plugin(plugin), subject, referrer, entry).Wall }
		s := interleave(w.plan.reps, ours, cli)
		c := report.NewComparison(report.SectionCLI, name, report.NewSeries(plugin, s[0]), report.NewSeries(cliName, s[1]), maxPluginOverCLI)
		t.Logf("%s: %.2fx (%.1f ms vs %.1f ms)", name, c.Ratio.OfMedians, c.Subject.Summary.Median, c.Baseline.Summary.Median)
		return c
	}
	cosignVerify := func(bin string, ref string) func() time.Duration {
		return func() time.Duration {
			return execCLI(t, w, w.cosignEnv, bin, "verify", "--key", w.pub, "--insecure-ignore-tlog=true", "--allow-http-registry", ref).Wall
		}
	}
	notationVerify := func() time.Duration {
		return execCLI(t, w, w.notationEnv, w.notationBin, "verify", "--insecure-registry", im.digestRef).Wall
	}
	provenance := func() time.Duration {
		return execCLI(t, w, w.cosignEnv, w.probes["sigstore-provenance"], "-key", w.pub, "-subject", im.digestRef,
			"-bundle", im.provenance.Digest.String(), "-builder-prefix", builderFlow+"@refs/tags/v1.", "-source", sourceRepo, "-plain-http").Wall
	}
	bundleEntry := w.wasmCosign()
	bundleEntry["artifactTypes"] = bundleEntry["artifactTypes"].(string) + ",application/vnd.dev.sigstore.bundle.v0.3+json"
	b, sig := w.bundleSigned, w.sigOnly
	return append([]report.Comparison{
		pair("cosign v2.6.5 key signature (.sig tag)", "wasm-cosign", w.wasmCosign(), sig.digestRef, sig.sig, "cosign v2.6.5 verify", cosignVerify(w.cosign2, sig.digestRef)),
		pair("cosign v3.1.3 sigstore bundle", "wasm-cosign", bundleEntry, b.digestRef, b.bundleSig, "cosign v3.1.3 verify", cosignVerify(w.cosign3, b.digestRef)),
		pair("notation v1.3.2 JWS signature", "wasm-notation", w.wasmNotation(), im.digestRef, im.notationSig, "notation v1.3.2 verify", notationVerify),
		pair("SLSA v1 provenance (cosign v3 bundle)", "wasm-slsa", w.wasmSLSA(), im.digestRef, im.provenance, "sigstore-go v1.3.0 check (bench/cmd/sigstore-provenance)", provenance),
	}, benchPull(t, w))
}

// maxPullOverVerify is the target: `pull` costs no more than `verify`
// plus one transfer of the layers.
const maxPullOverVerify = 1.0

// benchPull times `ratify-wasm pull` against `ratify-wasm verify` plus one
// transfer of the WASM layer (a bounded, digest-checked fetch in this
// process, the floor for moving the bytes), with all four verifiers and
// the same configuration, interleaved; the baseline of a round is the
// sum of that round's verify and transfer.
func benchPull(t *testing.T, w *world) report.Comparison {
	im := w.images[0]
	env := ratifytest.NewEnv(t, ratifytest.Config{CosignEnabled: true, Verifiers: []map[string]any{w.wasmCosign(), w.wasmNotation(), w.wasmSLSA(), w.wasmComposition()}})
	cli := filepath.Join(w.root, "bin", "ratify-wasm")
	out := t.TempDir()
	n := 0
	pull := func() time.Duration {
		n++
		return execCLI(t, w, nil, cli, "pull", im.digestRef, "--config", env.ConfigPath, "-o", filepath.Join(out, strconv.Itoa(n))).Wall
	}
	verify := func() time.Duration {
		return execCLI(t, w, nil, cli, "verify", im.digestRef, "--config", env.ConfigPath).Wall
	}
	layer := ocispec.Descriptor{MediaType: mediatype.CNCFLayer, Digest: digest.FromBytes(w.wasm), Size: int64(len(w.wasm))}
	client := oci.New(oci.Options{PlainHTTP: true})
	transfer := func() time.Duration {
		start := time.Now()
		if _, err := client.FetchBlob(context.Background(), w.reg.Host+"/"+im.repo, layer); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	pull()
	verify()
	s := interleave(w.plan.reps, pull, verify, transfer)
	baseline := make([]float64, len(s[1]))
	for i := range baseline {
		baseline[i] = s[1][i] + s[2][i]
	}
	c := report.NewComparison(report.SectionCLI, "pull against verify + one transfer of the layer",
		report.NewSeries("ratify-wasm pull", s[0]), report.NewSeries("ratify-wasm verify + layer fetch", baseline), maxPullOverVerify)
	t.Logf("pull: %.2fx (%.1f ms vs %.1f ms)", c.Ratio.OfMedians, c.Subject.Summary.Median, c.Baseline.Summary.Median)
	return c
}
