package registrytest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

const (
	// startAttempts bounds retries with a new port when the port was taken
	// between probing it and the registry binding it.
	startAttempts = 5
	// startTimeout bounds one attempt, from exec to a verified answer.
	startTimeout = 10 * time.Second
	// stopTimeout is how long SIGTERM gets before SIGKILL.
	stopTimeout = 5 * time.Second
)

// distributionConfig is the registry's config.yml. The instance header is
// added via http.headers to every answer of the API routes (not to the
// router's plain 404s), so probes can tell this process from anything else
// on the port.
const distributionConfig = `version: 0.1
log:
  level: warn
  formatter: text
storage:
  filesystem:
    rootdirectory: %q
  delete:
    enabled: %t
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: %q
  secret: %q
  headers:
    %s: [%q]
`

// StartDistribution runs `bin/registry serve <config.yml>` (distribution
// v3.1.2) on 127.0.0.1 with storage in t.TempDir(). It fails the test if the
// binary is missing or the registry does not come up. The registry is
// stopped in t.Cleanup (SIGTERM, then SIGKILL); its output is logged if the
// test failed.
//
// This registry has no referrers API: clients fall back to the sha256-<hex>
// tag schema.
func StartDistribution(t testing.TB) *Registry {
	t.Helper()
	return startDistributionWith(t, true)
}

// StartStockDistribution is StartDistribution with distribution's default
// storage settings, which refuse DELETE (405): what a user who runs
// `registry serve` on a stock config gets, and where clients that clean up
// old referrers tag indexes meet an error.
func StartStockDistribution(t testing.TB) *Registry {
	t.Helper()
	return startDistributionWith(t, false)
}

func startDistributionWith(t testing.TB, deleteEnabled bool) *Registry {
	t.Helper()
	r, err := launchDistribution(testenv.Bin(t, "registry"), t.TempDir(), deleteEnabled, t.Logf)
	if err != nil {
		t.Fatalf("registrytest: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("registrytest: distribution registry %s output:\n%s", r.Host, r.Output())
		}
	})
	t.Cleanup(r.Close) // runs first: stop, then dump the log
	return r
}

// LaunchDistribution is StartDistribution for code without a testing.TB
// (the e2e programs and tests): bin is the registry binary, dir a
// directory for its storage and config; the caller stops it with Close.
func LaunchDistribution(bin, dir string) (*Registry, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return launchDistribution(bin, dir, true, func(string, ...any) {})
}

// launchDistribution starts the registry, retrying on a new port when the
// port was taken; logf reports each attempt.
func launchDistribution(bin, dir string, deleteEnabled bool, logf func(string, ...any)) (*Registry, error) {
	storage := filepath.Join(dir, "storage")
	if err := os.Mkdir(storage, 0o755); err != nil {
		return nil, err
	}

	var errs []error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		r, err := startDistribution(bin, dir, storage, attempt, deleteEnabled)
		if err == nil {
			logf("registrytest: distribution registry on %s, up in %v", r.Host, r.Startup.Round(time.Millisecond))
			return r, nil
		}
		errs = append(errs, fmt.Errorf("attempt %d: %w", attempt, err))
		logf("registrytest: distribution start attempt %d failed: %v", attempt, err)
		var retry errRetry
		if !errors.As(err, &retry) {
			break
		}
	}
	return nil, fmt.Errorf("distribution registry did not start:\n%v", errors.Join(errs...))
}

// errRetry marks a start failure worth retrying on another port.
type errRetry struct{ error }

func (e errRetry) Unwrap() error { return e.error }

func startDistribution(bin, dir, storage string, attempt int, deleteEnabled bool) (*Registry, error) {
	port, err := pickPort()
	if err != nil {
		return nil, err
	}
	host := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	instance := newInstanceID()
	cfg := filepath.Join(dir, fmt.Sprintf("config-%d.yml", attempt))
	body := fmt.Sprintf(distributionConfig, storage, deleteEnabled, host, newInstanceID(), instanceHeader, instance)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		return nil, err
	}

	out := &lockedBuffer{}
	cmd := exec.Command(bin, "serve", cfg)
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	// distribution v3 initialises OpenTelemetry with an OTLP exporter by
	// default, which would try to reach localhost:4318.
	cmd.Env = append(os.Environ(), "OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none", "OTEL_LOGS_EXPORTER=none")
	cmd.SysProcAttr = sysProcAttr()

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()

	stop := func() {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			_ = cmd.Process.Kill()
		}
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-exited:
			msg := fmt.Sprintf("registry exited before answering (%v); output:\n%s", waitErr, out.String())
			if strings.Contains(msg, "address already in use") {
				return nil, errRetry{errors.New(msg)}
			}
			return nil, errors.New(msg)
		default:
		}
		perr := probe(host, instance)
		if perr == nil {
			// Answered by our instance; make sure it did not die right after.
			select {
			case <-exited:
				continue
			default:
			}
			break
		}
		var foreign errForeign
		if errors.As(perr, &foreign) {
			stop()
			return nil, errRetry{fmt.Errorf("%w; output:\n%s", perr, out.String())}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("no answer within %v: %v; output:\n%s", startTimeout, perr, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}

	return &Registry{
		Host:     host,
		Name:     "distribution",
		Startup:  time.Since(start),
		instance: instance,
		close:    stop,
		output:   out.String,
	}, nil
}

// pickPort is probePort; tests replace it to force a taken port.
var pickPort = probePort

// probePort returns a port that was free on 127.0.0.1 a moment ago. The
// caller must cope with losing it before the binary binds (see errRetry).
func probePort() (int, error) {
	addr, err := testenv.FreeAddr()
	if err != nil {
		return 0, err
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(port)
}
