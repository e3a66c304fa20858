package ratifytest

import (
	"encoding/json"
	"fmt"
)

// rawResult is a verifier result as Ratify prints it (configPolicy shape),
// also used for the inner results of the regoPolicy shape.
type rawResult struct {
	Subject         string         `json:"subject"`
	IsSuccess       bool           `json:"isSuccess"`
	Name            string         `json:"name"`
	Type            string         `json:"type"`
	ArtifactType    string         `json:"artifactType"`
	ReferenceDigest string         `json:"referenceDigest"`
	Message         string         `json:"message"`
	Extensions      map[string]any `json:"extensions"`
	NestedResults   []rawResult    `json:"nestedResults"`
	// regoPolicy shape: a NestedVerifierReport per referrer.
	VerifierReports []rawResult `json:"verifierReports"`
	NestedReports   []rawResult `json:"nestedReports"`
}

// ParseReport parses `ratify verify` output in either policy shape
// (Ratify v1.4.6 pkg/executor/types: the configPolicy and regoPolicy
// report shapes). A failing top-level isSuccess is absent.
func ParseReport(out []byte) (*Report, error) {
	var top struct {
		IsSuccess       bool        `json:"isSuccess"`
		VerifierReports []rawResult `json:"verifierReports"`
	}
	if err := json.Unmarshal(out, &top); err != nil {
		return nil, fmt.Errorf("ratify output is not a report: %w", err)
	}
	rep := &Report{IsSuccess: top.IsSuccess, Raw: out}
	for _, r := range top.VerifierReports {
		rep.collect(r, 0)
	}
	return rep, nil
}

func (rep *Report) collect(r rawResult, depth int) {
	if r.Name == "" && (r.VerifierReports != nil || r.NestedReports != nil) {
		// regoPolicy: r describes a referrer; its verifierReports are results.
		for _, v := range r.VerifierReports {
			rep.add(v, r.Subject, r.ArtifactType, r.ReferenceDigest, depth)
		}
		for _, n := range r.NestedReports {
			rep.collect(n, depth+1)
		}
		return
	}
	rep.add(r, r.Subject, r.ArtifactType, r.ReferenceDigest, depth)
	for _, n := range r.NestedResults {
		rep.collect(n, depth+1)
	}
}

func (rep *Report) add(r rawResult, subject, artifactType, digest string, depth int) {
	rep.Verifiers = append(rep.Verifiers, VerifierReport{
		Subject: subject, ArtifactType: artifactType, ReferenceDigest: digest, Depth: depth,
		IsSuccess: r.IsSuccess, Name: r.Name, Type: r.Type, Message: r.Message, Extensions: r.Extensions,
	})
}
