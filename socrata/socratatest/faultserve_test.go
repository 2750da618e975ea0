package socratatest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Each named fault, served: what the client sees, and what was applied.

func faultyServer(t *testing.T, spec string, opts ...Option) *Server {
	t.Helper()
	l, err := ParseFaults(spec)
	if err != nil {
		t.Fatal(err)
	}
	return newServer(t, append([]Option{WithSamples(), WithFaults(l)}, opts...)...)
}

const oneUpsert = `[{"record_id": "P01-2024-01", "visitors": "7777"}]`

func upserted(p *Portal) bool {
	return rowByKey(p.Rows(ParkVisitsID), "record_id", "P01-2024-01")["visitors"] == "7777"
}

// freshClient has no idle connections to reuse, so that Go's transport
// does not quietly retry a dropped request, and follows redirects as Go
// does unless follow is false.
func freshClient(follow bool) *http.Client {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// call sends a request with the demo key and an app token.
func call(t *testing.T, c *http.Client, s *Server, method, path, body string) (*http.Response, string, error) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	d := s.Portal.Demo()
	req.SetBasicAuth(d.KeyID, d.KeySecret)
	req.Header.Set("X-App-Token", "app-token-for-tests")
	if body != "" {
		req.Header.Set("Content-Type", jsonType)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func TestRedirectFaults(t *testing.T) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		for _, away := range []bool{false, true} {
			name := "redirect-writes"
			if away {
				name += "-away"
			}
			t.Run(fmt.Sprintf("%s=%d", name, code), func(t *testing.T) {
				s := faultyServer(t, fmt.Sprintf("%s=%d", name, code))
				p := s.Portal
				host := s.Host()
				if away {
					host = otherLoopback(host)
				}
				path := "/resource/" + ParkVisitsID + ".json"
				resp, _, err := call(t, freshClient(false), s, "POST", path+"?a=1", oneUpsert)
				if err != nil {
					t.Fatal(err)
				}
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if resp.StatusCode != code || loc == nil || loc.Host != host || loc.Path != path || loc.RawQuery != "a=1&"+redirectedMark {
					t.Fatalf("answer %d, Location %q; want %d to %s%s", resp.StatusCode, resp.Header.Get("Location"), code, host, path)
				}
				if upserted(p) {
					t.Fatal("a redirected write was applied")
				}

				// Followed as Go's client does: 301, 302 and 303 as a GET,
				// 307 and 308 as the same POST; credentials stay on the
				// same host, the app token goes along everywhere.
				p.ResetRequests()
				resp, body, err := call(t, freshClient(true), s, "POST", path, oneUpsert)
				if err != nil {
					t.Fatal(err)
				}
				log := p.Requests()
				if len(log) != 2 || !log[0].Fault || log[1].Fault || log[1].Host != host || strings.Contains(log[1].Query, "redirected") {
					t.Fatalf("request log %+v", log)
				}
				second := log[1]
				switch {
				case code < 307:
					if second.Method != "GET" || resp.StatusCode != 200 || !strings.HasPrefix(body, "[{") || upserted(p) {
						t.Errorf("followed as %s: %d %.60s; applied %v", second.Method, resp.StatusCode, body, upserted(p))
					}
				case !away:
					if second.Method != "POST" || second.User != DemoPublisherID || resp.StatusCode != 200 || !upserted(p) {
						t.Errorf("followed on the same host: %+v, %d %s", second, resp.StatusCode, body)
					}
				default:
					if second.Method != "POST" || second.User != "" || !second.AppToken || resp.StatusCode != 403 || upserted(p) {
						t.Errorf("followed to another host: %+v, %d %s", second, resp.StatusCode, body)
					}
				}
			})
		}
	}

	t.Run("redirect-reads", func(t *testing.T) {
		s := faultyServer(t, "redirect-reads=302")
		resp, body, err := call(t, freshClient(true), s, "GET", "/resource/"+ParkVisitsID+".json?$limit=2", "")
		var rows []map[string]any
		if err != nil || resp.StatusCode != 200 || json.Unmarshal([]byte(body), &rows) != nil || len(rows) != 2 {
			t.Errorf("a followed read: %v %v %.80s", err, resp, body)
		}
		if resp, _, _ := call(t, freshClient(true), s, "POST", "/resource/"+ParkVisitsID+".json", oneUpsert); resp.StatusCode != 200 || !upserted(s.Portal) {
			t.Errorf("redirect-reads redirected a write: %v", resp)
		}
	})
}

