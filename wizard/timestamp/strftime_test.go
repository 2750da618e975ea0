package timestamp

import (
	"strings"
	"testing"
)

// TestStrftime checks the one translation of DataSync patterns for each
// reader: the same strftime where the readers agree, and a refusal naming
// the element where a reader would read it differently from the check.
func TestStrftime(t *testing.T) {
	type want struct {
		out     string // for every reader, unless refused
		refused string // part of the error, "" when accepted
	}
	tests := []struct {
		pattern   string
		transform want
		scripts   want // Python's and R's strptime
	}{
		{"M/d/yyyy", want{out: "%m/%d/%Y"}, want{out: "%m/%d/%Y"}},
		{"MM/dd/yyyy", want{out: "%m/%d/%Y"}, want{out: "%m/%d/%Y"}},
		{"yyyy-MM-dd", want{out: "%Y-%m-%d"}, want{out: "%Y-%m-%d"}},
		{"MM/dd/yyyy hh:mm a", want{out: "%m/%d/%Y %I:%M %p"}, want{out: "%m/%d/%Y %I:%M %p"}},
		{"MM/dd/yyyy hh:mm:ss a", want{out: "%m/%d/%Y %I:%M:%S %p"}, want{out: "%m/%d/%Y %I:%M:%S %p"}},
		{"yyyy-MM-dd HH:mm:ss", want{out: "%Y-%m-%d %H:%M:%S"}, want{out: "%Y-%m-%d %H:%M:%S"}},
		{"yyyy-MM-dd'T'HH:mm:ssZ", want{out: "%Y-%m-%dT%H:%M:%S%z"}, want{out: "%Y-%m-%dT%H:%M:%S%z"}},
		{"dd-MMM-yyyy", want{out: "%d-%b-%Y"}, want{out: "%d-%b-%Y"}},
		{"d 'of' MMM yyyy", want{out: "%d of %b %Y"}, want{out: "%d of %b %Y"}},
		{"dd.MM.yyyy 'at' HH'h'", want{out: "%d.%m.%Y at %Hh"}, want{out: "%d.%m.%Y at %Hh"}},
		{"M/d/yyyy '100%'", want{out: "%m/%d/%Y 100%%"}, want{out: "%m/%d/%Y 100%%"}},
		{"yyyy-MM-dd '100%' 'o''clock' ''", want{out: "%Y-%m-%d 100%% o'clock '"}, want{out: "%Y-%m-%d 100%% o'clock '"}},
		{ISO8601, want{out: ""}, want{out: ""}},
		{"iso8601", want{out: ""}, want{out: ""}},
		// The scripts read these; a transform would read them differently.
		{"M/d/yy", want{refused: "a two-digit year (yy)"}, want{out: "%m/%d/%y"}},
		{"d MMMM yyyy", want{refused: "a full month name (MMMM)"}, want{out: "%d %B %Y"}},
		{"EEE, dd MMM yyyy", want{refused: "a weekday (E)"}, want{out: "%a, %d %b %Y"}},
		{"EEEE M/d/yyyy", want{refused: "a weekday (E)"}, want{out: "%A %m/%d/%Y"}},
		{"yyyyMMdd", want{refused: "numbers written together without a separator"}, want{out: "%Y%m%d"}},
		// No reader reads these as the check does.
		{"yyyy-MM-dd HH:mm:ss.SSS", want{refused: "fractions of a second (S)"}, want{refused: "fractions of a second (S)"}},
		{"MM/dd/yyyy z", want{refused: "z (a zone name)"}, want{refused: "z (a zone name)"}},
		{"yyyy 'open", want{refused: "unclosed quote"}, want{refused: "unclosed quote"}},
	}
	check := func(t *testing.T, reader string, pattern string, got string, err error, w want) {
		t.Helper()
		if w.refused != "" {
			if err == nil || !strings.Contains(err.Error(), w.refused) {
				t.Errorf("%s: %q = %q, %v; want an error saying %q", reader, pattern, got, err, w.refused)
			}
			return
		}
		if err != nil || got != w.out {
			t.Errorf("%s: %q = %q, %v; want %q", reader, pattern, got, err, w.out)
		}
	}
	for _, tt := range tests {
		for _, r := range []Reader{PortalTransform, PythonStrptime, RStrptime} {
			w := tt.scripts
			if r == PortalTransform {
				w = tt.transform
			}
			got, err := Strftime(tt.pattern, r)
			check(t, r.String(), tt.pattern, got, err, w)
			if err != nil && strings.Contains(err.Error(), "cannot read") && !strings.Contains(err.Error(), r.String()) {
				t.Errorf("%s: the refusal %q does not name the reader", r, err)
			}
		}
	}
}

// TestHasZone checks which patterns let values carry an offset.
func TestHasZone(t *testing.T) {
	for pattern, want := range map[string]bool{ISO8601: true, "yyyy-MM-dd HH:mm Z": true, "M/d/yyyy": false, "M/d/yyyy h:mm a": false} {
		tf, err := parseFormat(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if tf.HasZone() != want {
			t.Errorf("%s: HasZone = %v", pattern, tf.HasZone())
		}
	}
}
