package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Namespace is where Gatekeeper and Ratify live (both charts' default).
const Namespace = "gatekeeper-system"

// Gatekeeper settings from Ratify's installation guide (Gatekeeper chart
// values validatingWebhookTimeoutSeconds=5, mutatingWebhookTimeoutSeconds=2,
// externaldataProviderResponseCacheTTL=10s); the webhook fails closed.
const (
	ValidatingTimeout = 5
	MutatingTimeout   = 2
	ResponseCacheTTL  = 10 * time.Second
)

// podName is the Pod that stands for the Gatekeeper process.
const podName = "gatekeeper-controller-manager-0"

// Gatekeeper is the manager binary (webhook, mutation webhook, status)
// running out of cluster against the control plane.
type Gatekeeper struct {
	URL string // https://127.0.0.1:<port>, the webhook server
	*testenv.Process
}

// ModuleDir returns the directory of module (as required by the module
// in dir) in the module cache, downloading it if needed.
func ModuleDir(ctx context.Context, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s in %s: %w", module, dir, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %v %s %s", module, err, m.Error, out)
	}
	return m.Dir, nil
}

// StartGatekeeper installs Gatekeeper's CRDs (from its chart in crdDir),
// starts the manager and registers its validating (failurePolicy Fail)
// and mutating webhooks by URL with the generated CA.
func StartGatekeeper(ctx context.Context, cp *ControlPlane, t *harness.Tools, dir, crdDir string) (*Gatekeeper, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace, Labels: map[string]string{
		"admission.gatekeeper.sh/ignore": "no-self-managing",
	}}}
	if _, err := cp.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	// Gatekeeper reads its own Pod (POD_NAME) to own its status objects;
	// this one stands for the process and stays pending. No
	// controller-manager creates the default ServiceAccount it needs.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: Namespace}}
	if _, err := cp.Client.CoreV1().ServiceAccounts(Namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: podName, Namespace: Namespace},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "openpolicyagent/gatekeeper"}}},
	}
	if _, err := cp.Client.CoreV1().Pods(Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	crds, err := filepath.Glob(filepath.Join(crdDir, "*.yaml"))
	if err != nil || len(crds) == 0 {
		return nil, fmt.Errorf("no Gatekeeper CRDs in %s", crdDir)
	}
	if err := cp.ApplyFiles(ctx, crds...); err != nil {
		return nil, err
	}
	var names []string
	for _, f := range crds {
		b, _ := os.ReadFile(f)
		objs, err := DecodeYAML(strings.NewReader(string(b)))
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			names = append(names, o.GetName())
		}
	}
	if err := cp.WaitEstablished(ctx, time.Minute, names...); err != nil {
		return nil, err
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	certs, err := harness.NewTLSDir(filepath.Join(dir, "certs"), "gatekeeper-webhook-service.gatekeeper-system.svc")
	if err != nil {
		return nil, err
	}
	addr, err := testenv.FreeAddr()
	if err != nil {
		return nil, err
	}
	health, err := testenv.FreeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(addr, ":")
	env := append(cp.Env(), "POD_NAMESPACE="+Namespace, "POD_NAME="+podName)
	// The flags of Gatekeeper's chart for its webhook pod (operations,
	// exempt namespace, no http.send) with certificates supplied, plus the
	// audit pod's generate operation, which creates the constraint CRDs.
	p, err := testenv.Start("gatekeeper", dir, env, t.Path("gatekeeper"),
		"--host="+host, "--port="+port, "--cert-dir="+certs.Dir, "--disable-cert-rotation",
		"--health-addr="+health, "--metrics-addr=0",
		"--operation=webhook", "--operation=mutation-webhook", "--operation=status", "--operation=mutation-status", "--operation=generate",
		"--exempt-namespace="+Namespace, "--disable-opa-builtin={http.send}",
		"--enable-external-data=true", fmt.Sprintf("--external-data-provider-response-cache-ttl=%s", ResponseCacheTTL),
		"--log-level=INFO")
	if err != nil {
		return nil, err
	}
	g := &Gatekeeper{URL: "https://" + addr, Process: p}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certs.CAPEM)
	err = p.WaitReady(ctx, 3*time.Minute, func(ctx context.Context) error {
		if _, err := get(ctx, http.DefaultClient, "http://"+health+"/readyz"); err != nil {
			return err
		}
		// The webhook port presents the certificate our CA signed.
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
		if err != nil {
			return err
		}
		return c.Close()
	})
	if err != nil {
		p.Stop()
		return nil, err
	}
	if err := g.register(ctx, cp, certs.CAPEM); err != nil {
		p.Stop()
		return nil, err
	}
	return g, nil
}

// register creates the webhook configurations of Gatekeeper's chart with
// a URL instead of a Service: the API server calls the process directly.
func (g *Gatekeeper) register(ctx context.Context, cp *ControlPlane, caPEM []byte) error {
	fail, ignore := admissionv1.Fail, admissionv1.Ignore
	exact := admissionv1.Exact
	none := admissionv1.SideEffectClassNone
	vt, mt := int32(ValidatingTimeout), int32(MutatingTimeout)
	selector := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "admission.gatekeeper.sh/ignore", Operator: metav1.LabelSelectorOpDoesNotExist},
		{Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{Namespace}},
	}}
	rules := []admissionv1.RuleWithOperations{{
		Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
		Rule:       admissionv1.Rule{APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*"}},
	}}
	url := func(path string) *string { u := g.URL + path; return &u }
	vwc := &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "gatekeeper-validating-webhook-configuration", Labels: map[string]string{"gatekeeper.sh/system": "yes"}},
		Webhooks: []admissionv1.ValidatingWebhook{{
			Name:                    "validation.gatekeeper.sh",
			ClientConfig:            admissionv1.WebhookClientConfig{URL: url("/v1/admit"), CABundle: caPEM},
			Rules:                   rules,
			FailurePolicy:           &fail,
			MatchPolicy:             &exact,
			NamespaceSelector:       selector,
			SideEffects:             &none,
			TimeoutSeconds:          &vt,
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
		}},
	}
	mwc := &admissionv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "gatekeeper-mutating-webhook-configuration", Labels: map[string]string{"gatekeeper.sh/system": "yes"}},
		Webhooks: []admissionv1.MutatingWebhook{{
			Name:                    "mutation.gatekeeper.sh",
			ClientConfig:            admissionv1.WebhookClientConfig{URL: url("/v1/mutate"), CABundle: caPEM},
			Rules:                   rules,
			FailurePolicy:           &ignore, // the chart's default; validation is the gate
			MatchPolicy:             &exact,
			NamespaceSelector:       selector,
			SideEffects:             &none,
			TimeoutSeconds:          &mt,
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
		}},
	}
	if _, err := cp.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		return err
	}
	_, err := cp.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, mwc, metav1.CreateOptions{})
	return err
}
