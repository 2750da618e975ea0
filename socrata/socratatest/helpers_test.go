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
	header http.Header
	body   []byte
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

func do(t *testing.T, s *Server, method, path string, c *who, ctype, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if c != nil {
		req.SetBasicAuth(c.name, c.secret)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
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
