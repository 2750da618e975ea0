package upload

import (
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/wizard"
)

// TestFieldArena checks that rows come back as they went in, whether
// their fields lie end to end in one buffer (as the read-ahead hands
// them out), apart, or overlapping, with empty fields anywhere.
func TestFieldArena(t *testing.T) {
	buf := "R-1Public Health12.5true" + "R-2" + "xyz"
	tests := [][]string{
		{buf[0:3], buf[3:16], buf[16:20], buf[20:24]}, // end to end
		{buf[0:3], buf[3:3], buf[3:16], "", buf[16:24]},
		{"", "", buf[0:3]},
		{buf[24:27], buf[0:3]}, // out of order
		{buf[0:3], buf[1:4]},   // overlapping
		{buf[0:3], buf[4:6]},   // a gap
		{"a", "b", "c"},        // separate strings
		{},
		{"", ""},
		{strings.Repeat("long ", 100), buf[27:30]},
	}
	var a fieldArena
	for round := range 2 {
		a.reset()
		for i, row := range tests {
			if got := a.add(row); got != i {
				t.Fatalf("round %d: add returned %d, want %d", round, got, i)
			}
		}
		if len(a.rows) != len(tests) {
			t.Fatalf("len = %d, want %d", len(a.rows), len(tests))
		}
		for i, want := range tests {
			got := a.row(i)
			if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
				t.Errorf("row %d = %q, want %q", i, got, want)
			}
			for j := range want {
				if f := a.field(i, j); f != want[j] {
					t.Errorf("field(%d, %d) = %q, want %q", i, j, f, want[j])
				}
			}
			if f := a.field(i, len(want)); f != "" {
				t.Errorf("field(%d, %d) past the end = %q", i, len(want), f)
			}
		}
	}
}

// TestEncodeRows checks a row's JSON object and CSV line, with a point
// made from two columns, when every value converts, and when some do not
// under each bad-row policy: skipped rows name every failing column, sent
// ones carry the values as they are.
func TestEncodeRows(t *testing.T) {
	header := []string{"id", "fee", "lat", "lon"}
	job := &wizard.Job{
		Columns: []wizard.ColumnMap{{Source: "id", Field: "id", Type: "text"}, {Source: "fee", Field: "fee", Type: "number"}, {Source: "lat"}, {Source: "lon"}},
		Points:  []wizard.PointSource{{Field: "location", Latitude: "lat", Longitude: "lon"}},
	}
	plan, err := wizard.NewPlan(job, header)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		row      []string
		send     bool
		json     string
		csv      string
		rejected string // part of the reason, when the row is left out
	}{
		{"every value converts", []string{"A-1", "12.5", "41.76", "-72.68"}, false,
			`{"id":"A-1","fee":"12.5","location":{"type":"Point","coordinates":[-72.68,41.76]}}`, "A-1,12.5,POINT (-72.68 41.76)\n", ""},
		{"an empty point", []string{"A-2", "", "", ""}, false,
			`{"id":"A-2","fee":null,"location":null}`, "A-2,,\n", ""},
		{"bad fee and point, skipped", []string{"A-3", "ten", "north", "-72.68"}, false, "", "", "fee: "},
		{"bad fee and point, sent", []string{"A-3", "ten", " north ", "-72.68"}, true,
			`{"id":"A-3","fee":"ten","location":"north, -72.68"}`, "A-3,ten,\"north, -72.68\"\n", ""},
	}
	for _, tt := range tests {
		for _, csvBody := range []bool{false, true} {
			enc := newRowEncoder(plan, tt.send, false, -1)
			enc.csv = csvBody
			got, reason := enc.encode([]byte("x"), tt.row)
			want := tt.json
			if csvBody {
				want = tt.csv
			}
			switch {
			case tt.rejected != "":
				if string(got) != "x" || !strings.Contains(reason, tt.rejected) || !strings.Contains(reason, "lat + lon: ") {
					t.Errorf("%s (csv %v): wrote %q, reason %q; want nothing and a reason naming fee and lat + lon", tt.name, csvBody, got, reason)
				}
			case reason != "" || string(got) != "x"+want:
				t.Errorf("%s (csv %v): wrote %q, reason %q; want %q", tt.name, csvBody, got, reason, want)
			}
		}
	}
}
