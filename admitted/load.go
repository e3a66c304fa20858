package admitted

import (
	"fmt"
	"path/filepath"
)

// LoadLayer reads the record at recordPath (ReadRecord) and the one layer
// it lists from the record's directory, checked against the layer's digest
// and size (ReadFile). It returns the layer's bytes, which are what the host
// must compile (see ReadFile), and the layer. A record that lists more than
// one layer is refused with ErrMultipleLayers: the caller must choose one
// from ReadRecord's Layers and check it with ReadFile.
func LoadLayer(recordPath string) ([]byte, Layer, error) {
	r, err := ReadRecord(recordPath)
	if err != nil {
		return nil, Layer{}, err
	}
	if n := len(r.Layers); n != 1 {
		return nil, Layer{}, also(fmt.Errorf("admitted: record %s: it lists %d WASM layers; choose one from ReadRecord and check it with ReadFile", show(recordPath), n), ErrMultipleLayers)
	}
	l := r.Layers[0]
	b, err := ReadFile(filepath.Join(filepath.Dir(recordPath), l.File), l.Digest, l.Size)
	if err != nil {
		return nil, Layer{}, err
	}
	return b, l, nil
}
