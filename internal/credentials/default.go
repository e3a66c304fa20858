//go:build !cloudauth

package credentials

import (
	"fmt"
	"slices"

	"oras.land/oras-go/v2/registry/remote/auth"
)

// flavourProvider: the default build has no provider but dockerConfig.
func flavourProvider(name string, _ map[string]any) (auth.CredentialFunc, error) {
	if slices.Contains(CloudProviders, name) {
		return nil, fmt.Errorf("auth provider %q (store configuration key \"authProvider.name\") is in the cloud flavour of the ratify-wasm plugins (built with -tags cloudauth; chart value plugins.flavour: cloud), %w, which has %s only", name, ErrProviderNotInFlavour, DockerConfig)
	}
	return nil, unknownProvider(name)
}
