// Package oci reads manifests and blobs from OCI registries for the plugins
// and the CLI. Every read is bounded and checked against its descriptor's size
// and digest, so a registry that swaps, truncates or pads content is caught
// before anything is parsed.
// Size and digest errors unwrap to oras-go's sentinels
// (errdef.ErrSizeExceedsLimit, content.ErrMismatchedDigest,
// content.ErrTrailingData, io.ErrUnexpectedEOF for truncated content).
//
// The package knows nothing of Ratify: the plugin runtime (internal/plugin)
// builds Options from Ratify's store configuration and auth providers.
package oci
