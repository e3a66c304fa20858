package cluster

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// RatifyPod is the container of the Ratify chart's Deployment run as a
// process, as a kubelet would run it: the ConfigMaps and Secrets it mounts
// are written to local folders and its arguments point at them; its
// listening addresses become free loopback ports.
type RatifyPod struct {
	Addr  string // loopback address of the container's :6001
	CAPEM []byte // ca.crt of the TLS Secret the chart rendered
	*testenv.Process
}

// RunRatifyPod starts the container "ratify" of Deployment name in
// Namespace. Mounts whose path is under dir are written in place (the
// trust folders the Verifier parameters name); the others go to
// dir/volumes/<volume> and the arguments are rewritten to match.
func RunRatifyPod(ctx context.Context, cp *ControlPlane, t *harness.Tools, dir, name string) (*RatifyPod, error) {
	dep, err := cp.Client.AppsV1().Deployments(Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var c *corev1.Container
	for i := range dep.Spec.Template.Spec.Containers {
		if dep.Spec.Template.Spec.Containers[i].Name == "ratify" {
			c = &dep.Spec.Template.Spec.Containers[i]
		}
	}
	if c == nil || len(c.Command) != 1 || filepath.Base(c.Command[0]) != "ratify" {
		return nil, fmt.Errorf("deployment %s has no container ratify running /app/ratify", name)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range dep.Spec.Template.Spec.Volumes {
		volumes[v.Name] = v
	}
	mounts := map[string]string{} // mount path -> local folder
	var caPEM []byte
	for _, m := range c.VolumeMounts {
		local := m.MountPath
		if !strings.HasPrefix(local, dir+"/") {
			local = filepath.Join(dir, "volumes", m.Name)
			mounts[m.MountPath] = local
		}
		files, err := volumeFiles(ctx, cp, volumes[m.Name])
		if err != nil {
			return nil, fmt.Errorf("volume %s: %w", m.Name, err)
		}
		if err := os.MkdirAll(local, 0o700); err != nil {
			return nil, err
		}
		for f, b := range files {
			if err := os.WriteFile(filepath.Join(local, f), b, 0o600); err != nil {
				return nil, err
			}
		}
		if b, ok := files["ca.crt"]; ok && m.MountPath == "/usr/local/tls" {
			caPEM = b
		}
	}
	if caPEM == nil {
		return nil, fmt.Errorf("deployment %s mounts no TLS secret at /usr/local/tls", name)
	}
	addr, err := testenv.FreeAddr()
	if err != nil {
		return nil, err
	}
	health, err := testenv.FreeAddr()
	if err != nil {
		return nil, err
	}
	metrics, err := testenv.FreeAddr()
	if err != nil {
		return nil, err
	}
	args := rewriteArgs(c.Args, mounts, map[string]string{
		":6001": addr, "--health-port=": "--health-port=" + health,
		"--metrics-port=": "--metrics-port=" + metrics[strings.LastIndex(metrics, ":")+1:],
	})
	env := append(cp.Env(), "HOME="+filepath.Join(dir, "home"))
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.namespace":
			env = append(env, e.Name+"="+Namespace)
		case e.ValueFrom == nil:
			env = append(env, e.Name+"="+rewrite(e.Value, mounts))
		default:
			return nil, fmt.Errorf("env %s: unsupported valueFrom", e.Name)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "home"), 0o700); err != nil {
		return nil, err
	}
	p, err := testenv.Start("ratify", dir, env, t.Path("ratify"), args...)
	if err != nil {
		return nil, err
	}
	r := &RatifyPod{Addr: addr, CAPEM: caPEM, Process: p}
	// The chart's readiness probe, then a provider request over TLS that
	// only a server holding the chart's certificate answers.
	err = p.WaitReady(ctx, 2*time.Minute, func(ctx context.Context) error {
		if _, err := get(ctx, http.DefaultClient, "http://"+health+"/readyz"); err != nil {
			return err
		}
		_, err := r.Post(ctx, "/ratify/gatekeeper/v1/verify", nil)
		return err
	})
	if err != nil {
		p.Stop()
		return nil, err
	}
	return r, nil
}

// Post sends a provider request for keys to path and returns the raw answer.
func (r *RatifyPod) Post(ctx context.Context, path string, keys []string) ([]byte, error) {
	if keys == nil {
		keys = []string{}
	}
	body, _ := json.Marshal(map[string]any{
		"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest",
		"request": map[string]any{"keys": keys},
	})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(r.CAPEM)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+r.Addr+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s: %s", path, resp.Status, b)
	}
	return b, nil
}

