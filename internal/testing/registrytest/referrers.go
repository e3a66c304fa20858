package registrytest

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// StartReferrers runs go-containerregistry's in-memory registry (v0.22.1,
// referrers support on) on httptest.NewServer (127.0.0.1:0), behind
// referrersFix, which makes its referrers API spec-exact. It is closed in
// t.Cleanup; its request log is written to the test log if the test failed.
func StartReferrers(t testing.TB) *Registry {
	t.Helper()
	start := time.Now()
	logs := &lockedBuffer{}
	instance := newInstanceID()
	inner := ggcrregistry.New(
		ggcrregistry.WithReferrersSupport(true),
		ggcrregistry.Logger(log.New(logs, "", log.Ltime|log.Lmicroseconds)),
	)
	srv := httptest.NewServer(&referrersFix{next: inner, instance: instance})
	host := strings.TrimPrefix(srv.URL, "http://")
	r := &Registry{
		Host:         host,
		Name:         "referrers",
		ReferrersAPI: true,
		instance:     instance,
		close:        srv.Close,
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("registrytest: referrers registry %s log:\n%s", host, logs.String())
		}
	})
	t.Cleanup(r.Close)
	if err := r.Verify(); err != nil {
		t.Fatalf("registrytest: referrers registry: %v", err)
	}
	r.Startup = time.Since(start)
	t.Logf("registrytest: referrers registry on %s, up in %v", host, r.Startup.Round(time.Microsecond))
	return r
}

// referrersFix wraps go-containerregistry's registry to make what clients see
// match distribution-spec v1.1 "Listing Referrers" and "Pushing Manifests
// with Subject". Without it (ggcr v0.22.1, pkg/registry/manifest.go):
//
//   - the referrers list reports config.mediaType as artifactType, so a
//     default OCI 1.1 referrer (empty config, artifactType set) shows up as
//     application/vnd.oci.empty.v1+json and no verifier matches it;
//   - ?artifactType= is ignored (a TODO in ggcr);
//   - a repository without manifests gives 404 NAME_UNKNOWN, which the spec
//     forbids for registries that support the API;
//   - manifest PUTs with a subject get no OCI-Subject header, so oras-go also
//     writes sha256-<hex> fallback tags.
//
// (v0.20.7 also dropped manifest annotations; rebuilding the descriptors
// from the manifests fixes that too.) Everything else goes to ggcr unchanged.
type referrersFix struct {
	next     http.Handler
	instance string
}

func (h *referrersFix) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	w.Header().Set(instanceHeader, h.instance)
	if repo, ref, ok := splitPath(req.URL.Path, "referrers"); ok && req.Method == http.MethodGet {
		h.referrers(w, req, repo, ref)
		return
	}
	if _, _, ok := splitPath(req.URL.Path, "manifests"); ok && req.Method == http.MethodPut {
		h.putManifest(w, req)
		return
	}
	h.next.ServeHTTP(w, req)
}

// splitPath splits /v2/<repo>/<kind>/<ref>.
func splitPath(path, kind string) (repo, ref string, ok bool) {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return "", "", false
	}
	elems := strings.Split(rest, "/")
	n := len(elems)
	if n < 3 || elems[n-2] != kind || elems[n-1] == "" {
		return "", "", false
	}
	return strings.Join(elems[:n-2], "/"), elems[n-1], true
}

// referrers answers GET /v2/<repo>/referrers/<digest>. ggcr finds the
// referrers (manifests whose subject is <digest>); each descriptor is then
// rebuilt from the referrer's own manifest.
func (h *referrersFix) referrers(w http.ResponseWriter, req *http.Request, repo, ref string) {
	if _, err := digest.Parse(ref); err != nil {
		writeError(w, http.StatusBadRequest, "DIGEST_INVALID", "invalid digest "+ref)
		return
	}
	rec := h.call(http.MethodGet, "/v2/"+repo+"/referrers/"+ref)
	index := ocispec.Index{
		Versioned: specsVersioned,
		MediaType: ocispec.MediaTypeImageIndex,
		Manifests: []ocispec.Descriptor{},
	}
	switch rec.Code {
	case http.StatusOK:
		var found ocispec.Index
		if err := json.Unmarshal(rec.Body.Bytes(), &found); err != nil {
			writeError(w, http.StatusInternalServerError, "UNKNOWN", "registrytest: ggcr referrers: "+err.Error())
			return
		}
		for _, d := range found.Manifests {
			m := h.call(http.MethodGet, "/v2/"+repo+"/manifests/"+d.Digest.String())
			if m.Code != http.StatusOK {
				continue // deleted in between
			}
			var mf struct {
				ArtifactType string `json:"artifactType"`
				Config       *struct {
					MediaType string `json:"mediaType"`
				} `json:"config"`
				Annotations map[string]string `json:"annotations"`
			}
			_ = json.Unmarshal(m.Body.Bytes(), &mf) // ggcr already parsed its subject
			d.ArtifactType = mf.ArtifactType
			if d.ArtifactType == "" && mf.Config != nil {
				d.ArtifactType = mf.Config.MediaType
			}
			d.Annotations = mf.Annotations
			index.Manifests = append(index.Manifests, d)
		}
	case http.StatusNotFound:
		// Unknown repository: an empty list, not 404 (distribution-spec:
		// a registry supporting the API MUST NOT answer 404).
	default:
		copyResponse(w, rec)
		return
	}

	if at := req.URL.Query().Get("artifactType"); at != "" {
		index.Manifests = slices.DeleteFunc(index.Manifests, func(d ocispec.Descriptor) bool {
			return d.ArtifactType != at
		})
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	// ggcr iterates a map; keep the answer stable.
	slices.SortFunc(index.Manifests, func(a, b ocispec.Descriptor) int {
		return strings.Compare(a.Digest.String(), b.Digest.String())
	})
	body, _ := json.Marshal(index)
	w.Header().Set("Content-Type", ocispec.MediaTypeImageIndex)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// putManifest passes the PUT to ggcr and, when it succeeds for a manifest
// with a subject, adds OCI-Subject: <subject digest>.
func (h *referrersFix) putManifest(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "MANIFEST_INVALID", err.Error())
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	var mf struct {
		Subject *struct {
			Digest string `json:"digest"`
		} `json:"subject"`
	}
	if json.Unmarshal(body, &mf) == nil && mf.Subject != nil && mf.Subject.Digest != "" {
		w = &subjectWriter{ResponseWriter: w, subject: mf.Subject.Digest}
	}
	h.next.ServeHTTP(w, req)
}

// subjectWriter adds OCI-Subject to a 201 Created answer.
type subjectWriter struct {
	http.ResponseWriter
	subject string
}

func (s *subjectWriter) WriteHeader(code int) {
	if code == http.StatusCreated {
		s.Header().Set("OCI-Subject", s.subject)
	}
	s.ResponseWriter.WriteHeader(code)
}

// call runs an internal request against ggcr.
func (h *referrersFix) call(method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.next.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
