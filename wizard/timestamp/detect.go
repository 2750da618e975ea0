package timestamp

import (
	"fmt"
	"strings"
)

// Guess is what Detect makes of a column's sample values.
type Guess struct {
	// Pattern is the best pattern in DataSync notation, or "" when no
	// pattern reads any sample.
	Pattern string `json:"pattern"`
	// Matched of Total non-empty samples read with Pattern.
	Matched int `json:"matched"`
	Total   int `json:"total"`
	// Unmatched is the first sample Pattern does not read.
	Unmatched string `json:"unmatched,omitempty"`
	// Alternatives are other patterns that read every sample but give
	// different dates, such as dd/MM/yyyy beside MM/dd/yyyy.
	Alternatives []string `json:"alternatives,omitempty"`
	// Note explains an ambiguity in a sentence, or is "".
	Note string `json:"note,omitempty"`
	// HasTime and HasZone describe the samples under Pattern.
	HasTime bool `json:"has_time"`
	HasZone bool `json:"has_zone"`
}

// timeCandidates are the patterns Detect tries, in order of
// preference: ISO first, then US month-first orders before day-first ones,
// zero-padded forms before unpadded ones.
var timeCandidates = buildTimeCandidates()

func buildTimeCandidates() []string {
	dates := []string{
		"yyyy-MM-dd", "yyyy/MM/dd",
		"MM/dd/yyyy", "M/d/yyyy", "MM/dd/yy", "M/d/yy",
		"MM-dd-yyyy", "M-d-yyyy",
		"dd/MM/yyyy", "d/M/yyyy", "dd/MM/yy", "d/M/yy",
		"dd-MM-yyyy", "dd.MM.yyyy", "d.M.yyyy",
		"dd-MMM-yyyy", "d-MMM-yyyy", "dd-MMM-yy", "d-MMM-yy",
		"MMM d, yyyy", "MMMM d, yyyy", "d MMM yyyy", "d MMMM yyyy",
		"yyyyMMdd",
	}
	times := []string{"", " HH:mm:ss", " HH:mm", " H:mm:ss", " H:mm", " hh:mm:ss a", " hh:mm a", " h:mm:ss a", " h:mm a", " HH:mm:ss.SSS", " HH:mm:ssZ", " HH:mm:ss Z"}
	out := []string{ISO8601}
	for _, d := range dates {
		for _, t := range times {
			if d == "yyyyMMdd" && t != "" {
				continue
			}
			out = append(out, d+t)
		}
	}
	return out
}

var compiledCandidates = func() []*Format {
	out := make([]*Format, len(timeCandidates))
	for i, p := range timeCandidates {
		tf, err := parseFormat(p)
		if err != nil {
			panic(err)
		}
		out[i] = tf
	}
	return out
}()

// Detect finds the pattern that reads a column's sample values.
// It prefers the first of its candidate patterns that reads them all,
// and reports other candidates that also read them all but give different
// dates, such as 01/02/2024 under dd/MM/yyyy.
func Detect(samples []string) Guess {
	var vals []string
	for _, s := range samples {
		if s = strings.TrimSpace(s); s != "" {
			vals = append(vals, s)
		}
	}
	g := Guess{Total: len(vals)}
	if len(vals) == 0 {
		return g
	}
	bestI, bestN := -1, 0
	for i, tf := range compiledCandidates {
		if n := readCount(tf, vals, true); n > bestN {
			bestI, bestN = i, n
			if n == len(vals) {
				break
			}
		}
	}
	if bestI < 0 {
		// Nothing reads strictly; try the lenient reading Joda would use.
		for i, tf := range compiledCandidates {
			if n := readCount(tf, vals, false); n > bestN {
				bestI, bestN = i, n
			}
		}
	}
	if bestI < 0 {
		g.Unmatched = vals[0]
		return g
	}
	best := compiledCandidates[bestI]
	g.Pattern, g.Matched = best.pattern, bestN
	parsed := make([]Civil, len(vals))
	for i, v := range vals {
		c, p := best.parse(v, false)
		parsed[i] = c
		if p != OK && g.Unmatched == "" {
			g.Unmatched = v
		}
		if p == OK {
			if c.Hour != 0 || c.Minute != 0 || c.Second != 0 || c.Nanosecond != 0 {
				g.HasTime = true
			}
			g.HasZone = g.HasZone || c.HasZone
		}
	}
	if bestN < len(vals) {
		return g
	}
	// Other patterns that read every sample but differently.
	var example string
	for i, tf := range compiledCandidates {
		if i == bestI {
			continue
		}
		differs := ""
		all := true
		for j, v := range vals {
			c, p := tf.parse(v, true)
			if p != OK {
				all = false
				break
			}
			if differs == "" && (c.Year != parsed[j].Year || c.Month != parsed[j].Month || c.Day != parsed[j].Day || c.Hour != parsed[j].Hour) {
				differs = v
			}
		}
		if all && differs != "" {
			g.Alternatives = append(g.Alternatives, tf.pattern)
			if example == "" {
				example = differs
			}
		}
	}
	if len(g.Alternatives) > 0 {
		g.Note = fmt.Sprintf("values such as %s fit both %s and %s; %s is assumed (US order, month first): choose %s if the file puts the day first",
			example, g.Pattern, g.Alternatives[0], g.Pattern, g.Alternatives[0])
	}
	return g
}

// readCount is how many of vals tf reads.
func readCount(tf *Format, vals []string, strict bool) int {
	n := 0
	for _, v := range vals {
		if _, p := tf.parse(v, strict); p == OK {
			n++
		}
	}
	return n
}

// LooksLike reports whether any candidate pattern reads s; it is
// for guessing a header row, not for validation.
func LooksLike(s string) bool {
	if len(s) < 6 || len(s) > 40 || !strings.ContainsAny(s, "0123456789") {
		return false
	}
	for _, tf := range compiledCandidates {
		if _, p := tf.parse(s, false); p == OK {
			return true
		}
	}
	return false
}

// Suggest names a pattern that reads v, preferring a pattern to
// ISO8601, since a column that already has a pattern gains a second one
// more plainly (and every export can mix patterns, which is not so for
// ISO8601). It is "" when no candidate reads v.
func Suggest(v string) string {
	for _, tf := range compiledCandidates {
		if !tf.iso {
			if _, p := tf.parse(v, true); p == OK {
				return tf.pattern
			}
		}
	}
	if _, p := isoFormat.parse(v, false); p == OK {
		return ISO8601
	}
	return ""
}
