package charttest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	configv1beta1 "github.com/ratify-project/ratify/api/v1beta1"
	cutils "github.com/ratify-project/ratify/pkg/controllers/utils"
	// Registers the Rego policy provider, as Ratify's binary does.
	_ "github.com/ratify-project/ratify/pkg/policyprovider/regopolicy"
	"github.com/ratify-project/ratify/pkg/verifier/factory"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/ratify-wasm/ratify-wasm/internal/builtin"
	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/notation"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// decoders run each plugin's own configuration decoder (the one its binary
// runs on every verification) on one verifier entry.
var decoders = map[string]func(entry map[string]any) (plugin.Common, error){
	"wasm-cosign": func(e map[string]any) (plugin.Common, error) {
		c, _, err := plugin.DecodeConfig(e, cosign.Plugin.NewConfig)
		return c, err
	},
	"wasm-notation": func(e map[string]any) (plugin.Common, error) {
		c, _, err := plugin.DecodeConfig(e, notation.Plugin.NewConfig)
		return c, err
	},
	"wasm-slsa": func(e map[string]any) (plugin.Common, error) {
		c, _, err := plugin.DecodeConfig(e, slsa.Plugin.NewConfig)
		return c, err
	},
	"wasm-composition": func(e map[string]any) (plugin.Common, error) {
		c, _, err := plugin.DecodeConfig(e, composition.Plugin.NewConfig)
		return c, err
	},
}

// ratifyDeployment renders the Ratify v1.4.6 chart (from the module cache)
// with the settings the chart README's install section gives, and fullname
// name, and returns its Deployment.
func ratifyDeployment(t testing.TB, name string) map[string]any {
	t.Helper()
	chart := filepath.Join(moduleDir(t, ratifyModule), "charts", "ratify")
	key := filepath.Join(t.TempDir(), "composition-list-signer.pub")
	pem := path(readValues(t, filepath.Join(chartDir(t), "ci", "01-oci-inline-trust-values.yaml")), "trust", "sources", "cosign-keys", "files", "release.pub").(string)
	if err := os.WriteFile(key, []byte(pem), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := helm(t, "template", "ratify", chart, "--namespace", namespace,
		"--set", "featureFlags.RATIFY_CERT_ROTATION=true",
		"--set", "featureFlags.RATIFY_EXPERIMENTAL_DYNAMIC_PLUGINS=true",
		"--set", "notation.enabled=false",
		"--set-file", "cosignKeys[0]="+key,
		"--set", "fullnameOverride="+name)
	if err != nil {
		t.Fatalf("helm template of Ratify's chart: %v\n%s", err, stderr)
	}
	return find(t, parseManifests(t, out), "Deployment", name)
}

// patchDeployment applies the chart's patch to Ratify's Deployment the way
// `kubectl patch --type=strategic` does and decodes the result strictly.
func patchDeployment(t testing.TB, deploy map[string]any, patch map[string]any) *appsv1.Deployment {
	t.Helper()
	original, _ := json.Marshal(deploy)
	p, _ := json.Marshal(patch)
	merged, err := strategicpatch.StrategicMergePatch(original, p, appsv1.Deployment{})
	if err != nil {
		t.Fatalf("strategic merge patch of Ratify's Deployment: %v", err)
	}
	var d appsv1.Deployment
	if err := convert(json.RawMessage(merged), &d); err != nil {
		t.Fatalf("patched Deployment: %v", err)
	}
	return &d
}

// checkPodSpec does what the API server would: mounts name existing
// volumes, names and mount paths are unique.
func checkPodSpec(t testing.TB, spec *corev1.PodSpec) {
	t.Helper()
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		if volumes[v.Name] {
			t.Errorf("duplicate volume %q in the patched pod", v.Name)
		}
		volumes[v.Name] = true
	}
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		paths := map[string]bool{}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				t.Errorf("container %s mounts volume %q, which the pod does not have", c.Name, m.Name)
			}
			if paths[m.MountPath] {
				t.Errorf("container %s mounts %s twice", c.Name, m.MountPath)
			}
			paths[m.MountPath] = true
		}
	}
}

