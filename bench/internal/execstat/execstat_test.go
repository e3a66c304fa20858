package execstat

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// build compiles a Go program (GOPATH mode, no module) or a package of
// this module into a temporary directory.
func build(t *testing.T, name, src, pkg string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, name)
	var cmd *exec.Cmd
	if src != "" {
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command("go", "build", "-o", bin, filepath.Join(dir, "main.go"))
		cmd.Env = append(os.Environ(), "GO111MODULE=off")
	} else {
		cmd = exec.Command("go", "build", "-o", bin, pkg)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, out)
	}
	return bin
}

// helper allocates and touches N MiB, echoes stdin and exits with the
// number of extra arguments.
const helperSrc = `package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
)

var sink []byte

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	sink = make([]byte, n<<20)
	for i := range sink {
		sink[i] = byte(i)
	}
	in, _ := io.ReadAll(os.Stdin)
	fmt.Printf("%s:%d", in, len(sink))
	fmt.Fprint(os.Stderr, os.Getenv("EXECSTAT_TEST"))
	os.Exit(len(os.Args) - 2)
}
`

func runner(t *testing.T) Runner {
	return Runner{Spawner: build(t, "rusage-exec", "", "github.com/ratify-wasm/ratify-wasm/bench/cmd/rusage-exec")}
}

func TestExecMeasures(t *testing.T) {
	rn := runner(t)
	bin := build(t, "helper", helperSrc, "")
	r, err := rn.Exec(context.Background(), append(os.Environ(), "EXECSTAT_TEST=env"), []byte("in"), bin, "64")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(r.Stdout); got != "in:67108864" || string(r.Stderr) != "env" {
		t.Fatalf("stdout %q stderr %q", got, r.Stderr)
	}
	if r.ExitCode != 0 || r.Wall <= 0 || r.User+r.Sys <= 0 {
		t.Fatalf("run %+v", r)
	}
	if runtime.GOOS == "linux" && (r.MaxRSS < 64<<20 || r.MaxRSS > 160<<20) {
		t.Fatalf("max RSS %d, want about 64 MiB", r.MaxRSS)
	}
	r, err = rn.Exec(context.Background(), os.Environ(), nil, bin, "1", "x")
	if err != nil || r.ExitCode != 1 {
		t.Fatalf("exit code %d, err %v", r.ExitCode, err)
	}
}

// A large parent must not leak its peak RSS into the child's (the reason
// for the spawner).
func TestExecRSSIsTheChilds(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ru_maxrss semantics are Linux's")
	}
	rn := runner(t)
	bin := build(t, "helper", helperSrc, "")
	big := make([]byte, 512<<20)
	for i := range big {
		big[i] = 1
	}
	r, err := rn.Exec(context.Background(), os.Environ(), nil, bin, "8")
	if err != nil {
		t.Fatal(err)
	}
	if r.MaxRSS > 100<<20 {
		t.Fatalf("child of a 512 MiB parent reports %d bytes peak RSS", r.MaxRSS)
	}
	runtime.KeepAlive(big)
}

func TestExecErrors(t *testing.T) {
	rn := runner(t)
	if _, err := rn.Exec(context.Background(), nil, nil, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("missing binary: want error")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := rn.Exec(ctx, nil, nil, "/bin/sleep", "5")
	if err == nil || !strings.Contains(err.Error(), "did not finish") || time.Since(start) > 3*time.Second {
		t.Fatalf("deadline: %v after %v", err, time.Since(start))
	}
}
