// Package execstat runs a process and measures it from the outside: wall
// time from exec to exit, CPU time and peak resident set size, the way an
// admission controller experiences a plugin.
//
// Processes are started through a small spawner (bench/cmd/rusage-exec,
// see SpawnMain), not directly. On Linux a child's ru_maxrss includes the
// high-water mark of the address space it replaced at exec, and Go starts
// children with vfork semantics, so a process started straight from a
// large parent (the benchmark holds 100 MB components in memory) reports
// the parent's peak as its own. The spawner is small, so the peak it
// reports for its child is the child's.
package execstat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// report is what the spawner writes about its child.
type report struct {
	WallNS   int64  `json:"wallNs"`
	UserNS   int64  `json:"userNs"`
	SysNS    int64  `json:"sysNs"`
	MaxRSS   int64  `json:"maxRssBytes"`
	ExitCode int    `json:"exitCode"`
	Error    string `json:"error,omitempty"`
}

// Runner executes processes through the spawner binary at Spawner.
type Runner struct {
	Spawner string
}

// Exec runs name with args, env (the whole environment) and stdin, under
// ctx. Wall time is taken by the spawner around the child alone: from
// right before the fork to the return of wait. A process that cannot be
// started, or that ctx stops, is an error; a non-zero exit is not (see
// ExitCode).
func (rn Runner) Exec(ctx context.Context, env []string, stdin []byte, name string, args ...string) (Run, error) {
	dir, err := os.MkdirTemp("", "execstat-")
	if err != nil {
		return Run{}, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "report.json")
	cmd := exec.CommandContext(ctx, rn.Spawner, append([]string{out, name}, args...)...)
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	killGroup(cmd)
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return Run{}, fmt.Errorf("%s did not finish: %w", name, ctx.Err())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		return Run{}, fmt.Errorf("exec %s: spawner wrote no report (%v): %v\n%s", name, runErr, err, stderr.Bytes())
	}
	var rep report
	if err := json.Unmarshal(raw, &rep); err != nil {
		return Run{}, fmt.Errorf("exec %s: spawner report: %w", name, err)
	}
	if rep.Error != "" {
		return Run{}, fmt.Errorf("exec %s: %s", name, rep.Error)
	}
	return Run{
		Wall: time.Duration(rep.WallNS), User: time.Duration(rep.UserNS), Sys: time.Duration(rep.SysNS),
		MaxRSS: rep.MaxRSS, ExitCode: rep.ExitCode, Stdout: stdout.Bytes(), Stderr: stderr.Bytes(),
	}, nil
}

// SpawnMain is the spawner: args are REPORT-FILE NAME [ARG...]. It runs
// NAME with the spawner's environment and standard streams, and writes a
// JSON report on the child to REPORT-FILE. It returns 0 when the report
// was written, whatever the child's exit code.
func SpawnMain(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: rusage-exec REPORT-FILE NAME [ARG...]")
		return 2
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	rep := report{WallNS: int64(wall)}
	if cmd.ProcessState == nil {
		rep.Error = err.Error()
	} else {
		rep.UserNS = int64(cmd.ProcessState.UserTime())
		rep.SysNS = int64(cmd.ProcessState.SystemTime())
		rep.MaxRSS = maxRSS(cmd.ProcessState)
		rep.ExitCode = cmd.ProcessState.ExitCode()
	}
	raw, _ := json.Marshal(rep)
	if err := os.WriteFile(args[0], raw, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
