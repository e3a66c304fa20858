#!/bin/sh
# Renders the ratify-wasm policy with parameters: replaces the lines between
# "# BEGIN PARAMETERS" and "# END PARAMETERS" with `parameters := <JSON>`.
#
#   policies/ratify/render.sh PARAMS.json [POLICY.rego] > policy.rego
#
# PARAMS.json is a JSON object (see policies/README.md); JSON is valid Rego.
# Use the result as the regoPolicy's policyPath (or inline "policy") in
# Ratify's config.json. The Helm chart does the same with policy.parameters.
set -eu
params=${1:?usage: render.sh PARAMS.json [POLICY.rego] > policy.rego}
policy=${2:-$(dirname "$0")/wasm.rego}
grep -q '^# BEGIN PARAMETERS$' "$policy" && grep -q '^# END PARAMETERS$' "$policy" || {
  echo "render.sh: $policy has no '# BEGIN PARAMETERS' ... '# END PARAMETERS' block" >&2
  exit 1
}
PARAMS=$(cat "$params") awk '
  /^# BEGIN PARAMETERS$/ { print; print "parameters := " ENVIRON["PARAMS"]; print ""; skip = 1; next }
  /^# END PARAMETERS$/ { skip = 0 }
  !skip
' "$policy"