func TestSlowFault(t *testing.T) {
	s := faultyServer(t, "slow=20s:reads,slow=30ms:writes")
	c := freshClient(true)
	c.Timeout = 300 * time.Millisecond
	if _, _, err := call(t, c, s, "GET", "/api/users/current.json", ""); err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Fatalf("a read 20 s slow, with a client waiting 300 ms: %v", err)
	}
	// The portal saw the client go and never handled the read.
	waitFor(t, "the slow read to be logged", func() bool {
		log := s.Portal.Requests()
		return len(log) == 1 && log[0].Fault && log[0].Status == 0
	})
	// A write 30 ms slow is answered, and applied, after the wait.
	if resp, body, err := call(t, freshClient(true), s, "POST", "/resource/"+ParkVisitsID+".json", oneUpsert); err != nil || resp.StatusCode != 200 || !upserted(s.Portal) {
		t.Errorf("a slow write: %v %v %s", err, resp, body)
	}
}

func TestStallAndTruncateFaults(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	path := "/resource/" + ParkVisitsID + ".json"
	_, full, err := call(t, freshClient(true), s, "GET", path, "")
	if err != nil || len(full) < 100 {
		t.Fatalf("the plain answer: %v %d bytes", err, len(full))
	}
	use := func(spec string) {
		l, err := ParseFaults(spec)
		if err != nil {
			t.Fatal(err)
		}
		p.SetFault(l.Fault)
	}

	use("stall=20s")
	c := freshClient(true)
	c.Timeout = 500 * time.Millisecond
	resp, part, err := call(t, c, s, "GET", path, "")
	if resp == nil || resp.StatusCode != 200 || err == nil || part != full[:len(full)/2] {
		t.Errorf("stalled answer: %v, %d of %d bytes, %v", resp, len(part), len(full), err)
	}
	use("stall=20ms")
	if _, got, err := call(t, freshClient(true), s, "GET", path, ""); err != nil || got != full {
		t.Errorf("a short stall: %v, %d of %d bytes", err, len(got), len(full))
	}

	use("truncate")
	resp, part, err = call(t, freshClient(true), s, "GET", path, "")
	if resp == nil || resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || part != full[:len(full)/2] {
		t.Errorf("truncated answer: %v, %d of %d bytes, %v", resp, len(part), len(full), err)
	}
	resp, _, err = call(t, freshClient(true), s, "POST", path, oneUpsert)
	if err == nil || !upserted(p) {
		t.Errorf("a truncated write: %v %v; applied %v", resp, err, upserted(p))
	}
}

func TestDropAndStatusFaults(t *testing.T) {
	for _, tt := range []struct {
		spec        string
		status      int // 0: a broken connection
		contentType string
		retryAfter  string
		applied     bool
	}{
		{"drop", 0, "", "", false},
		{"drop-after", 0, "", "", true},
		{"throttle=7", 429, "application/json", "7", false},
		{"throttle", 429, "application/json", "5", false},
		{"unavailable", 503, "application/json", "5", false},
		{"unavailable=3", 503, "application/json", "3", false},
		{"gateway-timeout", 504, "text/html", "", false},
		{"fail-after-apply", 500, "application/json", "", true},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			s := faultyServer(t, tt.spec)
			resp, body, err := call(t, freshClient(true), s, "POST", "/resource/"+ParkVisitsID+".json", oneUpsert)
			switch {
			case tt.status == 0 && err == nil:
				t.Errorf("an answer %d, want a broken connection", resp.StatusCode)
			case tt.status != 0 && (err != nil || resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) ||
				resp.Header.Get("Retry-After") != tt.retryAfter):
				t.Errorf("answer %v %v %s", resp, err, body)
			}
			if upserted(s.Portal) != tt.applied {
				t.Errorf("applied %v, want %v", upserted(s.Portal), tt.applied)
			}
		})
	}

	t.Run("fail-after-apply on a replace", func(t *testing.T) {
		s := faultyServer(t, "fail-after-apply")
		resp, _, err := call(t, freshClient(true), s, "PUT", "/resource/"+ParkVisitsID+".json", oneUpsert)
		if err != nil || resp.StatusCode != 500 || len(s.Portal.Rows(ParkVisitsID)) != 1 {
			t.Errorf("replace: %v %v, %d rows after", resp, err, len(s.Portal.Rows(ParkVisitsID)))
		}
	})

	t.Run("fail-after-apply on a DSMAPI apply", func(t *testing.T) {
		s := faultyServer(t, "fail-after-apply")
		c := dsmClient{t, s, demoKey(s.Portal)}
		f := sampleFile(t, "park_visits_2024_07.csv")
		u := c.upload(ParkVisitsID, "update", f.Name, f.Content, true)
		mapped := c.transform(u, parkMapping(""))
		if r := c.call("PUT", link(u.revLinks, "apply"), map[string]any{"output_schema_id": num(mapped["id"])}); r.status != 500 {
			t.Fatalf("apply: %d %s", r.status, r.body)
		}
		waitFor(t, "the apply that was answered 500", func() bool {
			rev, _ := c.wrapped(c.call("GET", link(u.revLinks, "show"), nil), 200)
			return rev["closed_at"] != nil
		})
		if rowByKey(s.Portal.Rows(ParkVisitsID), "record_id", "P01-2024-07") == nil {
			t.Error("the apply answered 500 did not apply")
		}
	})
}

