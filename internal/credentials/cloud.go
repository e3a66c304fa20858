//go:build cloudauth

package credentials

import (
	"context"
	"slices"

	"github.com/ratify-project/ratify/pkg/common/oras/authprovider"
	// The providers Ratify's oras store registers besides dockerConfig and
	// k8Secrets (which package authprovider registers itself).
	_ "github.com/ratify-project/ratify/pkg/common/oras/authprovider/alibabacloud"
	_ "github.com/ratify-project/ratify/pkg/common/oras/authprovider/aws"
	_ "github.com/ratify-project/ratify/pkg/common/oras/authprovider/azure"
	"oras.land/oras-go/v2/registry/remote/auth"
)

func init() { Flavour = cloudFlavour }

// flavourProvider hands every other name to Ratify's own providers.
func flavourProvider(name string, conf map[string]any) (auth.CredentialFunc, error) {
	if !slices.Contains(CloudProviders, name) {
		return nil, unknownProvider(name)
	}
	p, err := authprovider.CreateAuthProviderFromConfig(conf)
	if err != nil {
		return nil, err
	}
	return fromRatify(p), nil
}

// fromRatify adapts a Ratify auth provider; like Ratify's store it falls
// back to anonymous access when the provider has nothing for a registry.
func fromRatify(p authprovider.AuthProvider) auth.CredentialFunc {
	return func(ctx context.Context, host string) (auth.Credential, error) {
		if !p.Enabled(ctx) {
			return auth.EmptyCredential, nil
		}
		ac, err := p.Provide(ctx, host)
		if err != nil {
			return auth.EmptyCredential, nil
		}
		return auth.Credential{Username: ac.Username, Password: ac.Password, RefreshToken: ac.IdentityToken}, nil
	}
}
