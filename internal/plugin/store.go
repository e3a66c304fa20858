package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"

	"github.com/ratify-project/ratify/pkg/common/oras/authprovider"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// storeConfig is the part of Ratify's oras store configuration
// (OrasStoreConf) that decides how registries are reached.
type storeConfig struct {
	UseHTTP      bool                            `json:"useHttp"`
	AuthProvider authprovider.AuthProviderConfig `json:"authProvider"`
}

// OptionsFromStore builds Options from the oras store entry that Ratify hands
// to every plugin (storeConfig.store), with Ratify's own auth provider so the
// plugins authenticate exactly as Ratify does.
func OptionsFromStore(store map[string]any) (Options, error) {
	raw, err := json.Marshal(store)
	if err != nil {
		return Options{}, fmt.Errorf("store configuration: %w", err)
	}
	var conf storeConfig
	if err := json.Unmarshal(raw, &conf); err != nil {
		return Options{}, fmt.Errorf("store configuration: %w", err)
	}
	provider, err := authprovider.CreateAuthProviderFromConfig(conf.AuthProvider)
	if err != nil {
		return Options{}, fmt.Errorf("store configuration key \"authProvider\": %w", err)
	}
	return Options{
		PlainHTTP:   conf.UseHTTP,
		InsecureTLS: IsLoopbackHost,
		Credential:  credentialFrom(provider),
	}, nil
}

// credentialFrom adapts a Ratify auth provider; like Ratify's store it falls
// back to anonymous access when the provider has nothing for a registry.
func credentialFrom(p authprovider.AuthProvider) auth.CredentialFunc {
	return func(ctx context.Context, host string) (auth.Credential, error) {
		if p == nil || !p.Enabled(ctx) {
			return auth.EmptyCredential, nil
		}
		ac, err := p.Provide(ctx, host)
		if err != nil {
			return auth.EmptyCredential, nil
		}
		return auth.Credential{Username: ac.Username, Password: ac.Password, RefreshToken: ac.IdentityToken}, nil
	}
}

// IsLoopbackHost reports whether host[:port] is a loopback address; Ratify
// skips TLS verification for these (pkg/referrerstore/oras isInsecureRegistry).
func IsLoopbackHost(host string) bool {
	h := host
	if sh, _, err := net.SplitHostPort(host); err == nil {
		h = sh
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
