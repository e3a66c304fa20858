// Package credentials gives the plugins their registry credentials from the
// oras store entry Ratify hands them (storeConfig.store.authProvider), with
// the provider names Ratify v1.4.6 knows.
//
// The default build has one provider, dockerConfig: a docker config file
// and the credential helpers it names, read through oras-go's credentials
// package. Ratify's other providers (Azure workload and managed identity,
// AWS ECR, Alibaba Cloud ACR, Kubernetes secrets) are Ratify's own code;
// linking them means linking the cloud SDKs and Kubernetes client types,
// whose package initialisers ran in every plugin process on every
// verification. They are in the cloud flavour, the same plugins built with
// -tags cloudauth (cloud.go). A store entry naming a provider the binary
// lacks is refused with a message that names the flavour that has it.
package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	re "github.com/ratify-project/ratify/errors"
	"oras.land/oras-go/v2/registry/remote/auth"
	orascreds "oras.land/oras-go/v2/registry/remote/credentials"
)

// DockerConfig is the provider every build has, and the one Ratify uses
// when the store entry names none.
const DockerConfig = "dockerConfig"

// CloudProviders are the provider names Ratify v1.4.6 registers besides
// dockerConfig; only the cloud flavour has them.
var CloudProviders = []string{"azureWorkloadIdentity", "azureManagedIdentity", "awsEcrBasic", "alibabacloudAcrBasic", "k8Secrets"}

// Flavour names this build: "default" or "cloud" (cloud.go).
var Flavour = defaultFlavour

const (
	defaultFlavour = "default"
	cloudFlavour   = "cloud"
)

// ErrProviderNotInFlavour is returned for a provider Ratify knows but this
// build of the plugins does not have.
var ErrProviderNotInFlavour = errors.New("not in this default build")

// New returns the credentials the store entry's authProvider value (conf,
// nil when the entry has none) names. Errors for a missing or unknown
// name are Ratify's own (CreateAuthProviderFromConfig), so the protocol
// reports them exactly as a plugin built on Ratify's skel did.
func New(conf map[string]any) (auth.CredentialFunc, error) {
	if conf == nil {
		return dockerConfig("")
	}
	name, ok := conf["name"]
	if !ok {
		return nil, re.ErrorCodeAuthDenied.WithDetail(fmt.Sprintf("failed to find auth provider name in the auth providers config with key %s", "name")).WithComponentType(re.AuthProvider)
	}
	nameStr := fmt.Sprintf("%s", name)
	if nameStr == DockerConfig {
		var dc struct {
			ConfigPath string `json:"configPath"`
		}
		raw, _ := json.Marshal(conf)
		if err := json.Unmarshal(raw, &dc); err != nil {
			return nil, re.ErrorCodeAuthDenied.WithError(fmt.Errorf("authProvider.configPath: %w", err)).WithComponentType(re.AuthProvider)
		}
		return dockerConfig(dc.ConfigPath)
	}
	return flavourProvider(nameStr, conf)
}

// unknownProvider is Ratify's error for a name no build registers.
func unknownProvider(name string) error {
	return re.ErrorCodeAuthDenied.WithDetail(fmt.Sprintf("failed to find auth provider implementation with name %s", name)).WithComponentType(re.AuthProvider)
}

// dockerConfig reads the docker config file at path (empty: $DOCKER_CONFIG
// or ~/.docker/config.json, as Ratify's provider) when the first
// credential is asked for, so a process that reaches no registry never
// reads it. A file that cannot be read is an error on every fetch, which
// fails the verification naming the file, rather than an anonymous
// request that fails with a bare 401.
func dockerConfig(path string) (auth.CredentialFunc, error) {
	var (
		once sync.Once
		cred auth.CredentialFunc
		err  error
	)
	load := func() {
		var store *orascreds.DynamicStore
		if path == "" {
			store, err = orascreds.NewStoreFromDocker(orascreds.StoreOptions{})
		} else {
			store, err = orascreds.NewStore(path, orascreds.StoreOptions{})
		}
		if err != nil {
			err = fmt.Errorf("auth provider %s: docker config (store configuration key \"authProvider.configPath\"): %w", DockerConfig, err)
			return
		}
		cred = orascreds.Credential(store)
	}
	return func(ctx context.Context, host string) (auth.Credential, error) {
		once.Do(load)
		if err != nil {
			return auth.EmptyCredential, err
		}
		return cred(ctx, host)
	}, nil
}
