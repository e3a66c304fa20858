package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
)

// FieldManager is the server-side apply manager of everything the tests apply.
const FieldManager = "ratify-wasm-e2e"

// DecodeYAML splits a multi-document YAML stream into objects.
func DecodeYAML(r io.Reader) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var out []*unstructured.Unstructured
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(obj) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
}

// ApplyFiles server-side applies every object of the YAML files.
func (cp *ControlPlane) ApplyFiles(ctx context.Context, files ...string) error {
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		objs, err := DecodeYAML(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		for _, o := range objs {
			if err := cp.Apply(ctx, o); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
		}
	}
	return nil
}

// Apply server-side applies obj (as `kubectl apply --server-side
// --force-conflicts` does).
func (cp *ControlPlane) Apply(ctx context.Context, obj *unstructured.Unstructured) error {
	ri, err := cp.resource(obj.GroupVersionKind(), obj.GetNamespace())
	if err != nil {
		return err
	}
	_, err = ri.Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	if err != nil {
		return fmt.Errorf("apply %s %s: %w", obj.GetKind(), obj.GetName(), err)
	}
	return nil
}

// Get reads one object by kind.
func (cp *ControlPlane) Get(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) (*unstructured.Unstructured, error) {
	ri, err := cp.resource(gvk, namespace)
	if err != nil {
		return nil, err
	}
	return ri.Get(ctx, name, metav1.GetOptions{})
}

// Update writes obj back.
func (cp *ControlPlane) Update(ctx context.Context, obj *unstructured.Unstructured) error {
	ri, err := cp.resource(obj.GroupVersionKind(), obj.GetNamespace())
	if err != nil {
		return err
	}
	_, err = ri.Update(ctx, obj, metav1.UpdateOptions{})
	return err
}

// Delete deletes one object by kind (as `kubectl delete` does).
func (cp *ControlPlane) Delete(ctx context.Context, gvk schema.GroupVersionKind, namespace, name string) error {
	ri, err := cp.resource(gvk, namespace)
	if err != nil {
		return err
	}
	return ri.Delete(ctx, name, metav1.DeleteOptions{})
}

// resource maps a kind to its resource, asking discovery afresh when the
// kind is new (CRDs are created during the tests).
func (cp *ControlPlane) resource(gvk schema.GroupVersionKind, namespace string) (dynamic.ResourceInterface, error) {
	if cp.mapper == nil {
		cp.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(cp.Client.Discovery()))
	}
	m, err := cp.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		cp.mapper.Reset()
		m, err = cp.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return cp.Dynamic.Resource(m.Resource).Namespace(namespace), nil
	}
	return cp.Dynamic.Resource(m.Resource), nil
}

var crdGVK = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

// WaitEstablished waits until each named CRD exists and is Established
// (what `kubectl wait --for=condition=established` does).
func (cp *ControlPlane) WaitEstablished(ctx context.Context, timeout time.Duration, names ...string) error {
	return Poll(ctx, timeout, func(ctx context.Context) error {
		for _, n := range names {
			crd, err := cp.Get(ctx, crdGVK, "", n)
			if err != nil {
				return err
			}
			conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			ok := false
			for _, c := range conds {
				m, _ := c.(map[string]any)
				ok = ok || (m["type"] == "Established" && m["status"] == "True")
			}
			if !ok {
				return fmt.Errorf("CRD %s not established yet", n)
			}
		}
		cp.mapper.Reset()
		return nil
	})
}

// Poll calls f until it succeeds or timeout passes; the error is f's last.
func Poll(ctx context.Context, timeout time.Duration, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %s: %w", timeout, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Helm runs bin/helm against the control plane, with its own
// configuration, cache and data folders under dir.
func (cp *ControlPlane) Helm(ctx context.Context, t *harness.Tools, args ...string) (string, error) {
	home := filepath.Join(cp.Dir, "helm")
	return harness.Cmd{Bin: t.Path("helm"), Args: args, Env: append(cp.Env(),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"))}.Run(ctx)
}
