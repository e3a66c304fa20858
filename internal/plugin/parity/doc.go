// Package parity holds the differential test of the plugin protocol: every
// plugin built with the runtime's native protocol and with Ratify's skel
// (-tags skelparity) must answer the same inputs with the same stdout and
// exit status. It lives apart from package plugin because it builds ten
// binaries, which the runtime's unit tests (and a mutation run over them)
// should not wait for.
package parity
