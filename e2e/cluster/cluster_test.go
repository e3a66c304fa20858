// Package cluster_test is the admission path on a real control plane:
// etcd and kube-apiserver on loopback (no kubelet), Gatekeeper's manager
// with its webhooks registered by URL (validation fails closed), the Ratify
// chart and this project's chart installed with helm, and Ratify in CRD
// mode run from the Deployment the Ratify chart rendered. Every row of the
// threat matrix is a Pod created through the API server.
package cluster_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/cluster"
	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"github.com/ratify-wasm/ratify-wasm/e2e/internal/supplychain"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// appNamespace is where the test's Pods are created.
const appNamespace = "apps"

type env struct {
	tools  *harness.Tools
	cp     *cluster.ControlPlane
	world  *supplychain.World
	ratify *cluster.RatifyPod
	svc    *cluster.Service
	dir    string
	chart  string // charts/ratify-wasm
	values []string
}

func setup(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	tools, err := harness.FindTools()
	if err != nil {
		t.Fatal(err) // never skip: a skipped suite looks green
	}
	dir := t.TempDir()
	t.Cleanup(func() {
		// The processes' logs say why; the folder goes with the test.
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(dir, "*", "*.log"))
			more, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.log"))
			for _, l := range append(logs, more...) {
				b, _ := os.ReadFile(l)
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				if len(lines) > 40 {
					lines = lines[len(lines)-40:]
				}
				t.Logf("--- %s\n%s", strings.TrimPrefix(l, dir+"/"), strings.Join(lines, "\n"))
			}
		}
	})
	e := &env{tools: tools, dir: dir, chart: filepath.Join(tools.Root, "charts", "ratify-wasm")}
	step := func(what string, f func() error) {
		t.Helper()
		start := time.Now()
		if err := f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%s: %s", what, time.Since(start).Round(time.Millisecond))
	}

	// The registry and its scenarios are published while the control plane starts.
	type built struct {
		w   *supplychain.World
		err error
	}
	published := make(chan built, 1)
	reg, err := registrytest.LaunchDistribution(tools.Path("registry"), filepath.Join(dir, "registry"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	go func() {
		w, err := supplychain.Build(ctx, tools, reg, filepath.Join(dir, "world"))
		published <- built{w, err}
	}()

	step("etcd and kube-apiserver ready", func() error {
		e.cp, err = cluster.StartControlPlane(ctx, tools, filepath.Join(dir, "cluster"))
		return err
	})
	t.Cleanup(e.cp.Stop)
	gkDir, err := cluster.ModuleDir(ctx, filepath.Join(tools.Root, "e2e"), "github.com/open-policy-agent/gatekeeper/v3")
	if err != nil {
		t.Fatal(err)
	}
	step("Gatekeeper CRDs, manager ready, webhooks registered", func() error {
		g, err := cluster.StartGatekeeper(ctx, e.cp, tools, filepath.Join(dir, "gatekeeper"), filepath.Join(gkDir, "charts", "gatekeeper", "crds"))
		if err == nil {
			t.Cleanup(g.Stop)
		}
		return err
	})

	b := <-published
	if b.err != nil {
		t.Fatal(b.err)
	}
	e.world = b.w
	t.Logf("published %d scenarios", len(e.world.Scenarios))

	ratifyDir, err := cluster.ModuleDir(ctx, tools.Root, "github.com/ratify-project/ratify")
	if err != nil {
		t.Fatal(err)
	}
	step("helm install ratify", func() error { return e.installRatify(ctx, filepath.Join(ratifyDir, "charts", "ratify")) })
	step("helm install ratify-wasm", func() error {
		if err := e.writeValues(nil); err != nil {
			return err
		}
		_, err := e.cp.Helm(ctx, e.tools, append([]string{"install", "ratify-wasm", e.chart, "--namespace", cluster.Namespace, "--take-ownership"}, e.valueArgs()...)...)
		return err
	})
	step("constraints and Ratify patch applied from the setup ConfigMap", func() error { return e.applySetup(ctx) })
	step("Ratify (CRD mode) ready", func() error {
		e.ratify, err = cluster.RunRatifyPod(ctx, e.cp, tools, filepath.Join(dir, "ratify"), "ratify")
		return err
	})
	t.Cleanup(func() { e.ratify.Stop() })
	step("providers pointed at the Ratify service", func() error {
		if e.svc, err = cluster.StartService(e.ratify.Addr); err != nil {
			return err
		}
		return cluster.PointProviders(ctx, e.cp, e.svc.Addr, "ratify-provider", "ratify-mutation-provider")
	})
	t.Cleanup(func() { e.svc.Stop() })
	step("application namespace", func() error { return e.appNamespace(ctx) })
	step("admission enforced", func() error {
		// Gatekeeper loads templates, constraints, providers and
		// mutators asynchronously: wait until the unsigned image is denied
		// and the verified one admitted.
		return cluster.Poll(ctx, 3*time.Minute, func(ctx context.Context) error {
			if _, err := e.createPod(ctx, "probe", e.world.Scenario("unsigned").Image, true); err == nil {
				return errors.New("unsigned image still admitted")
			}
			_, err := e.createPod(ctx, "probe", e.world.Scenario("verified").Image, true)
			return err
		})
	})
	return e
}

// installRatify installs the Ratify chart as its guide does, with the TLS
// certificate the test made (for ratify.gatekeeper-system and 127.0.0.1),
// the oras store over plain HTTP (the loopback registry), Ratify's own
// cosign verifier left on with the release key (the chart's Store discovers
// cosign's .sig tags only while it is; the policy never counts its reports,
// as it does not bind the signed digest to the subject) and no CRD upgrade
// Job (no pod runs).
func (e *env) installRatify(ctx context.Context, chart string) error {
	tls, err := harness.NewTLSDir(filepath.Join(e.dir, "ratify-tls"), "ratify.gatekeeper-system", "ratify.gatekeeper-system.svc")
	if err != nil {
		return err
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(tls.Dir, name))
		return string(b)
	}
	pub, err := os.ReadFile(e.world.Publisher.CosignPub)
	if err != nil {
		return err
	}
	values := map[string]any{
		"provider": map[string]any{"tls": map[string]any{
			"crt": read("tls.crt"), "key": read("tls.key"), "caCert": read("ca.crt"), "caKey": read("ca.key"),
			"cabundle": base64.StdEncoding.EncodeToString(tls.CAPEM),
		}},
		"oras":         map[string]any{"useHttp": true},
		"upgradeCRDs":  map[string]any{"enabled": false},
		"notation":     map[string]any{"enabled": false},
		"cosign":       map[string]any{"tLogVerify": false},
		"cosignKeys":   []string{string(pub)},
		"featureFlags": map[string]any{"RATIFY_CERT_ROTATION": false},
	}
	f := filepath.Join(e.dir, "ratify-values.yaml")
	raw, _ := json.Marshal(values)
	if err := os.WriteFile(f, raw, 0o600); err != nil {
		return err
	}
	_, err = e.cp.Helm(ctx, e.tools, "install", "ratify", chart, "--namespace", cluster.Namespace, "--values", f)
	return err
}

