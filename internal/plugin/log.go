package plugin

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
)

// Logger writes Ratify-style log lines to stderr: "info: …", "warn: …",
// "debug: …" (Ratify re-logs them at that level). Lines never contain JSON
// objects on their own: Ratify would read them as results.
type Logger struct {
	mu     sync.Mutex
	w      io.Writer
	debug  bool
	closed bool
}

// NewLogger returns a Logger writing to w.
func NewLogger(w io.Writer, debug bool) *Logger { return &Logger{w: w, debug: debug} }

// MaxLogLineBytes bounds one log line. Ratify reads a plugin's stderr with
// the same 64 KiB line limit as its stdout; a longer line (say, one quoting
// a hostile field) would make Ratify lose the plugin's result.
const MaxLogLineBytes = 4 << 10

func (l *Logger) line(level, format string, args ...any) {
	if l == nil {
		return
	}
	msg := logText(fmt.Sprintf(format, args...))
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		fmt.Fprintf(l.w, "%s: %s\n", level, msg)
	}
}

// close drops later lines: after a deadline the abandoned verification may
// still log, and its writer belongs to the caller again.
func (l *Logger) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
}

// Infof logs at info level.
func (l *Logger) Infof(format string, args ...any) { l.line("info", format, args...) }

// Warnf logs at warn level.
func (l *Logger) Warnf(format string, args ...any) { l.line("warn", format, args...) }

// Debugf logs at debug level when enabled.
func (l *Logger) Debugf(format string, args ...any) {
	if l != nil && l.debug {
		l.line("debug", format, args...)
	}
}

// logrusFormatter routes the logs of Ratify's own packages (the oras store,
// auth providers) through the same prefixes.
type logrusFormatter struct{}

func (logrusFormatter) Format(e *logrus.Entry) ([]byte, error) {
	level := "info"
	switch e.Level {
	case logrus.DebugLevel, logrus.TraceLevel:
		level = "debug"
	case logrus.WarnLevel, logrus.ErrorLevel, logrus.FatalLevel, logrus.PanicLevel:
		level = "warn"
	}
	return []byte(level + ": " + logText(e.Message) + "\n"), nil
}

// logText puts a log message on one bounded line that does not parse as a
// JSON object (Ratify would take it for a result).
func logText(s string) string {
	s, _ = capString(strings.Join(strings.Fields(s), " "), MaxLogLineBytes)
	if strings.HasPrefix(s, "{") {
		s = "(" + s + ")"
	}
	return s
}
