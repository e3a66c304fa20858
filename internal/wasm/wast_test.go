package wasm

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// wastVector is one `(component … binary …)` form of a .wast script.
type wastVector struct {
	Line    int
	Class   string // "valid", "invalid" (assert_invalid) or "malformed"
	Message string // expected message for assert_* forms
	Bytes   []byte
}

// wastPath is the component-model spec's binary.wast, copied into the
// repository with its licence (testdata/third_party/component-model).
func wastPath(tb testing.TB) string {
	tb.Helper()
	return testenv.ThirdParty(tb, "component-model/binary.wast")
}

// loadWastVectors extracts every binary component form of binary.wast.
func loadWastVectors(tb testing.TB) []wastVector {
	tb.Helper()
	src, err := os.ReadFile(wastPath(tb))
	if err != nil {
		tb.Fatal(err)
	}
	vs, err := extractWast(src)
	if err != nil {
		tb.Fatalf("extracting binary.wast: %v", err)
	}
	return vs
}

// sexpr is a node of a parsed .wast script.
type sexpr struct {
	line  int
	atom  string // keyword, $id, number...
	str   []byte // decoded string literal
	isStr bool
	list  []sexpr
	isLst bool
}

type wastLexer struct {
	src  []byte
	pos  int
	line int
}

func (l *wastLexer) errf(format string, args ...any) error {
	return fmt.Errorf("line %d: %s", l.line, fmt.Sprintf(format, args...))
}

// skipSpace skips whitespace, line comments (;; …) and nested block
// comments ((; … ;)).
func (l *wastLexer) skipSpace() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case c == ' ' || c == '\t' || c == '\r':
			l.pos++
		case c == ';' && l.pos+1 < len(l.src) && l.src[l.pos+1] == ';':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		case c == '(' && l.pos+1 < len(l.src) && l.src[l.pos+1] == ';':
			depth := 0
			for {
				if l.pos+1 >= len(l.src) {
					return l.errf("unterminated block comment")
				}
				switch {
				case l.src[l.pos] == '(' && l.src[l.pos+1] == ';':
					depth++
					l.pos += 2
				case l.src[l.pos] == ';' && l.src[l.pos+1] == ')':
					depth--
					l.pos += 2
				default:
					if l.src[l.pos] == '\n' {
						l.line++
					}
					l.pos++
				}
				if depth == 0 {
					break
				}
			}
		default:
			return nil
		}
	}
	return nil
}

// parseList parses the items up to the matching ')' (or EOF at top level).
func (l *wastLexer) parseList(top bool) ([]sexpr, error) {
	var items []sexpr
	for {
		if err := l.skipSpace(); err != nil {
			return nil, err
		}
		if l.pos >= len(l.src) {
			if top {
				return items, nil
			}
			return nil, l.errf("unexpected EOF in list")
		}
		c := l.src[l.pos]
		switch c {
		case '(':
			line := l.line
			l.pos++
			sub, err := l.parseList(false)
			if err != nil {
				return nil, err
			}
			items = append(items, sexpr{line: line, list: sub, isLst: true})
		case ')':
			if top {
				return nil, l.errf("unbalanced ')'")
			}
			l.pos++
			return items, nil
		case '"':
			s, err := l.parseString()
			if err != nil {
				return nil, err
			}
			items = append(items, sexpr{line: l.line, str: s, isStr: true})
		default:
			start := l.pos
			for l.pos < len(l.src) && !strings.ContainsRune(" \t\r\n()\";", rune(l.src[l.pos])) {
				l.pos++
			}
			items = append(items, sexpr{line: l.line, atom: string(l.src[start:l.pos])})
		}
	}
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseString decodes a wast string literal: \t \n \r \" \' \\, \hh and
// \u{hex}.
func (l *wastLexer) parseString() ([]byte, error) {
	l.pos++ // opening quote
	var out []byte
	for {
		if l.pos >= len(l.src) {
			return nil, l.errf("unterminated string")
		}
		c := l.src[l.pos]
		switch {
		case c == '"':
			l.pos++
			return out, nil
		case c == '\n':
			return nil, l.errf("newline in string")
		case c != '\\':
			out = append(out, c)
			l.pos++
			continue
		}
		if l.pos+1 >= len(l.src) {
			return nil, l.errf("unterminated escape")
		}
		e := l.src[l.pos+1]
		l.pos += 2
		switch e {
		case 't':
			out = append(out, '\t')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case '"', '\'', '\\':
			out = append(out, e)
		case 'u':
			end := strings.IndexByte(string(l.src[l.pos:]), '}')
			if l.pos >= len(l.src) || l.src[l.pos] != '{' || end < 0 {
				return nil, l.errf("bad \\u escape")
			}
			n, err := strconv.ParseUint(string(l.src[l.pos+1:l.pos+end]), 16, 32)
			if err != nil {
				return nil, l.errf("bad \\u escape: %v", err)
			}
			out = append(out, string(rune(n))...)
			l.pos += end + 1
		default:
			hi, ok1 := hexVal(e)
			if l.pos >= len(l.src) {
				return nil, l.errf("bad escape")
			}
			lo, ok2 := hexVal(l.src[l.pos])
			if !ok1 || !ok2 {
				return nil, l.errf("bad escape \\%c", e)
			}
			out = append(out, hi<<4|lo)
			l.pos++
		}
	}
}

// componentBinary returns the bytes of a `(component [$id] [definition]
// binary "…"*)` form.
func componentBinary(x sexpr) ([]byte, bool, error) {
	if !x.isLst || len(x.list) == 0 || x.list[0].atom != "component" {
		return nil, false, nil
	}
	items := x.list[1:]
	if len(items) > 0 && strings.HasPrefix(items[0].atom, "$") {
		items = items[1:]
	}
	if len(items) > 0 && items[0].atom == "definition" {
		items = items[1:]
	}
	if len(items) == 0 || items[0].atom != "binary" {
		return nil, false, nil
	}
	b := []byte{}
	for _, it := range items[1:] {
		if !it.isStr {
			return nil, false, fmt.Errorf("line %d: non-string item in binary component", it.line)
		}
		b = append(b, it.str...)
	}
	return b, true, nil
}

func extractWast(src []byte) ([]wastVector, error) {
	lx := &wastLexer{src: src, line: 1}
	top, err := lx.parseList(true)
	if err != nil {
		return nil, err
	}
	var out []wastVector
	for _, x := range top {
		if !x.isLst || len(x.list) == 0 {
			continue
		}
		switch head := x.list[0].atom; head {
		case "component":
			b, ok, err := componentBinary(x)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, wastVector{Line: x.line, Class: "valid", Bytes: b})
			}
		case "assert_malformed", "assert_invalid":
			if len(x.list) != 3 || !x.list[2].isStr {
				return nil, fmt.Errorf("line %d: unexpected %s shape", x.line, head)
			}
			b, ok, err := componentBinary(x.list[1])
			if err != nil {
				return nil, err
			}
			if !ok {
				continue // text-format component
			}
			class := "malformed"
			if head == "assert_invalid" {
				class = "invalid"
			}
			out = append(out, wastVector{Line: x.line, Class: class, Message: string(x.list[2].str), Bytes: b})
		}
	}
	return out, nil
}

