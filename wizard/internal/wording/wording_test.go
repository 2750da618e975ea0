package wording

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

func TestNumbers(t *testing.T) {
	counts := map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 12345: "12,345", -1234567: "-1,234,567"}
	for n, want := range counts {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	sizes := map[int64]string{0: "0 bytes", 871: "871 bytes", 1536: "1.5 KB", 4 << 20: "4 MB", 15414067: "14.7 MB", 1 << 30: "1 GB"}
	for n, want := range sizes {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
	if Plural(1, "row", "rows") != "row" || Plural(int64(2), "row", "rows") != "rows" || Plural(0, "row", "rows") != "rows" {
		t.Error("Plural picks the wrong word")
	}
}

func TestSentences(t *testing.T) {
	sentences := map[string]string{
		"":                            "",
		"the portal said no":          "The portal said no.",
		"  refused: no  ":             "Refused: no.",
		"data.ct.gov answered oddly.": "data.ct.gov answered oddly.",
		"record_id is empty":          "record_id is empty.",
		"is this right?":              "Is this right?",
		"élan":                        "Élan.",
	}
	for in, want := range sentences {
		if got := Sentence(in); got != want {
			t.Errorf("Sentence(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Capital("lines 2–31"); got != "Lines 2–31" {
		t.Errorf("Capital = %q", got)
	}
	lists := map[string][]string{"": nil, "A": {"A"}, "A or B": {"A", "B"}, "A, B or C": {"A", "B", "C"}}
	for want, items := range lists {
		if got := OrList(items); got != want {
			t.Errorf("OrList(%q) = %q, want %q", items, got, want)
		}
	}
}

func TestFileErrors(t *testing.T) {
	_, missing := os.Open("/no/such/file.csv")
	denied := &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission}
	other := &fs.PathError{Op: "read", Path: "/x", Err: errors.New("input/output error")}
	for err, want := range map[error]string{missing: "there is no such file", denied: "permission denied", other: "input/output error"} {
		if got := OSReason(err); got != want {
			t.Errorf("OSReason(%v) = %q, want %q", err, got, want)
		}
	}
	err := FileFailed("cannot write the checkpoint", "/x/p.job.json.checkpoint", denied)
	if got := err.Error(); got != "cannot write the checkpoint /x/p.job.json.checkpoint: permission denied" {
		t.Errorf("FileFailed = %q", got)
	}
	if !errors.Is(err, fs.ErrPermission) {
		t.Error("FileFailed does not wrap the system's error")
	}
}
