package plugin

import (
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

// Ratify's own packages log through logrus inside the plugin; their lines
// are bounded like the plugin's (a registry error can quote a long body).
func TestLogrusLinesAreBounded(t *testing.T) {
	b, err := logrusFormatter{}.Format(&logrus.Entry{Level: logrus.WarnLevel, Message: "{" + strings.Repeat("x", 100_000)})
	if err != nil {
		t.Fatal(err)
	}
	line := string(b)
	if len(line) > MaxLogLineBytes+64 || strings.Count(line, "\n") != 1 || !strings.HasPrefix(line, "warn: ({xxx") {
		t.Fatalf("line of %d bytes: %.60q", len(line), line)
	}
}
