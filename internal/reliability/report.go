// Package reliability holds the project's reliability and security suite
// (its tests): every plugin run through the real `ratify verify` behind a
// fault-injecting registry proxy (internal/testing/faultproxy), hostile inputs
// pushed to real registries, parallel verifications through `ratify
// serve`, and a check that no secret reaches the logs.
//
// The non-test code here records what the suite observed and renders it as
// docs/reliability.md, so that page is written by the test run (make
// reliability-docs), never by hand.
package reliability

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Outcome is what one case of the suite observed.
type Outcome struct {
	// Section groups cases on the page (see Sections).
	Section string
	// Case is the case's unique identifier, e.g.
	// "ratify/referrers/wasm-cosign/status-503@referrer-layer".
	Case string
	// Plugin and Registry say who was tested where ("" when not relevant).
	Plugin   string
	Registry string
	// Input says what was done, for a reader: the fault and the call it hit,
	// or the bad input.
	Input string
	// Denied is true when verification failed, as it must (for cases that
	// check something else, true when that check held).
	Denied bool
	// Verdict, when set, is shown instead of "denied" (e.g. for the load
	// case, whose outcome is that answers matched).
	Verdict string
	// Check is the failedCheck the plugin named, or who denied.
	Check string
	// Message is the one-line message an operator sees.
	Message string
	// Elapsed is how long the verification took; Deadline is the limit the
	// case held it to (0 when none applies).
	Elapsed  time.Duration
	Deadline time.Duration
}

// Recorder collects outcomes from parallel tests.
type Recorder struct {
	mu       sync.Mutex
	outcomes map[string]Outcome
}

// Add records o, replacing an earlier outcome of the same case.
func (r *Recorder) Add(o Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.outcomes == nil {
		r.outcomes = map[string]Outcome{}
	}
	r.outcomes[o.Case] = o
}

// Outcomes returns the outcomes sorted by section order, then case.
func (r *Recorder) Outcomes() []Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Outcome, 0, len(r.outcomes))
	for _, o := range r.outcomes {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		si, sj := sectionIndex(out[i].Section), sectionIndex(out[j].Section)
		if si != sj {
			return si < sj
		}
		return out[i].Case < out[j].Case
	})
	return out
}

// Section is a part of the page.
type Section struct {
	ID, Title, Intro string
}

// Sections are the page's parts, in order.
var Sections = []Section{
	{"ratify", "Registry faults through `ratify verify`",
		"Each plugin binary, run by the real Ratify v1.4.6 CLI against a registry behind the fault proxy. The fault hits only the plugin's own request for the named object (Ratify's requests pass), except for the referrers-list faults, which hit Ratify's listing. Elapsed is the whole `ratify verify` run; the plugin deadline (`timeout`) was 2s."},
	{"ratify-calls", "Faults on Ratify's own calls",
		"The fault hits the requests Ratify itself makes (subject resolution, referrers listing), so no plugin ever runs; the verdict is Ratify's."},
	{"objects", "Every object each plugin reads (in process)",
		"Every registry read each plugin makes, faulted one at a time, with the plugin driven in process exactly as Ratify's skel drives it (Ratify's real oras store). The suite checks that each plugin reads exactly these objects, so a new read cannot escape this table."},
	{"hostile", "Hostile inputs through `ratify verify`",
		"Malformed or adversarial content pushed to a real registry (the referrers registry, which stores what it is given) and verified by the plugin that reads it."},
	{"config", "Hostile plugin configurations through `ratify verify`",
		"Verifier entries with bad values; the plugin must refuse the entry and name the key."},
	{"serve", "Parallel verifications through `ratify serve`",
		"Many concurrent requests to one `ratify serve`; every answer must equal the answer of a sequential `ratify verify` run of the same subject."},
	{"policy", "Attacks decided by the policies",
		"Artifacts that pass some verifiers but must not be admitted, verified by `ratify verify` with the plugins and the project's default Rego policy (or the Gatekeeper templates); the verdict is the policy's."},
	{"secrets", "Secrets in logs",
		"Failing verifications with credentials and key material configured; the report and every log line are searched for them."},
}

func sectionIndex(id string) int {
	for i, s := range Sections {
		if s.ID == id {
			return i
		}
	}
	return len(Sections)
}

var (
	digestRE = regexp.MustCompile(`sha256:([0-9a-f]{12})[0-9a-f]{52}`)
	hostRE   = regexp.MustCompile(`(127\.0\.0\.1|(?i:localhost)):[0-9]+`)
)

// Normalize makes a message readable and stable on the page: loopback
// hosts become <registry>, digests are shortened.
func Normalize(msg string) string {
	msg = hostRE.ReplaceAllString(msg, "<registry>")
	msg = digestRE.ReplaceAllString(msg, "sha256:$1…")
	return msg
}

// Render writes the page. extra is appended verbatim (e.g. the limits
// table built from the code's constants).
func Render(w io.Writer, outcomes []Outcome, extra string) error {
	var b strings.Builder
	denied := 0
	for _, o := range outcomes {
		if o.Denied {
			denied++
		}
	}
	b.WriteString("# Reliability: registry faults, hostile inputs and load\n\n")
	b.WriteString("<!-- Generated by `make reliability-docs` (go test ./internal/reliability with RATIFY_WASM_WRITE_DOCS=1). Do not edit. -->\n\n")
	fmt.Fprintf(&b, "Every case below was run by the test suite (`internal/reliability`, `internal/testing/faultproxy`) and the outcome is what it observed: **%d cases, %d held, %d accepted**. Held means denied with a one-line message naming the check (or, for the load case, answers identical to sequential runs); none was lost to a crash or a hang, since either fails the suite before this page is written.\n\n", len(outcomes), denied, len(outcomes)-denied)
	b.WriteString("Messages are shown as the operator sees them, with loopback registry addresses replaced by `<registry>` and digests shortened.\n\n")
	for _, s := range Sections {
		var rows []Outcome
		for _, o := range outcomes {
			if o.Section == s.ID {
				rows = append(rows, o)
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", s.Title, s.Intro)
		b.WriteString("| case | input | outcome | check | elapsed | message |\n|---|---|---|---|---|---|\n")
		for _, o := range rows {
			verdict := "**accepted**"
			switch {
			case o.Denied && o.Verdict != "":
				verdict = o.Verdict
			case o.Denied:
				verdict = "denied"
			}
			elapsed := ""
			if o.Elapsed > 0 {
				elapsed = o.Elapsed.Round(10 * time.Millisecond).String()
				if o.Deadline > 0 {
					elapsed += " (≤ " + o.Deadline.String() + ")"
				}
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", o.Case, cell(o.Input), verdict, cell(o.Check), elapsed, cell(Normalize(o.Message)))
		}
		b.WriteString("\n")
	}
	b.WriteString(extra)
	_, err := io.WriteString(w, b.String())
	return err
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// caseRE finds the case column of a rendered page.
var caseRE = regexp.MustCompile("(?m)^\\| `([^`]+)` \\| ")

// PageCases parses a rendered page into case → held (denied, or the
// case's own verdict), false for accepted.
func PageCases(page string) map[string]bool {
	out := map[string]bool{}
	inMutation := false
	for _, line := range strings.Split(page, "\n") {
		// The mutation section's rows name packages, not cases.
		switch line {
		case MutationBegin:
			inMutation = true
		case MutationEnd:
			inMutation = false
		}
		if inMutation {
			continue
		}
		if m := caseRE.FindStringSubmatch(line); m != nil {
			out[m[1]] = !strings.Contains(line, "| **accepted** |")
		}
	}
	return out
}
