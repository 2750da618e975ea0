package socratatest

// Faults by name, for `socrata-wizard portal --faults` and for tests that
// want the same faults a publisher rehearses.

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultList is a list of faults by name, each injected into a share of
// the requests it applies to, as [ParseFaults] reads it. Shares are drawn
// from a random source seeded by the list's seed, so the same requests,
// sent in the same order, meet the same faults on every run. Install one
// with [WithFaults] or [Portal.SetFault](list.Fault).
type FaultList struct {
	rules []faultRule
	seed  uint64

	mu  sync.Mutex
	rng *rand.Rand
}

type faultRule struct {
	kind  *faultKind
	args  []string // as given, for String
	share float64  // of the requests it applies to, in (0, 1]
	scope func(*http.Request) bool
	fault Fault
}

// faultKind is one name ParseFaults knows.
type faultKind struct {
	name, args, help string
	// scope is the requests the fault applies to; scoped kinds may be
	// narrowed to reads or writes by an argument.
	scope  func(*http.Request) bool
	scoped bool
	// build makes the fault from the arguments that are not a share or
	// a scope.
	build func(args []string) (Fault, error)
}

func isRead(r *http.Request) bool { return r.Method == http.MethodGet || r.Method == http.MethodHead }
func isWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}
func anyRequest(*http.Request) bool { return true }
func sodaWrite(r *http.Request) bool {
	return (r.Method == http.MethodPost || r.Method == http.MethodPut) && strings.HasPrefix(r.URL.Path, "/resource/")
}
func dsmApplyRequest(r *http.Request) bool {
	return r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, dsmPrefix+"/revision/") && strings.HasSuffix(r.URL.Path, "/apply")
}
func writeOrApply(r *http.Request) bool { return sodaWrite(r) || dsmApplyRequest(r) }

var faultKinds = []*faultKind{
	{"redirect-writes", "[=CODE]", "answer writes with a redirect (301, 302, 303, 307 or 308; default 301) to the same URL",
		isWrite, false, redirect(false)},
	{"redirect-writes-away", "[=CODE]", "the same, to the other loopback name of this portal (localhost or 127.0.0.1): another host",
		isWrite, false, redirect(true)},
	{"redirect-reads", "[=CODE]", "answer reads with a redirect (default 301) to the same URL", isRead, false, redirect(false)},
	{"redirect-reads-away", "[=CODE]", "the same, to the other loopback name of this portal", isRead, false, redirect(true)},
	{"slow", "[=DURATION]", "wait DURATION (default 30s) before handling the request: no headers until then",
		anyRequest, true, duration(func(f *Fault, d time.Duration) { f.Delay = d })},
	{"stall", "[=DURATION]", "handle the request, send half the answer, wait DURATION (default 30s), then the rest",
		anyRequest, true, duration(func(f *Fault, d time.Duration) { f.Stall = d })},
	{"truncate", "", "handle the request, send half the answer and close the connection",
		anyRequest, true, fixed(Fault{Truncate: true})},
	{"drop", "", "close the connection before reading the request: nothing is applied",
		anyRequest, true, fixed(DropConnection())},
	{"drop-after", "", "handle the request, changes and all, then close the connection without an answer",
		anyRequest, true, fixed(LoseReply())},
	{"throttle", "[=SECONDS]", "answer 429 Too Many Requests with Retry-After SECONDS (default 5)",
		anyRequest, true, retryAfter(RateLimited)},
	{"unavailable", "[=SECONDS]", "answer 503 Service Unavailable with Retry-After SECONDS (default 5)",
		anyRequest, true, retryAfter(func(s int) Fault {
			f := Unavailable()
			f.Header = http.Header{"Retry-After": {strconv.Itoa(s)}}
			return f
		})},
	{"gateway-timeout", "", "answer 504 with a proxy's HTML page", anyRequest, true, fixed(ProxyTimeout())},
	{"fail-after-apply", "", "apply a SODA upsert or replace, or a Data Management API apply, then answer 500",
		writeOrApply, false, fixed(Fault{Status: http.StatusInternalServerError, AfterHandling: true})},
	{"stream-unknown", "[=N]", "answer SODA writes (applied) as a per-row stream whose last N entries (default 1) have a typ no client knows",
		sodaWrite, false, count(1, false, func(f *Fault, n int) { f.UnknownTyp = n })},
	{"stream-missing", "[=N]", "answer SODA writes (applied) as a per-row stream without its last N entries (default 1)",
		sodaWrite, false, count(1, false, func(f *Fault, n int) { f.MissingEntries = n })},
	{"counts-off", "[=N]", "answer SODA writes and Data Management API applies with N more rows created than were (default 1; negative: fewer)",
		writeOrApply, false, count(1, true, func(f *Fault, n int) { f.CountsOff = n })},
	{"echo-credentials", "[=json|html|text][:STATUS]", "answer STATUS (default 500) with a body repeating the request's Authorization header, " +
		"the user and secret in it, and the app token", anyRequest, true, echo},
}

