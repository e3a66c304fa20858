//go:build probe_ratify

package main

import _ "github.com/ratify-project/ratify/pkg/utils" // Ratify's utilities, which import its Kubernetes API types
