// Package slsatest writes SLSA provenance predicates as the release
// builders do, for the tests, the benchmarks and the e2e scenarios: one
// shape, so a change to what wasm-slsa checks is made in one place.
package slsatest

// Commit is the source commit the predicates name.
const Commit = "0123456789abcdef0123456789abcdef01234567"

// PredicateV1 is a SLSA v1 predicate as actions/attest-build-provenance
// writes it, for a release of tag at Commit of sourceRepo (a host/path
// such as github.com/org/repo), built by the workflow at builder (a URL;
// the builder ID is builder@refs/tags/<tag>).
func PredicateV1(sourceRepo, builder, tag string) map[string]any {
	ref := "refs/tags/" + tag
	return map[string]any{
		"buildDefinition": map[string]any{
			"buildType": "https://actions.github.io/buildtypes/workflow/v1",
			"externalParameters": map[string]any{"workflow": map[string]any{
				"ref": ref, "repository": "https://" + sourceRepo, "path": ".github/workflows/release.yml",
			}},
			"internalParameters": map[string]any{"github": map[string]any{
				"event_name": "push", "repository_id": "1", "repository_owner_id": "2", "runner_environment": "github-hosted",
			}},
			"resolvedDependencies": []any{map[string]any{
				"uri": "git+https://" + sourceRepo + "@" + ref, "digest": map[string]any{"gitCommit": Commit},
			}},
		},
		"runDetails": map[string]any{
			"builder":  map[string]any{"id": builder + "@" + ref},
			"metadata": map[string]any{"invocationId": "https://" + sourceRepo + "/actions/runs/1/attempts/1"},
		},
	}
}