func TestAnswerFaults(t *testing.T) {
	three := `[{"record_id": "P01-2024-01", "visitors": "1"}, {"record_id": "NEW-1", "park_id": "P01", "visitors": "2"}, {"record_id": "NEW-2", "park_id": "P01", "visitors": "3"}]`
	for _, tt := range []struct {
		spec  string
		shape WriteShape
		check func(t *testing.T, body string)
	}{
		{"stream-unknown=2", CoreShape, func(t *testing.T, body string) {
			var entries []streamEntry
			json.Unmarshal([]byte(body), &entries)
			if len(entries) != 3 || entries[0].Typ != "update" || entries[1].Typ != unknownTyp || entries[2].Typ != unknownTyp {
				t.Errorf("entries %s", body)
			}
		}},
		{"stream-missing", SnakeCaseShape, func(t *testing.T, body string) {
			var entries []streamEntry
			json.Unmarshal([]byte(body), &entries)
			if len(entries) != 2 || entries[0].Typ != "update" || entries[1].Typ != "insert" {
				t.Errorf("entries %s", body)
			}
		}},
		{"counts-off=2", RowArrayShape, func(t *testing.T, body string) {
			var res snakeResult
			json.Unmarshal([]byte(body), &res)
			if res.Created != 4 || res.Updated != 1 {
				t.Errorf("counts %s, want 4 created (2 more than were) and 1 updated", body)
			}
		}},
		{"counts-off=-3", CoreShape, func(t *testing.T, body string) {
			var res map[string]int
			json.Unmarshal([]byte(body), &res)
			if res["Rows Created"] != 0 || res["Rows Updated"] != 0 || res["Errors"] != 0 {
				t.Errorf("counts %s, want none for 3 rows", body)
			}
		}},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			s := faultyServer(t, tt.spec, WithWriteShape(tt.shape))
			resp, body, err := call(t, freshClient(true), s, "POST", "/resource/"+ParkVisitsID+".json", three)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%v %v", resp, err)
			}
			tt.check(t, body)
			if rows := s.Portal.Rows(ParkVisitsID); len(rows) != 32 {
				t.Errorf("%d rows: the write was not applied as sent", len(rows))
			}
		})
	}

	t.Run("counts-off on a DSMAPI apply", func(t *testing.T) {
		s := faultyServer(t, "counts-off=3")
		c := dsmClient{t, s, demoKey(s.Portal)}
		f := sampleFile(t, "park_visits_2024_07.csv")
		u := c.upload(ParkVisitsID, "update", f.Name, f.Content, false)
		task := c.apply(u, num(c.transform(u, parkMapping(""))["id"]))
		if d := lastDetails(task); num(d["created"]) != 5+3 || num(d["updated"]) != 1 {
			t.Errorf("apply details %v, want 8 created (3 more than the 5 that were)", d)
		}
	})
}

