// Package wording writes the small parts of the program's sentences the
// same way everywhere: plurals, counts with thousands separators, sizes,
// lists joined with "or", a capital letter and a full stop, and a file
// that could not be read or written.
package wording

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// OSReason turns an operating-system error into a few plain words.
func OSReason(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "there is no such file"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Plural picks the word for n things. It takes an int64 as it is, so that
// a count of rows needs no conversion that could overflow an int.
func Plural[N ~int | ~int64](n N, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Size writes a size the way people read it.
func Size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Count writes n with thousands separators: 12,345.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Capital puts a capital at the start of s, for a sentence that starts
// with a phrase such as "lines 2–31".
func Capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Sentence makes s a sentence: a capital first letter, unless it starts
// with an address or a name that must keep its case (data.ct.gov,
// http://127.0.0.1:8080, a field_name), and a full stop.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	first, _, _ := strings.Cut(s, " ")
	if !strings.ContainsAny(strings.TrimRight(first, ".,:;"), ".:/@_") {
		r, n := utf8.DecodeRuneInString(s)
		s = string(unicode.ToUpper(r)) + s[n:]
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}

// OrList joins items for a sentence: "A", "A or B", "A, B or C"; none
// gives "".
func OrList(items []string) string {
	switch n := len(items); n {
	case 0:
		return ""
	case 1:
		return items[0]
	default:
		return strings.Join(items[:n-1], ", ") + " or " + items[n-1]
	}
}

// fileProblem is a file that could not be read or written, worded for a
// person ("cannot write the checkpoint /x/p.job.json.checkpoint:
// permission denied"), wrapping the system's error.
type fileProblem struct {
	msg string
	err error
}

func (e *fileProblem) Error() string { return e.msg }

func (e *fileProblem) Unwrap() error { return e.err }

// FileFailed words err, from doing what (such as "cannot write the
// rejected rows to") with the file at path.
func FileFailed(what, path string, err error) error {
	return &fileProblem{msg: what + " " + path + ": " + OSReason(err), err: err}
}
