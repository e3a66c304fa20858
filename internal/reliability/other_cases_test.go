package reliability_test

import "slices"

// otherCases lists the cases of the hostile-input, configuration, limits,
// serve, secrets and policy-attack suites.
func otherCases() []string {
	return slices.Concat(hostileCaseIDs(), configCaseIDs(), secretsCaseIDs, serveCaseIDs, policyAttackCaseIDs, runtimeAttackCaseIDs)
}

// policyAttackCaseIDs are the cases of attacks decided by the Rego policies
// rather than by one plugin (section "policy"); the files that define them
// append their IDs in init.
var policyAttackCaseIDs []string
