// Package cluster runs a Kubernetes control plane on loopback without a
// kubelet: etcd and kube-apiserver built into ./bin by `make cluster-tools`,
// Gatekeeper's manager out of cluster with its webhooks registered by URL,
// and Ratify in CRD mode run from the Deployment the Ratify chart renders.
// Pods are admitted or denied, never scheduled.
package cluster

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Binaries are the control-plane binaries `make cluster-tools` builds.
var Binaries = []string{"etcd", "kube-apiserver", "gatekeeper", "helm"}

// ControlPlane is etcd and kube-apiserver on loopback, with an admin
// kubeconfig (a static token in system:masters).
type ControlPlane struct {
	Dir        string
	Server     string // https://127.0.0.1:<port>
	Kubeconfig string
	Config     *rest.Config
	Client     kubernetes.Interface
	Dynamic    dynamic.Interface
	etcd, api  *testenv.Process
	etcdURL    string
	mapper     *restmapper.DeferredDiscoveryRESTMapper
}

// StartControlPlane starts etcd and kube-apiserver under dir and waits
// until the API server reports ready.
func StartControlPlane(ctx context.Context, t *harness.Tools, dir string) (*ControlPlane, error) {
	for _, b := range Binaries {
		if _, err := os.Stat(t.Path(b)); err != nil {
			return nil, fmt.Errorf("missing %s (run `make cluster-tools`)", t.Path(b))
		}
	}
	cp := &ControlPlane{Dir: dir}
	if err := cp.startEtcd(ctx, t); err != nil {
		return nil, err
	}
	if err := cp.startAPIServer(ctx, t); err != nil {
		cp.Stop()
		return nil, err
	}
	return cp, nil
}

// Stop ends the API server, then etcd.
func (cp *ControlPlane) Stop() {
	if cp.api != nil {
		cp.api.Stop()
	}
	if cp.etcd != nil {
		cp.etcd.Stop()
	}
}

func (cp *ControlPlane) startEtcd(ctx context.Context, t *harness.Tools) error {
	client, err := testenv.FreeAddr()
	if err != nil {
		return err
	}
	peer, err := testenv.FreeAddr()
	if err != nil {
		return err
	}
	dir := filepath.Join(cp.Dir, "etcd")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	p, err := testenv.Start("etcd", dir, nil, t.Path("etcd"),
		"--name", "test", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", "http://"+client, "--advertise-client-urls", "http://"+client,
		"--listen-peer-urls", "http://"+peer, "--initial-advertise-peer-urls", "http://"+peer,
		"--initial-cluster", "test=http://"+peer, "--log-level", "warn")
	if err != nil {
		return err
	}
	cp.etcd = p
	// Our etcd answers /health with its own JSON; anything else on the
	// port is not it.
	err = p.WaitReady(ctx, time.Minute, func(ctx context.Context) error {
		body, err := get(ctx, http.DefaultClient, "http://"+client+"/health")
		if err != nil {
			return err
		}
		if !strings.Contains(body, `"health":"true"`) {
			return fmt.Errorf("etcd /health: %s", body)
		}
		return nil
	})
	if err != nil {
		return err
	}
	cp.etcdURL = "http://" + client
	return nil
}

func (cp *ControlPlane) startAPIServer(ctx context.Context, t *harness.Tools) error {
	dir := filepath.Join(cp.Dir, "apiserver")
	tls, err := harness.NewTLSDir(filepath.Join(dir, "tls"), "kubernetes", "kubernetes.default.svc")
	if err != nil {
		return err
	}
	saKey, saPub, err := writeServiceAccountKey(dir)
	if err != nil {
		return err
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return err
	}
	token := hex.EncodeToString(tok)
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+`,admin,admin,"system:masters"`+"\n"), 0o600); err != nil {
		return err
	}
	addr, err := testenv.FreeAddr()
	if err != nil {
		return err
	}
	port := addr[strings.LastIndex(addr, ":")+1:]
	p, err := testenv.Start("kube-apiserver", dir, nil, t.Path("kube-apiserver"),
		"--etcd-servers="+cp.etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+port,
		"--tls-cert-file="+filepath.Join(tls.Dir, "tls.crt"), "--tls-private-key-file="+filepath.Join(tls.Dir, "tls.key"),
		"--token-auth-file="+tokens, "--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc", "--service-account-key-file="+saPub,
		"--service-account-signing-key-file="+saKey, "--service-cluster-ip-range=10.96.0.0/24",
		// Endpoints may not name a loopback address: nothing keeps the
		// kubernetes Service's, nothing in the cluster dials it.
		"--endpoint-reconciler-type=none", "--profiling=false")
	if err != nil {
		return err
	}
	cp.api = p
	cp.Server = "https://" + addr
	cp.Config = &rest.Config{Host: cp.Server, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: tls.CAPEM}, QPS: 50, Burst: 100}
	httpClient, err := rest.HTTPClientFor(cp.Config)
	if err != nil {
		return err
	}
	// /readyz is ready only once etcd is reached and the bootstrap
	// (RBAC roles, default namespaces) is done; the CA proves it is ours.
	err = p.WaitReady(ctx, 3*time.Minute, func(ctx context.Context) error {
		body, err := get(ctx, httpClient, cp.Server+"/readyz")
		if err != nil {
			return err
		}
		if strings.TrimSpace(body) != "ok" {
			return fmt.Errorf("/readyz: %s", body)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if cp.Client, err = kubernetes.NewForConfig(cp.Config); err != nil {
		return err
	}
	if cp.Dynamic, err = dynamic.NewForConfig(cp.Config); err != nil {
		return err
	}
	return cp.writeKubeconfig(tls.CAPEM, token)
}

// writeKubeconfig writes the admin kubeconfig helm, Gatekeeper and Ratify use.
func (cp *ControlPlane) writeKubeconfig(caPEM []byte, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = &clientcmdapi.Cluster{Server: cp.Server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "test"
	cp.Kubeconfig = filepath.Join(cp.Dir, "kubeconfig")
	return clientcmd.WriteToFile(*cfg, cp.Kubeconfig)
}

// Env is the environment a process needs to reach the API server.
func (cp *ControlPlane) Env() []string { return []string{"KUBECONFIG=" + cp.Kubeconfig} }

func get(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return string(b), nil
}

// writeServiceAccountKey writes the key pair the API server signs and
// checks service account tokens with (it refuses to start without one).
func writeServiceAccountKey(dir string) (keyPath, pubPath string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", err
	}
	keyPath, pubPath = filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return "", "", err
	}
	return keyPath, pubPath, os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
}