// FaultUsage lists the fault names [ParseFaults] knows, with their
// arguments, one a line, for a command's help.
var FaultUsage = faultUsage()

func faultUsage() string {
	var b strings.Builder
	line := func(head, help string) {
		b.WriteString("  " + head + "\n")
		text := "      "
		for _, w := range strings.Fields(help) {
			if len(text)+1+len(w) > 78 && strings.TrimSpace(text) != "" {
				b.WriteString(text + "\n")
				text = "      "
			}
			if strings.TrimSpace(text) != "" {
				text += " "
			}
			text += w
		}
		b.WriteString(text + "\n")
	}
	for _, k := range faultKinds {
		line(k.name+k.args, k.help)
	}
	line("seed=N", "seed of the random draws of shares (default 1), so that a run can be repeated")
	b.WriteString("Each fault also takes :P% for the share of its requests that it hits (default\n" +
		"100%), as in drop=5% or slow=30s:10%; those that may hit any request take\n" +
		":reads or :writes to narrow them, as in truncate:reads.\n")
	return b.String()
}

// ParseFaults reads a comma-separated list of faults by name, such as
// "redirect-writes,slow=30s,drop=5%,seed=7". Each item is a name from
// [FaultUsage], then optionally "=" (or ":") and arguments separated by
// ":": its
// own (a status, a duration, a count, a form), a share of requests such
// as "5%" (all when none is given), and for faults that may hit any
// request, "reads" or "writes" to narrow them. "seed=N" seeds the draws
// (1 when not given). When several faults hit one request, each adds
// what the earlier ones left unset: the first answer (status or
// redirect) wins, and a delay, a stall or a cut body add to it.
func ParseFaults(spec string) (*FaultList, error) {
	l := &FaultList{seed: 1}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		// The name ends at "=" or ":" (drop=5% and drop:5% are the same).
		name, rest, hasArgs := item, "", false
		if i := strings.IndexAny(item, "=:"); i >= 0 {
			name, rest, hasArgs = item[:i], item[i+1:], true
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "seed" {
			n, err := strconv.ParseUint(strings.TrimSpace(rest), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("fault list: seed=%s is not a whole number", rest)
			}
			l.seed = n
			continue
		}
		i := slices.IndexFunc(faultKinds, func(k *faultKind) bool { return k.name == name })
		if i < 0 {
			return nil, fmt.Errorf("fault list: no fault is called %q; the faults are %s", name, faultNames())
		}
		kind := faultKinds[i]
		rule := faultRule{kind: kind, share: 1, scope: kind.scope}
		var own []string
		if hasArgs {
			for _, a := range strings.Split(rest, ":") {
				a = strings.ToLower(strings.TrimSpace(a))
				rule.args = append(rule.args, a)
				switch {
				case strings.HasSuffix(a, "%"):
					p, err := strconv.ParseFloat(strings.TrimSuffix(a, "%"), 64)
					if err != nil || p <= 0 || p > 100 {
						return nil, fmt.Errorf("fault %s: %q is not a share of requests between 0%% and 100%%", name, a)
					}
					rule.share = p / 100
				case kind.scoped && (a == "reads" || a == "writes"):
					rule.scope = map[string]func(*http.Request) bool{"reads": isRead, "writes": isWrite}[a]
				default:
					own = append(own, a)
				}
			}
		}
		f, err := kind.build(own)
		if err != nil {
			return nil, fmt.Errorf("fault %s: %w", name, err)
		}
		rule.fault = f
		l.rules = append(l.rules, rule)
	}
	l.rng = rand.New(rand.NewPCG(l.seed, l.seed))
	return l, nil
}

func faultNames() string {
	names := make([]string, len(faultKinds))
	for i, k := range faultKinds {
		names[i] = k.name
	}
	return strings.Join(names, ", ")
}

// String is the list as ParseFaults reads it, seed included.
func (l *FaultList) String() string {
	var items []string
	for _, r := range l.rules {
		item := r.kind.name
		if len(r.args) > 0 {
			item += "=" + strings.Join(r.args, ":")
		}
		items = append(items, item)
	}
	return strings.Join(append(items, fmt.Sprintf("seed=%d", l.seed)), ",")
}

// Empty reports whether the list has no faults.
func (l *FaultList) Empty() bool { return len(l.rules) == 0 }