// writeValues writes the run-time values over ci/04-cluster-values.yaml:
// the generated trust material, the folders, the policy parameters of the
// world, and override (merged last, for upgrades).
func (e *env) writeValues(override map[string]any) error {
	pub, err := os.ReadFile(e.world.Publisher.CosignPub)
	if err != nil {
		return err
	}
	cert, err := os.ReadFile(e.world.Publisher.NotationCert)
	if err != nil {
		return err
	}
	values := map[string]any{
		"plugins": map[string]any{"preinstalled": map[string]any{"path": e.tools.Plugins}},
		"trust": map[string]any{
			"mountPath": filepath.Join(e.dir, "ratify", "trust"),
			"sources": map[string]any{
				"cosign-keys":    map[string]any{"files": map[string]any{"release.pub": string(pub)}},
				"notation-roots": map[string]any{"files": map[string]any{"wasm.example.crt": string(cert)}},
			},
		},
		"policy": map[string]any{"parameters": e.world.Params},
	}
	raw, _ := json.Marshal(values)
	if err := os.WriteFile(filepath.Join(e.dir, "values.yaml"), raw, 0o600); err != nil {
		return err
	}
	e.values = []string{filepath.Join(e.chart, "ci", "04-cluster-values.yaml"), filepath.Join(e.dir, "values.yaml")}
	if override != nil {
		raw, _ := json.Marshal(override)
		if err := os.WriteFile(filepath.Join(e.dir, "override.yaml"), raw, 0o600); err != nil {
			return err
		}
		e.values = append(e.values, filepath.Join(e.dir, "override.yaml"))
	}
	return nil
}

