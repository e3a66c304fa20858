package provenance

import (
	"fmt"
	"strings"

	v02 "github.com/in-toto/attestation/go/predicates/provenance/v02"
	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// Provenance holds the policy-relevant fields of a SLSA v0.2 or v1
// predicate, read the way slsa-verifier reads them (slsaprovenance/v0.2 and
// v1.0, github_attest.go). Fields the predicate does not carry are empty.
type Provenance struct {
	PredicateType string
	BuilderID     string
	BuildType     string
	// SourceURI is the source material as written, with its ref:
	// v0.2 materials[0].uri, v1 resolvedDependencies[0].uri (falling back to
	// externalParameters.source.uri), e.g.
	// "git+https://github.com/org/repo@refs/tags/v1".
	SourceURI string
	// SourceCommit is that material's git commit (gitCommit or sha1 digest).
	SourceCommit string
	// TriggerURI names what started the build, with its ref: v0.2
	// invocation.configSource.uri; v1 the workflow repository and ref
	// (externalParameters.workflow or internalParameters GITHUB_WORKFLOW_REF).
	TriggerURI string
	// Ref is the git ref built: the GitHub environment's github_ref (or
	// GITHUB_REF, or the workflow ref), else the ref in SourceURI.
	Ref string
	// RefType is github_ref_type ("branch" or "tag") when recorded.
	RefType string
	// Event is the GitHub event that triggered the build (github_event_name).
	Event string
	// Workflow is the top-level workflow as Fulcio names it in the build
	// config URI: "https://github.com/org/repo/<path>@<ref>" (GitHub only).
	Workflow string
	// RunnerEnvironment is "github-hosted" or "self-hosted" when recorded.
	RunnerEnvironment string
	// InvocationID identifies the build run (metadata.buildInvocationId or
	// runDetails.metadata.invocationId).
	InvocationID string
}

// Parse extracts the provenance of a statement whose predicate type is
// SLSA v0.2 or v1; other predicate types are an error.
func Parse(st *Statement) (*Provenance, error) {
	raw, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, fmt.Errorf("re-encode predicate: %w", err)
	}
	var p *Provenance
	switch pt := st.GetPredicateType(); pt {
	case PredicateSLSAV02:
		p, err = parseV02(raw)
	case PredicateSLSAV1:
		p, err = parseV1(raw)
	default:
		return nil, fmt.Errorf("predicate type %q is not SLSA provenance (%s or %s)", pt, PredicateSLSAV02, PredicateSLSAV1)
	}
	if err != nil {
		return nil, fmt.Errorf("%s predicate: %w", st.GetPredicateType(), err)
	}
	p.PredicateType = st.GetPredicateType()
	if p.Ref == "" {
		_, p.Ref = SplitRef(p.SourceURI)
	}
	return p, nil
}

var lenient = protojson.UnmarshalOptions{DiscardUnknown: true}

func parseV02(raw []byte) (*Provenance, error) {
	var pred v02.Provenance
	if err := lenient.Unmarshal(raw, &pred); err != nil {
		return nil, err
	}
	p := &Provenance{
		BuilderID:    pred.GetBuilder().GetId(),
		BuildType:    pred.GetBuildType(),
		TriggerURI:   pred.GetInvocation().GetConfigSource().GetUri(),
		InvocationID: pred.GetMetadata().GetBuildInvocationId(),
	}
	if p.BuilderID == "" {
		return nil, fmt.Errorf("builder.id is empty")
	}
	if p.BuildType == "" {
		return nil, fmt.Errorf("buildType is empty")
	}
	if m := pred.GetMaterials(); len(m) > 0 {
		p.SourceURI = m[0].GetUri()
		p.SourceCommit = gitCommit(m[0].GetDigest())
	}
	env := fields(pred.GetInvocation().GetEnvironment())
	// npm's builder writes the GitHub context in upper case.
	p.Ref = env.first("github_ref", "GITHUB_REF")
	p.RefType = env.first("github_ref_type", "GITHUB_REF_TYPE")
	p.Event = env.first("github_event_name", "GITHUB_EVENT_NAME")
	if entry := pred.GetInvocation().GetConfigSource().GetEntryPoint(); strings.HasPrefix(entry, ".github/workflows/") {
		if repo, ref := SplitRef(p.TriggerURI); ref != "" {
			if web, ok := githubWeb(repo); ok {
				p.Workflow = web + "/" + entry + "@" + ref
			}
		}
	}
	return p, nil
}

