package oci

import "crypto/tls"

func tlsConfigSkipVerify() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true} //nolint:gosec // only for hosts InsecureTLS names
}