// Fault is the fault to inject into r, the zero Fault for none: the hook
// for [Portal.SetFault]. Every fault of the list that applies to r and
// whose share is drawn adds to it, in the list's order.
func (l *FaultList) Fault(r *http.Request) Fault {
	l.mu.Lock()
	defer l.mu.Unlock()
	var f Fault
	for _, rule := range l.rules {
		if !rule.scope(r) {
			continue
		}
		if rule.share < 1 && l.rng.Float64() >= rule.share {
			continue
		}
		f = f.merge(rule.fault)
	}
	return f
}

// merge adds to f what g has and f leaves unset.
func (f Fault) merge(g Fault) Fault {
	if !f.answers() && f.Redirect == 0 {
		switch {
		case g.answers():
			f.Status, f.Header, f.Body, f.Echo, f.AfterHandling = g.Status, g.Header, g.Body, g.Echo, g.AfterHandling
		case g.Redirect != 0:
			f.Redirect, f.RedirectAway, f.RedirectTo = g.Redirect, g.RedirectAway, g.RedirectTo
		}
	}
	if f.Drop == NoDrop {
		f.Drop = g.Drop
	}
	if f.Delay == 0 {
		f.Delay = g.Delay
	}
	if f.Stall == 0 {
		f.Stall = g.Stall
	}
	f.Truncate = f.Truncate || g.Truncate
	if f.UnknownTyp == 0 {
		f.UnknownTyp = g.UnknownTyp
	}
	if f.MissingEntries == 0 {
		f.MissingEntries = g.MissingEntries
	}
	if f.CountsOff == 0 {
		f.CountsOff = g.CountsOff
	}
	return f
}

// WithFaults injects the list's faults into every request, as
// [Portal.SetFault](list.Fault) does later.
func WithFaults(l *FaultList) Option {
	return func(p *Portal) {
		if l != nil && !l.Empty() {
			p.faultHook = l.Fault
		}
	}
}

func tooMany(args []string, most int) error {
	if len(args) > most {
		return fmt.Errorf("%q is not an argument it takes", args[most])
	}
	return nil
}

func fixed(f Fault) func([]string) (Fault, error) {
	return func(args []string) (Fault, error) { return f, tooMany(args, 0) }
}

func redirect(away bool) func([]string) (Fault, error) {
	return func(args []string) (Fault, error) {
		f := Fault{Redirect: http.StatusMovedPermanently, RedirectAway: away}
		if len(args) > 0 {
			code, err := strconv.Atoi(args[0])
			switch code {
			case 301, 302, 303, 307, 308:
			default:
				if err == nil {
					err = fmt.Errorf("%d is not a redirect status", code)
				}
				return f, fmt.Errorf("%q: the status must be 301, 302, 303, 307 or 308 (%v)", args[0], err)
			}
			f.Redirect = code
		}
		return f, tooMany(args, 1)
	}
}

func duration(set func(*Fault, time.Duration)) func([]string) (Fault, error) {
	return func(args []string) (Fault, error) {
		var f Fault
		d := 30 * time.Second
		if len(args) > 0 {
			var err error
			if d, err = time.ParseDuration(args[0]); err != nil || d <= 0 {
				return f, fmt.Errorf("%q is not a duration such as 30s, 2m or 500ms", args[0])
			}
		}
		set(&f, d)
		return f, tooMany(args, 1)
	}
}

func retryAfter(mk func(int) Fault) func([]string) (Fault, error) {
	return func(args []string) (Fault, error) {
		s := 5
		if len(args) > 0 {
			var err error
			if s, err = strconv.Atoi(args[0]); err != nil || s < 0 {
				return Fault{}, fmt.Errorf("%q is not a number of seconds for Retry-After", args[0])
			}
		}
		return mk(s), tooMany(args, 1)
	}
}

func count(def int, negative bool, set func(*Fault, int)) func([]string) (Fault, error) {
	return func(args []string) (Fault, error) {
		var f Fault
		n := def
		if len(args) > 0 {
			var err error
			if n, err = strconv.Atoi(args[0]); err != nil || n == 0 || n < 0 && !negative {
				return f, fmt.Errorf("%q is not a number of rows it can use", args[0])
			}
		}
		set(&f, n)
		return f, tooMany(args, 1)
	}
}

func echo(args []string) (Fault, error) {
	f := Fault{Echo: EchoJSON}
	for i, a := range args {
		switch a {
		case "json":
			f.Echo = EchoJSON
		case "html":
			f.Echo = EchoHTML
		case "text":
			f.Echo = EchoText
		default:
			code, err := strconv.Atoi(a)
			if err != nil || code < 400 || code > 599 || f.Status != 0 {
				return f, fmt.Errorf("%q is neither json, html or text nor an error status (400-599)", args[i])
			}
			f.Status = code
		}
	}
	if f.Status == 0 {
		f.Status = http.StatusInternalServerError
	}
	return f, nil
}
