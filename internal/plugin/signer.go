package plugin

// ExtSigner is the extension under which a plugin that verified a signature
// reports who made it, always in the shape Signer.Extension gives, so Rego
// reads one form from every plugin.
const ExtSigner = "signer"

// Signer is who signed what a plugin verified, set from verified data only.
type Signer struct {
	// Summary is for people: "key sha256:<hex>" or
	// "<identity> (issuer <issuer>)".
	Summary string
	// TrustPolicy names the trust policy that accepted the signature.
	TrustPolicy string
	// KeyID ("sha256:<hex>" of the key's PKIX form) is set for a key-signed
	// entity; Identity and Issuer (the certificate's subject alternative
	// name and OIDC issuer) for a keyless one.
	KeyID    string
	Identity string
	Issuer   string
	// Certificate holds the claims of a keyless signature's certificate
	// (for Fulcio: its extensions under sigstore-go's names), if any.
	Certificate map[string]any
	// RekorLogIndex is the index of the verified transparency-log entry,
	// if there is one.
	RekorLogIndex *int64
	// Unlogged is set when the signature had no log entry or timestamp and
	// was accepted only because the trust policy allows that.
	Unlogged bool
}

// Extension is the signer extension's value: an object with summary and
// trustPolicy; keyId for a key, identity and issuer otherwise; certificate,
// rekorLogIndex and unlogged only when set.
func (s Signer) Extension() map[string]any {
	ext := map[string]any{"summary": s.Summary, "trustPolicy": s.TrustPolicy}
	if s.KeyID != "" {
		ext["keyId"] = s.KeyID
	} else {
		ext["identity"], ext["issuer"] = s.Identity, s.Issuer
	}
	if len(s.Certificate) > 0 {
		ext["certificate"] = s.Certificate
	}
	if s.RekorLogIndex != nil {
		ext["rekorLogIndex"] = *s.RekorLogIndex
	}
	if s.Unlogged {
		ext["unlogged"] = true
	}
	return ext
}
