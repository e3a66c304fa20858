package oci

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrNotCanonical is wrapped by the errors of CanonicalRepository and
// CanonicalReference for names that no spelling rule can make canonical.
var ErrNotCanonical = errors.New("not a valid repository name")

// dockerHubAliases are the hosts that serve Docker Hub's repositories; each
// is spelled "docker.io" in canonical form, as the docker CLI and
// go-containerregistry normalise it.
var dockerHubAliases = map[string]bool{
	"docker.io":               true,
	"index.docker.io":         true,
	"registry-1.docker.io":    true,
	"registry.hub.docker.com": true,
}

// pathComponent is one repository path component of the OCI distribution
// specification: lower case only, so "MyOrg/App" is another repository, not
// another spelling of "myorg/app" (registries refuse it).
var pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$`)

// CanonicalRepository returns the one spelling of repository ("host/path")
// under which trust policies, floors and denylists are looked up, so that
// the same repository cannot escape a rule by being written differently:
// the host is lower-cased, the default HTTPS port ":443" is dropped, Docker
// Hub's aliases become "docker.io" and its one-component names gain
// "library/". A path that is not a valid repository path (upper case,
// empty components) is refused rather than guessed at.
func CanonicalRepository(repository string) (string, error) {
	host, path, ok := strings.Cut(repository, "/")
	if !ok || host == "" || path == "" {
		return "", fmt.Errorf("%q: %w: want host/path", repository, ErrNotCanonical)
	}
	host = strings.ToLower(host)
	host = strings.TrimSuffix(host, ":443")
	if dockerHubAliases[host] {
		host = "docker.io"
		if !strings.Contains(path, "/") {
			path = "library/" + path
		}
	}
	for _, c := range strings.Split(path, "/") {
		if !pathComponent.MatchString(c) {
			return "", fmt.Errorf("%q: %w: path component %q is not lower-case alphanumerics and separators", repository, ErrNotCanonical, c)
		}
	}
	return host + "/" + path, nil
}

// CanonicalReference is CanonicalRepository applied to the repository part
// of a full reference; the tag and digest are kept as written.
func CanonicalReference(ref string) (string, error) {
	repo := Repository(ref)
	canon, err := CanonicalRepository(repo)
	if err != nil {
		return "", err
	}
	return canon + ref[len(repo):], nil
}
