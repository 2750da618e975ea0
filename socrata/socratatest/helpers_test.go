package socratatest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// who is a set of Basic credentials for a test request; nil is anonymous.
type who struct{ name, secret string }

func demoPassword(p *Portal) *who { d := p.Demo(); return &who{d.Username, d.Password} }
func demoKey(p *Portal) *who      { d := p.Demo(); return &who{d.KeyID, d.KeySecret} }

func userKey(t *testing.T, p *Portal, id string) *who {
	t.Helper()
	u, ok := p.User(id)
	if !ok {
		t.Fatalf("no user %s", id)
	}
	return &who{u.KeyID, u.KeySecret}
}

type reply struct {
	status int
	body   []byte
}

// snakeResult is a write's result in the default snake_case shape, its
// errors left undecoded.
type snakeResult struct {
	Created int   `json:"rows_created"`
	Updated int   `json:"rows_updated"`
	Deleted int   `json:"rows_deleted"`
	Errors  []any `json:"errors"`
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("reply %d is not JSON (%v): %s", r.status, err, r.body)
	}
}

func (r reply) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

func newServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// do makes a request with send, failing the test when there is no reply.
func do(t *testing.T, s *Server, method, path string, c *who, ctype, body string) reply {
	t.Helper()
	r, err := send(s, method, path, c, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// send makes a request with Basic credentials c (nil for none) and a
// Content-Type ctype ("" for none), and reads the whole reply. It never
// calls t.Fatal, so goroutines and benchmarks use it too.
func send(s *Server, method, path string, c *who, ctype string, body io.Reader) (reply, error) {
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		return reply{}, err
	}
	if c != nil {
		req.SetBasicAuth(c.name, c.secret)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, b}, err
}

func get(t *testing.T, s *Server, path string, c *who) reply {
	t.Helper()
	return do(t, s, http.MethodGet, path, c, "", "")
}

func rowByKey(rows []map[string]string, field, key string) map[string]string {
	for _, r := range rows {
		if r[field] == key {
			return r
		}
	}
	return nil
}
