// Package execstat runs a process and measures it from the outside: wall
// time from exec to exit, CPU time and peak resident set size (rusage), the
// way an admission controller experiences a plugin.
package execstat

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"time"
)

// Run is one measured process execution.
type Run struct {
	Wall     time.Duration
	User     time.Duration
	Sys      time.Duration
	MaxRSS   int64 // bytes; 0 where the platform does not report it
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}

// Exec runs name with args, env (the whole environment) and stdin, under
// ctx. The clock starts right before the fork and stops when Wait returns,
// so it covers exec, runtime start-up, package init and the work. A process
// that cannot be started is an error; a non-zero exit is not (see ExitCode).
func Exec(ctx context.Context, env []string, stdin []byte, name string, args ...string) (Run, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		return Run{}, fmt.Errorf("exec %s: %w", name, err)
	}
	if ctx.Err() != nil {
		return Run{}, fmt.Errorf("%s did not finish: %w", name, ctx.Err())
	}
	r := Run{
		Wall:     wall,
		User:     cmd.ProcessState.UserTime(),
		Sys:      cmd.ProcessState.SystemTime(),
		MaxRSS:   maxRSS(cmd.ProcessState),
		ExitCode: cmd.ProcessState.ExitCode(),
		Stdout:   stdout.Bytes(),
		Stderr:   stderr.Bytes(),
	}
	return r, nil
}