func parseV1(raw []byte) (*Provenance, error) {
	var pred slsa1.Provenance
	if err := lenient.Unmarshal(raw, &pred); err != nil {
		return nil, err
	}
	if err := pred.Validate(); err != nil {
		return nil, err
	}
	def, run := pred.GetBuildDefinition(), pred.GetRunDetails()
	p := &Provenance{
		BuilderID:    run.GetBuilder().GetId(),
		BuildType:    def.GetBuildType(),
		InvocationID: run.GetMetadata().GetInvocationId(),
	}
	ext, internal := fields(def.GetExternalParameters()), fields(def.GetInternalParameters())
	if deps := def.GetResolvedDependencies(); len(deps) > 0 {
		p.SourceURI = deps[0].GetUri()
		p.SourceCommit = gitCommit(deps[0].GetDigest())
	} else if src := ext.object("source"); src != nil {
		p.SourceURI = src.str("uri")
		p.SourceCommit = gitCommit(src.digest())
	}

	// GitHub artifact attestations (actions/attest-build-provenance).
	if wf := ext.object("workflow"); wf != nil {
		repo, ref, path := wf.str("repository"), wf.str("ref"), wf.str("path")
		if repo != "" && ref != "" {
			p.TriggerURI = "git+" + repo + "@" + ref
			p.Ref = ref
			if path != "" {
				p.Workflow = repo + "/" + path + "@" + ref
			}
		}
	}
	if gh := internal.object("github"); gh != nil {
		p.Event = gh.str("event_name")
		p.RunnerEnvironment = gh.str("runner_environment")
	}

	// slsa-github-generator v1 builders (container-based, BYOB) record the
	// GitHub context as upper-case GITHUB_* keys.
	if wfRef := internal.str("GITHUB_WORKFLOW_REF"); wfRef != "" {
		// "org/repo/.github/workflows/x.yml@refs/…"
		pathPart, ref, _ := strings.Cut(wfRef, "@")
		if parts := strings.SplitN(pathPart, "/", 3); len(parts) == 3 && ref != "" {
			p.TriggerURI = "git+https://github.com/" + parts[0] + "/" + parts[1] + "@" + ref
			p.Workflow = "https://github.com/" + wfRef
		}
	}
	if v := internal.str("GITHUB_REF"); v != "" {
		p.Ref = v
	}
	if v := internal.str("GITHUB_REF_TYPE"); v != "" {
		p.RefType = v
	}
	if v := internal.str("GITHUB_EVENT_NAME"); v != "" {
		p.Event = v
	}
	return p, nil
}

// SplitRef splits "git+https://github.com/org/repo@refs/tags/v1" into the
// repository and the ref. A URI without "@" in its path has no ref (an "@"
// before the path, as in ssh://git@host/repo, is user information).
func SplitRef(uri string) (repo, ref string) {
	start := 0
	if i := strings.Index(uri, "://"); i >= 0 {
		start = i + 3
	}
	slash := strings.IndexByte(uri[start:], '/')
	if slash < 0 {
		return uri, ""
	}
	path := start + slash
	at := strings.LastIndexByte(uri[path:], '@')
	if at < 0 {
		return uri, ""
	}
	return uri[:path+at], uri[path+at+1:]
}

// githubWeb turns "git+https://github.com/org/repo" into
// "https://github.com/org/repo".
func githubWeb(repo string) (string, bool) {
	web := strings.TrimPrefix(repo, "git+")
	return web, strings.HasPrefix(web, "https://github.com/")
}

// gitCommit picks the commit from a digest set; GitHub builders write sha1,
// the in-toto spec says gitCommit.
func gitCommit(d map[string]string) string {
	if v := d["gitCommit"]; v != "" {
		return v
	}
	return d["sha1"]
}

// object is a JSON object inside a predicate (structpb).
type object map[string]*structpb.Value

func fields(s *structpb.Struct) object {
	if s == nil || proto.Equal(s, &structpb.Struct{}) {
		return nil
	}
	return s.GetFields()
}

func (o object) str(key string) string {
	return o[key].GetStringValue()
}

func (o object) first(keys ...string) string {
	for _, k := range keys {
		if v := o.str(k); v != "" {
			return v
		}
	}
	return ""
}

func (o object) object(key string) object {
	return fields(o[key].GetStructValue())
}

func (o object) digest() map[string]string {
	out := map[string]string{}
	for k, v := range o.object("digest") {
		out[k] = v.GetStringValue()
	}
	return out
}
