package socratatest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestCurrentUser(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	sso := p.AddUser(UserSpec{DisplayName: "Single Sign-On User", Email: "sso@example.org", Role: "publisher", SSO: true})
	viewer := userKey(t, p, ViewerID)
	demo := p.Demo()

	tests := []struct {
		name      string
		who       *who
		header    string // a raw Authorization header, instead of who
		status    int
		wantID    string
		canCreate bool
	}{
		{"password", demoPassword(p), "", 200, DemoPublisherID, true},
		{"password with other-case email", &who{strings.ToUpper(demo.Username), demo.Password}, "", 200, DemoPublisherID, true},
		{"api key", demoKey(p), "", 200, DemoPublisherID, true},
		{"viewer", viewer, "", 200, ViewerID, false},
		{"sso user's key", &who{sso.KeyID, sso.KeySecret}, "", 200, sso.ID, true},
		{"wrong password", &who{demo.Username, demo.Password + "x"}, "", 401, "", false},
		{"key id with the password", &who{demo.KeyID, demo.Password}, "", 401, "", false},
		{"unknown user", &who{"nobody@example.org", "whatever-secret"}, "", 401, "", false},
		{"sso user has no password", &who{sso.Email, ""}, "", 401, "", false},
		{"oauth scheme", nil, "OAuth abc", 401, "", false},
		{"garbled basic", nil, "Basic !!!", 401, "", false},
		{"anonymous", nil, "", 401, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r reply
			if tt.header != "" {
				req, _ := http.NewRequest("GET", s.URL+"/api/users/current.json", nil)
				req.Header.Set("Authorization", tt.header)
				resp, err := s.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				r.status = resp.StatusCode
			} else {
				r = do(t, s, "GET", "/api/users/current.json", tt.who, "", "")
			}
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.header != "" {
				return
			}
			m := r.object(t)
			if tt.status != 200 {
				if m["error"] != true || m["message"] == "" || m["code"] == "" {
					t.Errorf("401 body is not Socrata-shaped: %s", r.body)
				}
				return
			}
			if m["id"] != tt.wantID {
				t.Errorf("id %v, want %s", m["id"], tt.wantID)
			}
			var u struct {
				Rights []string `json:"rights"`
				Email  string   `json:"email"`
			}
			r.json(t, &u)
			if got := slices.Contains(u.Rights, "create_datasets"); got != tt.canCreate {
				t.Errorf("create_datasets right %v, want %v (rights %v)", got, tt.canCreate, u.Rights)
			}
			if u.Email == "" {
				t.Error("the signed-in user's own email is missing")
			}
		})
	}
}

func TestSecretsAreGeneratedPerPortal(t *testing.T) {
	a, b := NewPortal(WithSamples()), NewPortal(WithSamples())
	defer a.Close()
	defer b.Close()
	da, db := a.Demo(), b.Demo()
	if da.Password == "" || da.KeySecret == "" || da.KeyID == "" {
		t.Fatalf("demo account is missing secrets: %+v", da)
	}
	if da.Password == db.Password || da.KeySecret == db.KeySecret || da.KeyID == db.KeyID {
		t.Error("two portals share demo secrets; they must be generated per portal")
	}
	if (NewPortal().Demo() != DemoAccount{}) {
		t.Error("a portal without samples has a demo account")
	}
	u := a.AddUser(UserSpec{Email: "x@example.org"})
	if u.ID == "" || u.Password == "" || u.KeyID == "" || u.KeySecret == "" || u.Role != "viewer" {
		t.Errorf("AddUser did not fill in the blanks: %+v", u)
	}
	given := a.AddUser(UserSpec{ID: "abcd-1234", Email: "y@example.org", Password: "chosen-by-test", KeyID: "kid", KeySecret: "ksecret"})
	if given.Password != "chosen-by-test" || given.KeyID != "kid" || given.KeySecret != "ksecret" {
		t.Errorf("AddUser replaced secrets the caller supplied: %+v", given)
	}
}

func TestBadCredentialsAreRefusedEverywhere(t *testing.T) {
	s := newServer(t, WithSamples())
	bad := &who{s.Portal.Demo().Username, "not-the-password"}
	for _, path := range []string{
		"/api/views/" + ParkVisitsID + ".json",
		"/resource/" + ParkVisitsID + ".json",
		"/api/catalog/v1?only=dataset",
	} {
		if r := get(t, s, path, bad); r.status != 401 {
			t.Errorf("GET %s with bad credentials: status %d, want 401", path, r.status)
		}
		if r := get(t, s, path, nil); r.status != 200 {
			t.Errorf("GET %s anonymously: status %d, want 200 (it is public)", path, r.status)
		}
	}
}