func TestWastExtractor(t *testing.T) {
	src := []byte(`;; comment "not a string"
(; block (; nested ;) comment ;)
(component binary "\00asm" "\0d\00\01\00" "\t\n\r\"\'\\\u{e9}")
(component $X definition binary "a")
(assert_malformed (component binary "\ff") "bad thing")
(assert_invalid (component binary "") "")
(assert_malformed (component quote "x") "text forms are skipped")
(component (type string))`)
	vs, err := extractWast(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []wastVector{
		{Line: 3, Class: "valid", Bytes: append([]byte("\x00asm\x0d\x00\x01\x00\t\n\r\"'\\"), 0xc3, 0xa9)},
		{Line: 4, Class: "valid", Bytes: []byte("a")},
		{Line: 5, Class: "malformed", Message: "bad thing", Bytes: []byte{0xff}},
		{Line: 6, Class: "invalid", Message: "", Bytes: []byte{}},
	}
	if len(vs) != len(want) {
		t.Fatalf("got %d vectors, want %d: %+v", len(vs), len(want), vs)
	}
	for i := range want {
		g, w := vs[i], want[i]
		if g.Line != w.Line || g.Class != w.Class || g.Message != w.Message || string(g.Bytes) != string(w.Bytes) {
			t.Errorf("vector %d = %+v, want %+v", i, g, w)
		}
	}
	for _, bad := range []string{`(component binary "\zz")`, `(component binary "abc`, `(component binary "a"`, `)`} {
		if _, err := extractWast([]byte(bad)); err == nil {
			t.Errorf("extractWast(%q) succeeded", bad)
		}
	}
}

func TestSpecVectors(t *testing.T) {
	vs := loadWastVectors(t)
	counts := map[string]int{}
	for _, v := range vs {
		counts[v.Class]++
	}
	// Exact counts, so a broken extractor cannot pass silently.
	if counts["valid"] != 35 || counts["invalid"] != 18 || counts["malformed"] != 70 {
		t.Fatalf("extracted %d valid / %d invalid / %d malformed, want 35 / 18 / 70", counts["valid"], counts["invalid"], counts["malformed"])
	}
	validOK, malformedRejected, matched, withMessage := 0, 0, 0, 0
	for _, v := range vs {
		b, err := Parse(v.Bytes, Limits{})
		switch v.Class {
		case "valid":
			if err != nil {
				t.Errorf("line %d: valid vector rejected: %v", v.Line, err)
				continue
			}
			validOK++
			checkParts(t, v.Bytes, b)
		case "malformed":
			if err == nil {
				t.Errorf("line %d: malformed vector accepted (want %q)", v.Line, v.Message)
				continue
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("line %d: error %T is not a *ParseError", v.Line, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("line %d: multi-line error %q", v.Line, err)
			}
			malformedRejected++
			if v.Message != "" {
				withMessage++
				if strings.Contains(pe.Reason, v.Message) {
					matched++
				} else {
					t.Logf("line %d: message differs: got %q, spec expects %q", v.Line, pe.Reason, v.Message)
				}
			}
		case "invalid":
			// Decode-valid but semantically invalid: only require no panic
			// (reaching here) and a consistent result if accepted.
			if err == nil {
				checkParts(t, v.Bytes, b)
			}
		}
	}
	t.Logf("valid: %d/35 parsed; malformed: %d/70 rejected; messages matched %d of %d non-empty expectations",
		validOK, malformedRejected, matched, withMessage)
}
