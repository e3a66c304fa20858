package schema

// ValidateWith is Validate with a schema file of the test's (named name in
// messages), for keyword combinations the published files do not use and
// for schemas that must not load.
func ValidateWith(name string, schemaFile, raw []byte) error {
	root, err := load(schemaFile)
	if err != nil {
		return err
	}
	return root.validateDocument(name, raw)
}
