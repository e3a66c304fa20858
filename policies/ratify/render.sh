#!/bin/sh
# Renders the ratify-wasm policy with parameters: the policy as it is, then
# one rule `parameters := <PARAMS.json>` appended (JSON is valid Rego; the
# rule overrides the policy's `default parameters := {}`).
#
#   policies/ratify/render.sh PARAMS.json [POLICY.rego] > policy.rego
#
# PARAMS.json is one JSON object (see policies/README.md), appended as
# written. Use the result as the regoPolicy's policyPath (or inline
# "policy") in Ratify's config.json. The Helm chart appends its
# policy.parameters the same way; internal/charttest checks that both give
# the same text, and the Go tests render through this script.
set -eu
params=${1:?usage: render.sh PARAMS.json [POLICY.rego] > policy.rego}
policy=${2:-$(dirname "$0")/wasm.rego}
grep -qx 'default parameters := {}' "$policy" || {
  echo "render.sh: $policy has no 'default parameters := {}' line to override" >&2
  exit 1
}
if grep -q '^parameters :=' "$policy"; then
  echo "render.sh: $policy already has a parameters rule" >&2
  exit 1
fi
json=$(cat "$params")
case $json in
  "{"*"}") ;;
  *) echo "render.sh: $params is not one JSON object ({…})" >&2; exit 1 ;;
esac
cat "$policy"
printf '\nparameters := %s\n' "$json"