func (e *env) valueArgs() []string {
	var args []string
	for _, v := range e.values {
		args = append(args, "--values", v)
	}
	return args
}

// applySetup does what the chart's setup Job does (setup.enabled=false
// here, no pod runs): wait for the constraint CRDs Gatekeeper creates from
// the templates, apply the constraints, patch Ratify's Deployment.
func (e *env) applySetup(ctx context.Context) error {
	cm, err := e.cp.Client.CoreV1().ConfigMaps(cluster.Namespace).Get(ctx, "ratify-wasm-setup", metav1.GetOptions{})
	if err != nil {
		return err
	}
	objs, err := cluster.DecodeYAML(strings.NewReader(cm.Data["constraints.yaml"]))
	if err != nil || len(objs) == 0 {
		return fmt.Errorf("constraints.yaml of ratify-wasm-setup: %v (%d objects)", err, len(objs))
	}
	for _, o := range objs {
		crd := strings.ToLower(o.GetKind()) + ".constraints.gatekeeper.sh"
		if err := e.cp.WaitEstablished(ctx, 2*time.Minute, crd); err != nil {
			return err
		}
		if err := e.cp.Apply(ctx, o); err != nil {
			return err
		}
	}
	patch := cm.Data["ratify-patch.yaml"]
	if patch == "" {
		return errors.New("ratify-wasm-setup has no ratify-patch.yaml")
	}
	js, err := yamlToJSON(patch)
	if err != nil {
		return err
	}
	_, err = e.cp.Client.AppsV1().Deployments(cluster.Namespace).Patch(ctx, "ratify", types.StrategicMergePatchType, js, metav1.PatchOptions{FieldManager: cluster.FieldManager})
	return err
}

func yamlToJSON(s string) ([]byte, error) {
	objs, err := cluster.DecodeYAML(strings.NewReader(s))
	if err != nil || len(objs) != 1 {
		return nil, fmt.Errorf("want one YAML document: %v", err)
	}
	return json.Marshal(objs[0].Object)
}

// appNamespace creates the namespace, its default ServiceAccount (no
// controller-manager makes it) and the WASM runtime classes (the
// RuntimeClass admission plugin refuses pods naming a missing one).
func (e *env) appNamespace(ctx context.Context) error {
	c := e.cp.Client
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appNamespace}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	if _, err := c.CoreV1().ServiceAccounts(appNamespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	for _, rc := range []string{"wasmtime", "spin"} {
		if _, err := c.NodeV1().RuntimeClasses().Create(ctx, &nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: rc}, Handler: rc}, metav1.CreateOptions{}); err != nil {
			return err
		}
	}
	return nil
}

// createPod creates a Pod on the wasmtime runtime class running image; on
// refusal the error is the text `kubectl apply` prints.
func (e *env) createPod(ctx context.Context, name, image string, dryRun bool) (*corev1.Pod, error) {
	rc := "wasmtime"
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: appNamespace},
		Spec:       corev1.PodSpec{RuntimeClassName: &rc, Containers: []corev1.Container{{Name: "app", Image: image}}},
	}
	opts := metav1.CreateOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	got, err := e.cp.Client.CoreV1().Pods(appNamespace).Create(ctx, pod, opts)
	if err != nil {
		return nil, kubectlError(name, err)
	}
	return got, nil
}

// kubectlError is err as `kubectl apply -f pod.yaml` shows it.
func kubectlError(name string, err error) error {
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		reason := ""
		if se.ErrStatus.Reason != "" {
			reason = " (" + string(se.ErrStatus.Reason) + ")"
		}
		return fmt.Errorf("Error from server%s: error when creating \"%s.yaml\": %s", reason, name, se.ErrStatus.Message)
	}
	return err
}

