package socratatest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestFaults(t *testing.T) {
	upsert := `[{"record_id": "P01-2024-01", "visitors": "7777"}]`
	tests := []struct {
		name        string
		fault       Fault
		status      int    // 0: the client sees a broken connection
		contentType string // expected prefix
		bodyHas     string
		applied     bool // whether the upsert took effect
	}{
		{"rate limited", RateLimited(7), 429, "application/json", "too_many_requests", false},
		{"unavailable", Unavailable(), 503, "application/json", "temporarily unavailable", false},
		{"proxy timeout page", ProxyTimeout(), 504, "text/html", "504 Gateway Time-out", false},
		{"status with default body", Fault{Status: 500}, 500, "application/json", `"error":true`, false},
		{"dropped on arrival", DropConnection(), 0, "", "", false},
		{"reply lost after applying", LoseReply(), 0, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, WithSamples())
			p := s.Portal
			p.FailNext(1, Matching("POST", "/resource/"), tt.fault)
			if r := get(t, s, "/resource/"+ParkVisitsID+".json?$limit=1", nil); r.status != 200 {
				t.Fatalf("a GET was faulted: %d", r.status)
			}
			req, _ := http.NewRequest("POST", s.URL+"/resource/"+ParkVisitsID+".json", strings.NewReader(upsert))
			d := p.Demo()
			req.SetBasicAuth(d.KeyID, d.KeySecret)
			req.Header.Set("Content-Type", jsonType)
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := client.Do(req)
			if tt.status == 0 {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got a reply %d, want a broken connection", resp.StatusCode)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				body := readAll(t, resp)
				if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType) ||
					!strings.Contains(body, tt.bodyHas) {
					t.Errorf("reply %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
				}
				if tt.status == 429 && resp.Header.Get("Retry-After") != "7" {
					t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
				}
			}
			got := rowByKey(p.Rows(ParkVisitsID), "record_id", "P01-2024-01")["visitors"] == "7777"
			if got != tt.applied {
				t.Errorf("upsert applied = %v, want %v", got, tt.applied)
			}
			// The fault was used up: the same request now succeeds.
			if r := do(t, s, "POST", "/resource/"+ParkVisitsID+".json", demoKey(p), jsonType, upsert); r.status != 200 {
				t.Errorf("the request after the fault: %d", r.status)
			}
			log := p.Requests()
			faulted := 0
			for _, e := range log {
				if e.Fault {
					faulted++
					if e.Method != "POST" || e.Status != tt.status {
						t.Errorf("faulted entry %+v", e)
					}
				}
			}
			if faulted != 1 {
				t.Errorf("%d faulted requests logged, want 1", faulted)
			}
		})
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFaultHookAndCount(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	p.SetFault(func(r *http.Request) Fault {
		if r.URL.Query().Get("q") == "flaky" {
			return Unavailable()
		}
		return Fault{}
	})
	if _, r := catalog(t, s, "q=flaky", nil); r.status != 503 {
		t.Errorf("hooked request: %d", r.status)
	}
	if _, r := catalog(t, s, "q=salt", nil); r.status != 200 {
		t.Errorf("unhooked request: %d", r.status)
	}
	p.FailNext(3, nil, RateLimited(1))
	var statuses []int
	for i := 0; i < 4; i++ {
		_, r := catalog(t, s, "q=salt", nil)
		statuses = append(statuses, r.status)
	}
	if fmt.Sprint(statuses) != "[429 429 429 200]" {
		t.Errorf("FailNext(3) gave %v", statuses)
	}
	p.SetFault(nil)
	if _, r := catalog(t, s, "q=flaky", nil); r.status != 200 {
		t.Errorf("after removing the hook: %d", r.status)
	}
}

func TestRequestLog(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	p.ResetRequests()
	demo := p.Demo()
	body := "record_id,visitors\nP01-2024-01,5\n"
	do(t, s, "POST", "/resource/"+ParkVisitsID+".json?x=1", demoKey(p), "text/csv", body)
	get(t, s, "/api/users/current.json", &who{demo.Username, "wrong"})
	log := p.Requests()
	if len(log) != 2 {
		t.Fatalf("%d entries: %+v", len(log), log)
	}
	want := Request{Method: "POST", Host: s.Host(), Path: "/resource/" + ParkVisitsID + ".json", Query: "x=1", ContentType: "text/csv",
		Size: int64(len(body)), Status: 200, User: DemoPublisherID}
	if log[0] != want {
		t.Errorf("entry %+v, want %+v", log[0], want)
	}
	if log[1].Status != 401 || log[1].User != "" {
		t.Errorf("bad-credentials entry %+v", log[1])
	}
	for _, e := range log {
		if s := fmt.Sprintf("%+v", e); strings.Contains(s, demo.KeySecret) || strings.Contains(s, demo.Password) {
			t.Error("the request log holds a secret")
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newServer(t, WithSamples(), WithGeneratedDatasets(300))
	p := s.Portal
	demo := demoKey(p)
	const writers, perWriter = 8, 10
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for w := 0; w < writers; w++ {
		wg.Add(3)
		go func() { // upserts of new keys
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				body := fmt.Sprintf(`[{"record_id": "W%d-%d", "visitors": "%d"}]`, w, i, i)
				if r, err := send(s, "POST", "/resource/"+ParkVisitsID+".json", demo, jsonType, strings.NewReader(body)); r.status != 200 {
					errs <- fmt.Sprintf("upsert %d %v", r.status, err)
				}
			}
		}()
		go func() { // readers of rows, views and the catalog
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				for _, path := range []string{"/resource/" + ParkVisitsID + ".json", "/api/views/" + ParkVisitsID + ".json",
					"/api/catalog/v1?q=sample&limit=50&offset=" + fmt.Sprint(i*7)} {
					if r, err := send(s, "GET", path, demo, "", nil); r.status != 200 {
						errs <- fmt.Sprintf("GET %s %d %v", path, r.status, err)
					}
				}
			}
		}()
		go func() { // appends, and touches of generated datasets
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				if r, err := send(s, "POST", "/resource/"+SaltDeliveriesID+".json", demo, "text/csv", strings.NewReader("garage,tons\nX,1\n")); r.status != 200 {
					errs <- fmt.Sprintf("append %d %v", r.status, err)
				}
				_ = p.Rows(ParkVisitsID)
				_ = p.Requests()
			}
		}()
	}
	cr, _ := catalog(t, s, "only=dataset&limit=20", nil)
	for _, id := range cr.ids() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := send(s, "GET", "/resource/"+id+".json", nil, "", nil); r.status != 200 {
				errs <- fmt.Sprintf("GET generated %s: %d %v", id, r.status, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := len(p.Rows(ParkVisitsID)); n != 30+writers*perWriter {
		t.Errorf("%d park rows, want %d", n, 30+writers*perWriter)
	}
	if n := len(p.Rows(SaltDeliveriesID)); n != 20+writers*perWriter {
		t.Errorf("%d salt rows, want %d", n, 20+writers*perWriter)
	}
}