func container(spec *corev1.PodSpec, name string) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == name {
			return &spec.Containers[i]
		}
	}
	return nil
}

// clusterObjects returns the Secrets and ConfigMaps a value set expects to
// exist (testdata/cluster-objects.yaml) plus those the chart rendered, by
// kind and name, as file name -> content.
func clusterObjects(t testing.TB, rendered []object) map[string]map[string][]byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "cluster-objects.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs := append(parseManifests(t, string(raw)), rendered...)
	out := map[string]map[string][]byte{}
	for _, o := range objs {
		if o.kind() != "ConfigMap" && o.kind() != "Secret" {
			continue
		}
		files := map[string][]byte{}
		for _, field := range []string{"data", "stringData", "binaryData"} {
			m, _ := o[field].(map[string]any)
			for k, v := range m {
				s, _ := v.(string)
				b := []byte(s)
				if (o.kind() == "Secret" && field == "data") || field == "binaryData" {
					if b, err = base64.StdEncoding.DecodeString(s); err != nil {
						t.Fatalf("%s %s: %v", o, k, err)
					}
				}
				if ref, ok := strings.CutPrefix(s, "@file:"); ok {
					if b, err = os.ReadFile(filepath.Join(testenv.RepoRoot(t), ref)); err != nil {
						t.Fatal(err)
					}
				}
				files[k] = b
			}
		}
		out[o.kind()+"/"+o.name()] = files
	}
	return out
}

