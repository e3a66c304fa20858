package reliability_test

// otherCases lists the cases of the hostile-input, configuration, limits,
// serve and secrets suites.
func otherCases() []string {
	return append(append(append(hostileCaseIDs(), configCaseIDs()...), secretsCaseIDs...), serveCaseIDs...)
}