func TestEchoCredentialsFault(t *testing.T) {
	const user, secret, token = "key-id-1", `s3"cr\et<&>'x`, "app-token-1"
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+secret))
	for _, tt := range []struct {
		spec, contentType string
		status            int
		has               []string
	}{
		{"echo-credentials", "application/json", 500, nil},
		{"echo-credentials=html", "text/html", 500, []string{auth, html.EscapeString(secret), token, html.EscapeString(url.QueryEscape(secret))}},
		{"echo-credentials=text:403", "text/plain", 403, []string{auth, secret, token, url.QueryEscape(secret)}},
		{"echo-credentials=text", "text/plain", 500, []string{"X-App-Token: " + token}},
	} {
		t.Run(tt.spec, func(t *testing.T) {
			s := faultyServer(t, tt.spec)
			req, _ := http.NewRequest("GET", s.URL+"/api/users/current.json", nil)
			req.Header.Set("Authorization", auth)
			if tt.spec == "echo-credentials=text" {
				req.URL.RawQuery = "$$app_token=" + token // the token may come in the query
			} else {
				req.Header.Set("X-App-Token", token)
			}
			resp, err := freshClient(true).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) {
				t.Errorf("answer %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			for _, h := range tt.has {
				if !strings.Contains(body, h) {
					t.Errorf("the body does not echo %q:\n%s", h, body)
				}
			}
			if tt.contentType == "application/json" {
				var e struct {
					Code    string `json:"code"`
					Message string `json:"message"`
					Data    struct {
						Headers map[string]string `json:"headers"`
						Form    string            `json:"form"`
					} `json:"data"`
				}
				if err := json.Unmarshal([]byte(body), &e); err != nil || !strings.Contains(e.Message, secret) || e.Data.Headers["Authorization"] != auth ||
					e.Data.Headers["X-App-Token"] != token || !strings.Contains(e.Data.Form, url.QueryEscape(secret)) || strings.Contains(body, secret) {
					t.Errorf("JSON echo (the secret JSON-escaped in it): %v\n%s", err, body)
				}
			}
			if log := fmt.Sprintf("%+v", s.Portal.Requests()); strings.Contains(log, secret) || strings.Contains(log, token) {
				t.Error("the request log holds a credential")
			}
		})
	}
}

// TestBodyFaultLongAnswer: an answer longer than what is held back is
// stalled or cut where the hold fills up, keeps its status, and streams
// in order after a stall.
func TestBodyFaultLongAnswer(t *testing.T) {
	chunk := strings.Repeat("0123456789abcdef", 4096) // 64 KiB
	const chunks = 40                                 // 2.5 MiB, past holdLimit
	want := strings.Repeat(chunk, chunks)
	for _, tt := range []struct {
		name   string
		fault  Fault
		cancel bool
		status int // 0: the handler never calls WriteHeader
	}{
		{"stall", Fault{Stall: time.Millisecond}, false, 0},
		{"stall of a 404", Fault{Stall: time.Millisecond}, false, 404},
		{"truncate", Fault{Truncate: true}, false, 0},
		{"stall, client gone", Fault{Stall: time.Hour}, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/resource/x.json", nil)
			ctx, cancel := context.WithCancel(req.Context())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			bf := newBodyFault(rec, req.WithContext(ctx), tt.fault)
			if tt.status != 0 {
				bf.WriteHeader(tt.status)
			}
			for i := 0; i < chunks; i++ {
				bf.Write([]byte(chunk))
			}
			bf.release()
			wantStatus := max(tt.status, 200)
			got := rec.Body.String()
			half := (holdLimit + len(chunk)) / 2 // the hold overflows with its 17th chunk
			switch {
			case rec.Code != wantStatus:
				t.Errorf("status %d, want %d", rec.Code, wantStatus)
			case tt.fault.Truncate || tt.cancel:
				if !bf.cut || got != want[:half] {
					t.Errorf("cut %v after %d bytes, want %d", bf.cut, len(got), half)
				}
			case bf.cut || got != want:
				t.Errorf("cut %v, %d of %d bytes, in order: %v", bf.cut, len(got), len(want), strings.HasPrefix(want, got))
			}
		})
	}
}

func TestAlterStream(t *testing.T) {
	entries := func() []streamEntry {
		return []streamEntry{{Typ: "insert"}, {Typ: "update"}, {Typ: "error", Err: "bad"}}
	}
	for _, tt := range []struct {
		f    Fault
		want string
	}{
		{Fault{}, "insert update error"},
		{Fault{UnknownTyp: 1}, "insert update " + unknownTyp},
		{Fault{UnknownTyp: 5}, strings.Repeat(unknownTyp+" ", 3)},
		{Fault{MissingEntries: 2}, "insert"},
		{Fault{MissingEntries: 1, UnknownTyp: 1}, "insert " + unknownTyp},
		{Fault{MissingEntries: 4}, ""},
	} {
		var typs []string
		for _, e := range tt.f.alterStream(entries()) {
			typs = append(typs, e.Typ)
			if e.Typ == unknownTyp && e.Err != "" {
				t.Errorf("%+v: an entry of unknown typ keeps err %q", tt.f, e.Err)
			}
		}
		if got := strings.Join(typs, " "); got != strings.TrimSpace(tt.want) {
			t.Errorf("%+v: %q, want %q", tt.f, got, tt.want)
		}
	}
}
