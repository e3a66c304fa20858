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

// helper builds a tiny Go program that allocates and touches n MiB, so the
// RSS measurement has something known to find.
func helper(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := `package main

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
	os.Exit(len(os.Args) - 2)
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "helper")
	cmd := exec.Command("go", "build", "-o", bin, filepath.Join(dir, "main.go"))
	cmd.Env = append(os.Environ(), "GO111MODULE=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build helper: %v\n%s", err, out)
	}
	return bin
}

func TestExecMeasures(t *testing.T) {
	bin := helper(t)
	r, err := Exec(context.Background(), os.Environ(), []byte("in"), bin, "64")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(r.Stdout); got != "in:"+"67108864" {
		t.Fatalf("stdout %q", got)
	}
	if r.ExitCode != 0 || r.Wall <= 0 || r.User+r.Sys <= 0 {
		t.Fatalf("run %+v", r)
	}
	if runtime.GOOS == "linux" && (r.MaxRSS < 64<<20 || r.MaxRSS > 256<<20) {
		t.Fatalf("max RSS %d, want about 64 MiB", r.MaxRSS)
	}
	// A second argument makes the helper exit 1: reported, not an error.
	r, err = Exec(context.Background(), os.Environ(), nil, bin, "1", "x")
	if err != nil || r.ExitCode != 1 {
		t.Fatalf("exit code %d, err %v", r.ExitCode, err)
	}
}

func TestExecErrors(t *testing.T) {
	if _, err := Exec(context.Background(), nil, nil, filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("missing binary: want error")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := Exec(ctx, nil, nil, "/bin/sleep", "5")
	if err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("deadline: %v", err)
	}
}
