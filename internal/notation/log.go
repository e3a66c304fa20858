package notation

import (
	"fmt"

	notationlog "github.com/notaryproject/notation-go/log"

	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

// logAdapter routes notation-go's log calls to the plugin logger. notation
// logs routine progress at info (the trust policy in effect, which checks
// are disabled): that is debug detail here. Its warnings and errors (a
// logged validation failure, a revocation server that did not answer) are
// what an operator needs, so they become warnings.
type logAdapter struct{ l *plugin.Logger }

var _ notationlog.Logger = logAdapter{}

func (a logAdapter) Debug(args ...any)                 { a.l.Debugf("notation: %s", fmt.Sprint(args...)) }
func (a logAdapter) Debugf(format string, args ...any) { a.l.Debugf("notation: "+format, args...) }
func (a logAdapter) Debugln(args ...any)               { a.l.Debugf("notation: %s", fmt.Sprintln(args...)) }
func (a logAdapter) Info(args ...any)                  { a.Debug(args...) }
func (a logAdapter) Infof(format string, args ...any)  { a.Debugf(format, args...) }
func (a logAdapter) Infoln(args ...any)                { a.Debugln(args...) }
func (a logAdapter) Warn(args ...any)                  { a.l.Warnf("notation: %s", fmt.Sprint(args...)) }
func (a logAdapter) Warnf(format string, args ...any)  { a.l.Warnf("notation: "+format, args...) }
func (a logAdapter) Warnln(args ...any)                { a.l.Warnf("notation: %s", fmt.Sprintln(args...)) }
func (a logAdapter) Error(args ...any)                 { a.Warn(args...) }
func (a logAdapter) Errorf(format string, args ...any) { a.Warnf(format, args...) }
func (a logAdapter) Errorln(args ...any)               { a.Warnln(args...) }
