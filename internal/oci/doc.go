// Package oci reads manifests and blobs from OCI registries for the plugins
// and the CLI. Every read is bounded and checked against its descriptor's size
// and digest, so a registry that swaps, truncates or pads content is caught
// before anything is parsed.
//
// Ratify's referrer store (pkg/referrerstore/oras) is not used for reads: its
// GetReferenceManifest drops the config descriptor and the raw bytes, and its
// GetBlobContent reads without a bound. Instead a Client is built from the
// same store configuration and Ratify's own auth providers (OptionsFromStore),
// so credentials, plain-HTTP and loopback-TLS behave as in Ratify.
package oci