// project writes files into dir as the kubelet's atomic writer does for
// Secret and ConfigMap volumes: the files live in a hidden timestamped
// folder, "..data" links to it and each key is a link into "..data".
func project(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	ts := filepath.Join(dir, "..2026_01_01_00_00_00.000000001")
	if err := os.MkdirAll(ts, 0o755); err != nil {
		t.Fatal(err)
	}
	for k, b := range files {
		if err := os.WriteFile(filepath.Join(ts, k), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("..data", k), filepath.Join(dir, k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Base(ts), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
}

// verifierEntry turns a rendered Verifier into the configuration Ratify's
// Verifier controller hands the plugin (Ratify's own conversion).
func verifierEntry(t testing.TB, o object) (map[string]any, configv1beta1.Verifier) {
	t.Helper()
	var v configv1beta1.Verifier
	raw, _ := json.Marshal(o)
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s is not a Ratify Verifier: %v", o, err)
	}
	vc, err := cutils.SpecToVerifierConfig(v.Spec.Parameters.Raw, v.Name, cutils.GetVerifierType(v.Spec), v.Spec.ArtifactTypes, v.Spec.Source)
	if err != nil {
		t.Fatalf("Ratify rejects %s: %v", o, err)
	}
	return vc, v
}

// TestPluginsDecodeRenderedConfig checks, for every value set, what Ratify's
// pod would run: the chart's patch applied to the Deployment of Ratify's
// own chart, the Secrets and ConfigMaps projected where the pod mounts
// them, and each Verifier converted by Ratify's controller code and
// decoded by its plugin's own configuration decoder, which loads every
// key, certificate, trusted root, trust policy and allowlist it names.
func TestPluginsDecodeRenderedConfig(t *testing.T) {
	for _, vs := range valueSets(t) {
		t.Run(filepath.Base(vs), func(t *testing.T) {
			values := effectiveValues(t, vs)
			// Everything the pod mounts goes under root, so the absolute
			// paths in the plugin configuration exist on this machine.
			root := t.TempDir()
			mountPath := root + path(values, "trust", "mountPath").(string)
			pluginPath := root + path(values, "plugins", "path").(string)
			objs := render(t, []string{vs}, "--set", "trust.mountPath="+mountPath, "--set", "plugins.path="+pluginPath)

			deployName := path(values, "ratify", "deployment").(string)
			deploy := ratifyDeployment(t, deployName)
			_, patch := setupObjects(t, objs)
			pod := patchDeployment(t, deploy, patch).Spec.Template.Spec
			if patch == nil {
				pod = patchDeployment(t, deploy, map[string]any{}).Spec.Template.Spec
			}
			checkPodSpec(t, &pod)
			ratify := container(&pod, path(values, "ratify", "container").(string))
			if ratify == nil {
				t.Fatalf("Ratify's pod has no container %v", path(values, "ratify", "container"))
			}

			// Project every Secret and ConfigMap the Ratify container mounts.
			objects := clusterObjects(t, objs)
			volumes := map[string]corev1.Volume{}
			for _, v := range pod.Volumes {
				volumes[v.Name] = v
			}
			projected := 0
			for _, m := range ratify.VolumeMounts {
				if !strings.HasPrefix(m.MountPath, root) {
					continue // Ratify's own mounts
				}
				v := volumes[m.Name]
				var key string
				switch {
				case v.Secret != nil:
					key = "Secret/" + v.Secret.SecretName
				case v.ConfigMap != nil:
					key = "ConfigMap/" + v.ConfigMap.Name
				case v.EmptyDir != nil:
					continue
				default:
					t.Fatalf("volume %s: unexpected source %+v", v.Name, v.VolumeSource)
				}
				files, ok := objects[key]
				if !ok {
					t.Fatalf("the pod mounts %s, which neither the chart nor the cluster has", key)
				}
				if !m.ReadOnly {
					t.Errorf("trust mount %s is writable", m.MountPath)
				}
				project(t, m.MountPath, files)
				projected++
			}
			if want := len(path(values, "trust", "sources").(map[string]any)); projected != want {
				t.Errorf("the pod mounts %d trust sources, values define %d", projected, want)
			}

			for _, o := range byKind(objs, "Verifier") {
				entry, v := verifierEntry(t, o)
				if !slices.Contains(plugin.SupportedVersions, v.Spec.Version) {
					t.Errorf("%s: version %q, plugins support %v", o, v.Spec.Version, plugin.SupportedVersions)
				}
				checkPluginLocation(t, values, v, entry, ratify, &pod)
				decode := decoders[cutils.GetVerifierType(v.Spec)]
				if decode == nil {
					t.Fatalf("%s runs binary %q, which is not one of the plugins", o, cutils.GetVerifierType(v.Spec))
				}
				common, err := decode(entry)
				if err != nil {
					t.Errorf("%s: the plugin refuses the chart's configuration: %v\nentry: %s", o, err, jsonString(entry))
					continue
				}
				if common.Name != v.Name {
					t.Errorf("%s: the plugin reports as %q", o, common.Name)
				}
				if want := path(values, "common", "nonWasmSubjects"); common.NonWasmSubjects != want {
					t.Errorf("%s: nonWasmSubjects %q, values say %v", o, common.NonWasmSubjects, want)
				}
			}
		})
	}
}

// ratifyImage is the image of Ratify's container in the Ratify chart.
const ratifyImage = "ghcr.io/notaryproject/ratify:v1.4.6"

var registerBuiltin sync.Once

// checkPluginLocation checks that Ratify finds the binary where the
// delivery mode puts it, or, with builtin delivery, that Ratify's
// container runs the ratify-builtin image and the Verifier needs no binary.
func checkPluginLocation(t testing.TB, values map[string]any, v configv1beta1.Verifier, entry map[string]any, ratify *corev1.Container, pod *corev1.PodSpec) {
	t.Helper()
	flavour := path(values, "plugins", "flavour")
	delivery := path(values, "plugins", "delivery")
	if delivery != "builtin" && ratify.Image != ratifyImage {
		t.Errorf("Ratify's container runs %s with %v delivery; only builtin delivery changes Ratify's image (%s)", ratify.Image, delivery, ratifyImage)
	}
	switch delivery {
	case "oci":
		// The cloud flavour is published beside the default one as
		// <plugin>-cloud (charts.mk plugins-oci PLUGINS_OCI_FLAVOUR=cloud).
		artifact := path(values, "plugins", "oci", "repository").(string) + "/" + v.Name
		if flavour == "cloud" {
			artifact += "-cloud"
		}
		want := fmt.Sprintf("%s:%s", artifact, path(values, "plugins", "oci", "tag"))
		if d, ok := path(values, "plugins", "oci", "digests", v.Name).(string); ok {
			want = fmt.Sprintf("%s@%s", artifact, d)
		}
		if v.Spec.Source == nil || v.Spec.Source.Artifact != want || v.Spec.Address != "" {
			t.Fatalf("Verifier %s: source %+v address %q, want artifact %s", v.Name, v.Spec.Source, v.Spec.Address, want)
		}
		var auth map[string]any
		if raw := v.Spec.Source.AuthProvider.Raw; len(raw) > 0 {
			if err := json.Unmarshal(raw, &auth); err != nil {
				t.Fatal(err)
			}
		}
		if want, _ := path(values, "plugins", "oci", "authProvider").(map[string]any); len(want) > 0 || len(auth) > 0 {
			if jsonString(auth) != jsonString(want) {
				t.Errorf("Verifier %s: source authProvider %s, values say %s", v.Name, jsonString(auth), jsonString(want))
			}
		}
	case "initContainer":
		if v.Spec.Source != nil {
			t.Errorf("Verifier %s has a source with an init container", v.Name)
		}
		var volume string
		for _, m := range ratify.VolumeMounts {
			if m.MountPath == v.Spec.Address {
				volume = m.Name
			}
		}
		if volume == "" {
			t.Fatalf("Verifier %s: address %s is not mounted in Ratify's container", v.Name, v.Spec.Address)
		}
		image := path(values, "plugins", "initContainer", "image")
		source := path(values, "plugins", "initContainer", "sourcePath").(string)
		if flavour == "cloud" {
			source = path(values, "plugins", "initContainer", "cloudSourcePath").(string)
		}
		copied := false
		for _, c := range pod.InitContainers {
			for _, m := range c.VolumeMounts {
				if m.Name == volume && c.Image == image && slices.Contains(c.Command, strings.TrimSuffix(source, "/")+"/.") && slices.Contains(c.Command, m.MountPath+"/") {
					copied = true
				}
			}
		}
		if !copied {
			t.Errorf("no init container of image %v copies into volume %s (Verifier %s address %s)", image, volume, v.Name, v.Spec.Address)
		}
	case "preinstalled":
		if v.Spec.Source != nil || v.Spec.Address != path(values, "plugins", "preinstalled", "path") {
			t.Errorf("Verifier %s: address %q source %+v", v.Name, v.Spec.Address, v.Spec.Source)
		}
	case "builtin":
		// Nothing to download or find: Ratify's own built-in Verifiers
		// (notation, cosign) have no source and no address either.
		if v.Spec.Source != nil || v.Spec.Address != "" {
			t.Errorf("Verifier %s: address %q source %+v; a built-in verifier has neither", v.Name, v.Spec.Address, v.Spec.Source)
		}
		if want := path(values, "plugins", "builtin", "image"); ratify.Image != want {
			t.Errorf("Ratify's container runs %s, want plugins.builtin.image %v", ratify.Image, want)
		}
		// The image replaces the binary the Deployment starts.
		if !slices.Equal(ratify.Command, []string{"/app/ratify"}) {
			t.Errorf("Ratify's container command %q; the chart README has the image put ratify-builtin at /app/ratify", ratify.Command)
		}
		for _, c := range pod.InitContainers {
			if c.Name == "ratify-wasm-plugins" {
				t.Errorf("builtin delivery: the pod still has the plugin init container")
			}
		}
		for _, vol := range pod.Volumes {
			if vol.Name == "ratify-wasm-plugins" {
				t.Errorf("builtin delivery: the pod still has the plugin volume")
			}
		}
		// What ratify-builtin's Verifier controller does with the resource:
		// Ratify's factory, with the four verifiers registered as
		// internal/builtin registers them, and an empty plugin folder.
		registerBuiltin.Do(builtin.Register)
		empty := t.TempDir()
		rv, err := factory.CreateVerifierFromConfig(entry, v.Spec.Version, []string{empty}, namespace)
		if err != nil {
			t.Fatalf("Verifier %s: ratify-builtin's factory refuses it with no plugin binary: %v", v.Name, err)
		}
		if rv.Name() != v.Name {
			t.Errorf("Verifier %s: created as %q", v.Name, rv.Name())
		}
	default:
		t.Fatalf("delivery %v", delivery)
	}
}

// TestDecodingReadsTheMountedFiles is the control for
// TestPluginsDecodeRenderedConfig: without the projected trust material
// the same configuration is refused with a message naming the key.
func TestDecodingReadsTheMountedFiles(t *testing.T) {
	vs := filepath.Join(chartDir(t), "ci", "01-oci-inline-trust-values.yaml")
	root := t.TempDir()
	objs := render(t, []string{vs}, "--set", "trust.mountPath="+root+"/trust")
	want := map[string]string{
		"wasm-cosign":      `key "trustPolicies[0].keys[0].file"`,
		"wasm-notation":    `key "trustStores.ca.wasm-roots"`,
		"wasm-slsa":        `key "trustPolicies[0].keys[0].file"`,
		"wasm-composition": `key "allowlistPath"`,
	}
	for _, o := range byKind(objs, "Verifier") {
		entry, v := verifierEntry(t, o)
		_, err := decoders[cutils.GetVerifierType(v.Spec)](entry)
		if err == nil || !strings.Contains(err.Error(), want[v.Name]) {
			t.Errorf("%s without its files: %v, want an error naming %s", o, err, want[v.Name])
		}
	}
}

// TestRatifyLoadsRenderedPolicy hands the rendered Policy to Ratify's own
// Policy controller code (the Rego compiled by Ratify v1.4.6's OPA) and
// evaluates reports recorded from real `ratify verify` runs
// (policies/ratify/testdata/golden) with it: the parameters from the
// values decide the verdict.
func TestRatifyLoadsRenderedPolicy(t *testing.T) {
	testdata := filepath.Join(testenv.RepoRoot(t), "policies", "ratify", "testdata")
	golden := func(name string) []any {
		raw, err := os.ReadFile(filepath.Join(testdata, "golden", name, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep map[string]any
		if err := json.Unmarshal(raw, &rep); err != nil {
			t.Fatalf("golden %s: %v", name, err)
		}
		reports, ok := rep["verifierReports"].([]any)
		if !ok {
			t.Fatalf("golden %s: no verifierReports", name)
		}
		return reports
	}
	verified, unsigned := golden("verified"), golden("unsigned")
	// The verified artifact (notation and cosign signatures, provenance, a
	// signed composition list, in 127.0.0.1:<port>/myorg/payments) passes
	// the chart's default
	// parameters (02, 06) and a cosign-only policy without composition (03),
	// not 01, which allows only ghcr.io/myorg and registry.example.com,
	// nor 05 (the README's example), which allows only ghcr.io/myorg.
	wantVerified := map[string]bool{
		"01-oci-inline-trust-values.yaml":              false,
		"02-init-container-existing-trust-values.yaml": true,
		"03-preinstalled-inline-keys-values.yaml":      true,
		"04-cluster-values.yaml":                       true,
		"05-readme-values.yaml":                        false,
		"06-builtin-values.yaml":                       true,
	}
	for _, vs := range valueSets(t) {
		t.Run(filepath.Base(vs), func(t *testing.T) {
			pol := find(t, render(t, []string{vs}), "Policy", "ratify-policy")
			var p configv1beta1.Policy
			raw, _ := json.Marshal(pol)
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			enforcer, err := cutils.SpecToPolicyEnforcer(p.Spec.Parameters.Raw, p.Spec.Type)
			if err != nil {
				t.Fatalf("Ratify refuses the Policy: %v", err)
			}
			want, ok := wantVerified[filepath.Base(vs)]
			if !ok {
				t.Fatalf("no expectation for value set %s", filepath.Base(vs))
			}
			if got := enforcer.OverallVerifyResult(context.Background(), verified); got != want {
				t.Errorf("verified artifact: valid=%v, want %v", got, want)
			}
			if enforcer.OverallVerifyResult(context.Background(), unsigned) {
				t.Error("unsigned artifact: valid")
			}
		})
	}
}