// volumeFiles is what a kubelet would put in a volume.
func volumeFiles(ctx context.Context, cp *ControlPlane, v corev1.Volume) (map[string][]byte, error) {
	files := map[string][]byte{}
	switch {
	case v.ConfigMap != nil:
		cm, err := cp.Client.CoreV1().ConfigMaps(Namespace).Get(ctx, v.ConfigMap.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		for k, s := range cm.Data {
			files[k] = []byte(s)
		}
		for k, b := range cm.BinaryData {
			files[k] = b
		}
		return pick(files, v.ConfigMap.Items)
	case v.Secret != nil:
		s, err := cp.Client.CoreV1().Secrets(Namespace).Get(ctx, v.Secret.SecretName, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		for k, b := range s.Data {
			files[k] = b
		}
		return pick(files, v.Secret.Items)
	case v.EmptyDir != nil:
		return files, nil
	}
	return nil, fmt.Errorf("unsupported volume source")
}

func pick(files map[string][]byte, items []corev1.KeyToPath) (map[string][]byte, error) {
	if len(items) == 0 {
		return files, nil
	}
	out := map[string][]byte{}
	for _, it := range items {
		b, ok := files[it.Key]
		if !ok {
			return nil, fmt.Errorf("no key %s", it.Key)
		}
		out[it.Path] = b
	}
	return out, nil
}

// rewriteArgs maps mount paths to local folders and the listed listening
// addresses to loopback ones.
func rewriteArgs(args []string, mounts, listen map[string]string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		a = rewrite(a, mounts)
		for from, to := range listen {
			if a == from || (strings.HasSuffix(from, "=") && strings.HasPrefix(a, from)) {
				a = to
			}
		}
		out = append(out, a)
	}
	return out
}

// rewrite replaces the longest mount path prefix of s (also after "=").
func rewrite(s string, mounts map[string]string) string {
	paths := make([]string, 0, len(mounts))
	for p := range mounts {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	flag, val, hasEq := strings.Cut(s, "=")
	if !hasEq {
		flag, val = "", s
	}
	for _, p := range paths {
		if val == p || strings.HasPrefix(val, p+"/") {
			val = mounts[p] + strings.TrimPrefix(val, p)
			break
		}
	}
	if hasEq {
		return flag + "=" + val
	}
	return val
}

// Service stands in for the Service in front of Ratify: a loopback port
// forwarding connections to the Ratify process. A delay holds back every
// chunk sent to Ratify (Gatekeeper keeps its connections open, so each
// request is held), which is how a slow Ratify looks from Gatekeeper.
type Service struct {
	Addr   string
	ln     net.Listener
	target string
	delay  atomic.Int64
	wg     sync.WaitGroup
}

// StartService listens on a free loopback port and forwards to target.
func StartService(target string) (*Service, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Service{Addr: ln.Addr().String(), ln: ln, target: target}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// SetDelay makes everything sent to Ratify wait d before it is forwarded.
func (s *Service) SetDelay(d time.Duration) { s.delay.Store(int64(d)) }

// Stop closes the listener and waits for the forwarding to end.
func (s *Service) Stop() { s.ln.Close(); s.wg.Wait() }

func (s *Service) serve() {
	defer s.wg.Done()
	for {
		in, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer in.Close()
			out, err := net.Dial("tcp", s.target)
			if err != nil {
				return
			}
			defer out.Close()
			done := make(chan struct{}, 2)
			go func() { s.forward(out, in); done <- struct{}{} }()
			go func() { _, _ = io.Copy(in, out); done <- struct{}{} }()
			<-done
		}()
	}
}

func (s *Service) forward(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			time.Sleep(time.Duration(s.delay.Load()))
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

var providerGVK = schema.GroupVersionKind{Group: "externaldata.gatekeeper.sh", Version: "v1beta1", Kind: "Provider"}

// PointProviders sets the host of each named Provider's URL to addr,
// keeping scheme, path, timeout and caBundle as the chart rendered them:
// there is no cluster DNS for ratify.gatekeeper-system here.
func PointProviders(ctx context.Context, cp *ControlPlane, addr string, names ...string) error {
	for _, n := range names {
		p, err := cp.Get(ctx, providerGVK, "", n)
		if err != nil {
			return err
		}
		raw, _, _ := unstructured.NestedString(p.Object, "spec", "url")
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("provider %s url %q: %w", n, raw, err)
		}
		u.Host = addr
		if err := unstructured.SetNestedField(p.Object, u.String(), "spec", "url"); err != nil {
			return err
		}
		if err := cp.Update(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
