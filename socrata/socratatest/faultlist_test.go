package socratatest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	tests := []struct {
		spec, want string // want: String(), or the start of the error
		ok         bool
	}{
		{"", "seed=1", true},
		{"redirect-writes", "redirect-writes,seed=1", true},
		{" Redirect-Writes=308 , slow=30s , drop=5% ", "redirect-writes=308,slow=30s,drop=5%,seed=1", true},
		{"drop:5%,seed=42", "drop=5%,seed=42", true},
		{"slow=2m:writes:12.5%", "slow=2m:writes:12.5%,seed=1", true},
		{"echo-credentials=html:403", "echo-credentials=html:403,seed=1", true},
		{"counts-off=-2,stream-missing=3,stream-unknown", "counts-off=-2,stream-missing=3,stream-unknown,seed=1", true},
		{"redirect-writes-away=307,throttle=9,unavailable,gateway-timeout,fail-after-apply,truncate,stall,drop-after,redirect-reads,redirect-reads-away",
			"redirect-writes-away=307,throttle=9,unavailable,gateway-timeout,fail-after-apply,truncate,stall,drop-after,redirect-reads,redirect-reads-away,seed=1", true},

		{"redirect", `fault list: no fault is called "redirect"`, false},
		{"redirect-writes=200", "fault redirect-writes: \"200\": the status must be", false},
		{"redirect-writes=reads", "fault redirect-writes: \"reads\": the status must be", false},
		{"slow=soon", `fault slow: "soon" is not a duration`, false},
		{"slow=-1s", `fault slow: "-1s" is not a duration`, false},
		{"drop=150%", `fault drop: "150%" is not a share`, false},
		{"drop=0%", `fault drop: "0%" is not a share`, false},
		{"drop=5", `fault drop: "5" is not an argument it takes`, false},
		{"stream-missing=-1", `fault stream-missing: "-1" is not a number of rows`, false},
		{"counts-off=0", `fault counts-off: "0" is not a number of rows`, false},
		{"echo-credentials=xml", `fault echo-credentials: "xml" is neither`, false},
		{"echo-credentials=200", `fault echo-credentials: "200" is neither`, false},
		{"throttle=soon", `fault throttle: "soon" is not a number of seconds`, false},
		{"seed=x", "fault list: seed=x is not a whole number", false},
		{"throttle=0", "throttle=0,seed=1", true},
		{"throttle=-1", `fault throttle: "-1" is not a number of seconds`, false},
		{"echo-credentials=599", "echo-credentials=599,seed=1", true},
		{"echo-credentials=600", `fault echo-credentials: "600" is neither`, false},
		{"slow=1s:2s", `fault slow: "2s" is not an argument it takes`, false},
	}
	for _, tt := range tests {
		l, err := ParseFaults(tt.spec)
		switch {
		case tt.ok && err != nil:
			t.Errorf("ParseFaults(%q): %v", tt.spec, err)
		case tt.ok && l.String() != tt.want:
			t.Errorf("ParseFaults(%q) = %s, want %s", tt.spec, l, tt.want)
		case !tt.ok && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
			t.Errorf("ParseFaults(%q): error %v, want %q...", tt.spec, err, tt.want)
		}
		if tt.ok {
			// What String writes, ParseFaults reads back the same.
			if again, err := ParseFaults(l.String()); err != nil || again.String() != l.String() {
				t.Errorf("%q read back as %v, %v", l.String(), again, err)
			}
		}
	}
}

func TestFaultListScopesAndShares(t *testing.T) {
	req := func(method, path string) *http.Request { return httptest.NewRequest(method, path, nil) }
	post, get := req("POST", "/resource/abcd-1234.json"), req("GET", "/resource/abcd-1234.json")
	apply, chunk := req("PUT", dsmPrefix+"/revision/abcd-1234/1/apply"), req("POST", dsmPrefix+"/source/7/chunk/0/0")
	for _, tt := range []struct {
		spec string
		r    *http.Request
		hit  bool
	}{
		{"redirect-writes", post, true},
		{"redirect-writes", get, false},
		{"redirect-reads", get, true},
		{"redirect-reads", chunk, false},
		{"truncate=reads", get, true},
		{"truncate=reads", post, false},
		{"slow=1s:writes", chunk, true},
		{"fail-after-apply", apply, true},
		{"fail-after-apply", chunk, false},
		{"counts-off", apply, true},
		{"stream-unknown", apply, false},
		{"stream-missing", post, true},
		{"echo-credentials", get, true},
	} {
		l, err := ParseFaults(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Fault(tt.r).active(); got != tt.hit {
			t.Errorf("%s on %s %s: hit %v, want %v", tt.spec, tt.r.Method, tt.r.URL.Path, got, tt.hit)
		}
	}

	// Shares are drawn from the seed: the same seed hits the same
	// requests, another seed others, and about the share asked for.
	draws := func(spec string) []bool {
		l, err := ParseFaults(spec)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]bool, 2000)
		for i := range out {
			out[i] = l.Fault(get).Drop == DropOnArrival
		}
		return out
	}
	a, b, c := draws("drop=10%,seed=7"), draws("drop=10%,seed=7"), draws("drop=10%,seed=8")
	hits, same, sameOther := 0, true, true
	for i := range a {
		if a[i] {
			hits++
		}
		same = same && a[i] == b[i]
		sameOther = sameOther && a[i] == c[i]
	}
	if !same || sameOther {
		t.Errorf("same seed repeats: %v; another seed repeats too: %v", same, sameOther)
	}
	if hits < 120 || hits > 280 {
		t.Errorf("drop=10%% hit %d of 2000 requests", hits)
	}

	// Several faults on one request add up; the first answer wins.
	l, _ := ParseFaults("slow=5ms,throttle=3,unavailable,truncate")
	f := l.Fault(get)
	if f.Delay != 5*time.Millisecond || f.Status != 429 || !f.Truncate || f.Header.Get("Retry-After") != "3" {
		t.Errorf("merged fault %+v", f)
	}
}

// TestFaultUsage keeps the list that `portal --help` prints complete and
// within 80 columns.
func TestFaultUsage(t *testing.T) {
	for _, k := range faultKinds {
		if !strings.Contains("\n"+FaultUsage, "\n  "+k.name+k.args+"\n") {
			t.Errorf("FaultUsage does not list %s", k.name)
		}
	}
	for _, line := range strings.Split(FaultUsage, "\n") {
		if len(line) > 80 {
			t.Errorf("line longer than 80 columns: %q", line)
		}
	}
}