func TestClusterAdmission(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	verified := e.world.Scenario("verified")

	for i, s := range e.world.Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			name := fmt.Sprintf("row-%02d", i)
			start := time.Now()
			pod, err := e.createPod(ctx, name, s.Image, false)
			t.Logf("%s (%s)", s.Threat, time.Since(start).Round(time.Millisecond))
			byTag := !strings.Contains(s.Image, "@")
			admit := s.Admit
			why := s.Why
			if byTag {
				// Gatekeeper's mutation has replaced the tag with the digest
				// it names before validation: the pod stands or falls with
				// that digest.
				admit, why = s.AdmitPinned, s.WhyPinned
			}
			if err != nil {
				t.Logf("  %s", err)
			}
			if admit {
				if err != nil {
					t.Fatalf("%s: want admitted, got: %v", s.Threat, err)
				}
				if byTag && pod.Spec.Containers[0].Image != verified.Image {
					t.Fatalf("admitted by tag, but the image is %s, not the verified digest %s", pod.Spec.Containers[0].Image, verified.Image)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s: want denied, got admitted with image %s", s.Threat, pod.Spec.Containers[0].Image)
			}
			msg := err.Error()
			for _, p := range append([]string{`admission webhook "validation.gatekeeper.sh" denied the request`}, why...) {
				if !strings.Contains(msg, p) {
					t.Errorf("denial does not contain %q", p)
				}
			}
			if strings.Contains(msg, "plugin failed with error") || strings.Contains(msg, "PLUGIN_INIT_FAILURE") {
				t.Errorf("denied because a plugin crashed, not because of the threat")
			}
		})
	}

	t.Run("every_image_of_the_pod", func(t *testing.T) {
		unsigned := e.world.Scenario("unsigned")
		rc := "spin"
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "init", Namespace: appNamespace},
			Spec: corev1.PodSpec{RuntimeClassName: &rc,
				InitContainers: []corev1.Container{{Name: "init", Image: unsigned.Image}},
				Containers:     []corev1.Container{{Name: "app", Image: verified.Image}}},
		}
		_, err := e.cp.Client.CoreV1().Pods(appNamespace).Create(ctx, pod, metav1.CreateOptions{})
		if err == nil {
			t.Fatal("a pod whose init container runs an unsigned image was admitted")
		}
		t.Logf("%v", kubectlError("init", err))
		for _, p := range unsigned.Why {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("denial does not contain %q", p)
			}
		}
	})

	t.Run("pod_without_wasm_runtime_class_is_untouched", func(t *testing.T) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "runc", Namespace: appNamespace},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: e.world.Scenario("unsigned").Image}}},
		}
		if _, err := e.cp.Client.CoreV1().Pods(appNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatalf("a pod without a WASM runtime class must not be looked at: %v", kubectlError("runc", err))
		}
	})

	t.Run("helm_upgrade_changes_trust_policy", func(t *testing.T) {
		// No signature key or identity in scope for the registry any more:
		// the verified image is refused once Ratify's reconcilers and both
		// caches (Ratify's and Gatekeeper's) have caught up; nothing is
		// restarted.
		other := "other.example/*"
		revoke := map[string]any{"verifiers": map[string]any{
			"cosign": map[string]any{"parameters": map[string]any{"trustPolicies": []any{map[string]any{
				"name": "release", "scopes": []string{other}, "keys": []any{map[string]any{"file": "cosign-keys/release.pub"}}, "insecureIgnoreTlog": true,
			}}}},
			"notation": map[string]any{"parameters": map[string]any{"trustPolicyDoc": map[string]any{
				"version": "1.0", "trustPolicies": []any{map[string]any{
					"name": "release", "registryScopes": []string{"other.example/app"},
					"signatureVerification": map[string]any{"level": "strict"},
					"trustStores":           []string{"ca:wasm.example"}, "trustedIdentities": []string{supplychain.NotationIdentity},
				}},
			}}},
		}}
		e.upgradeUntil(t, revoke, func(err error) error {
			if err == nil {
				return errors.New("verified image still admitted")
			}
			if !strings.Contains(err.Error(), "no passing signature report") {
				return fmt.Errorf("denied for another reason: %v", err)
			}
			return nil
		})
		e.upgradeUntil(t, nil, func(err error) error { return err })
	})

	t.Run("without_mutation_a_tag_is_refused", func(t *testing.T) {
		// The Ratify chart's Assign mutate-pod-image (provider.enableMutation)
		// is what turns tags into the digests Ratify resolved: without it
		// the same pod is refused for its tag.
		assign := schema.GroupVersionKind{Group: "mutations.gatekeeper.sh", Version: "v1", Kind: "Assign"}
		if err := e.cp.Delete(ctx, assign, "", "mutate-pod-image"); err != nil {
			t.Fatal(err)
		}
		tagged := e.world.Scenario("verified_tag")
		var last error
		err := cluster.Poll(ctx, time.Minute, func(ctx context.Context) error {
			_, last = e.createPod(ctx, "tag", tagged.Image, true)
			if last == nil || !strings.Contains(last.Error(), "is not pinned by digest") {
				return fmt.Errorf("tag pod not refused for its tag: %v", last)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v", last)
	})

	t.Run("ratify_slower_than_the_webhook_timeout", func(t *testing.T) {
		e.svc.SetDelay(time.Duration(cluster.ValidatingTimeout+2) * time.Second)
		defer e.svc.SetDelay(0)
		time.Sleep(cluster.ResponseCacheTTL + time.Second) // Gatekeeper's cached answers expire
		start := time.Now()
		_, err := e.createPod(ctx, "slow", verified.Image, false)
		t.Logf("answer after %s: %v", time.Since(start).Round(time.Millisecond), err)
		if err == nil {
			t.Fatal("admitted while Ratify did not answer in time")
		}
		wantFailClosed(t, err)
	})

	// Last: Ratify goes away; admission fails closed.
	t.Run("ratify_stopped", func(t *testing.T) {
		e.ratify.Stop()
		time.Sleep(cluster.ResponseCacheTTL + time.Second)
		_, err := e.createPod(ctx, "stopped", verified.Image, false)
		t.Logf("%v", err)
		if err == nil {
			t.Fatal("admitted while Ratify is stopped")
		}
		wantFailClosed(t, err)
	})
}

// wantFailClosed fails unless err is the pod refused because Ratify did
// not answer: by the mutation webhook (the Assign's external data fails
// closed), the validation webhook (the template's system_error rule), or
// the API server itself when the validation webhook timed out
// (failurePolicy Fail), whichever came first.
func wantFailClosed(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	by := false
	for _, w := range []string{`admission webhook "validation.gatekeeper.sh" denied`, `admission webhook "mutation.gatekeeper.sh" denied`, `failed calling webhook "validation.gatekeeper.sh"`} {
		by = by || strings.Contains(msg, w)
	}
	if !by {
		t.Fatalf("not refused by Gatekeeper or its failurePolicy: %v", err)
	}
	for _, sign := range []string{"failed to send external data request", "context deadline exceeded", "Client.Timeout exceeded"} {
		if strings.Contains(msg, sign) {
			return
		}
	}
	t.Fatalf("refused, but not because Ratify did not answer: %v", err)
}

// upgradeUntil runs `helm upgrade` with override over the test values and
// waits until a new Pod with the verified image gets the decision ok
// accepts; it logs how long that took.
func (e *env) upgradeUntil(t *testing.T, override map[string]any, ok func(error) error) {
	t.Helper()
	ctx := context.Background()
	if err := e.writeValues(override); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := e.cp.Helm(ctx, e.tools, append([]string{"upgrade", "ratify-wasm", e.chart, "--namespace", cluster.Namespace}, e.valueArgs()...)...); err != nil {
		t.Fatal(err)
	}
	var last error
	err := cluster.Poll(ctx, 2*time.Minute, func(ctx context.Context) error {
		_, err := e.createPod(ctx, "upgrade", e.world.Scenario("verified").Image, true)
		last = err
		return ok(err)
	})
	if err != nil {
		t.Fatalf("after helm upgrade: %v", err)
	}
	t.Logf("in effect %s after helm upgrade: %v", time.Since(start).Round(time.Second), last)
}
