package socrata_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
)

func TestCurrentUser(t *testing.T) {
	f := newFake(t, reply(200, jsonType, `{"id":"ab12-cd34","displayName":"Jane Analyst","screenName":"Jane Analyst",
	 "email":"jane.analyst@example.org","roleName":"publisher",
	 "rights":["create_datasets","edit_others_datasets","view_others_datasets","view_domain"],"flags":[],
	 "profileImageUrlLarge":"/x.png"}`))
	c, _ := newTestClient(t, f, newCreds(t))
	u, err := c.CurrentUser(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r := f.last(t); r.Method != "GET" || r.Path != "/api/users/current.json" {
		t.Errorf("request = %s %s", r.Method, r.Path)
	}
	want := &socrata.User{ID: "ab12-cd34", DisplayName: "Jane Analyst", ScreenName: "Jane Analyst",
		Email: "jane.analyst@example.org", RoleName: "publisher",
		Rights: []string{"create_datasets", "edit_others_datasets", "view_others_datasets", "view_domain"}, Flags: []string{}}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("user = %+v\nwant %+v", u, want)
	}
	if !u.HasRight("create_datasets") || u.HasRight("approve_nominations") {
		t.Error("HasRight is wrong")
	}
}

func TestCurrentUserFailures(t *testing.T) {
	tests := []struct {
		name, ct, body string
		status         int
		is             error
	}{
		{"wrong key", jsonType, `{"code":"invalid_credentials","error":true,"message":"Invalid username or password"}`, 401, socrata.ErrUnauthorized},
		{"needs login", jsonType, `{"code":"authentication_required","error":true,"message":"You must be logged in"}`, 403, socrata.ErrForbidden},
		{"no user id", jsonType, `{"displayName":"?"}`, 200, socrata.ErrNotSocrata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, reply(tt.status, tt.ct, tt.body))
			c, _ := newTestClient(t, f, newCreds(t))
			_, err := c.CurrentUser(context.Background())
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("error = %v, want %v", err, tt.is)
			}
		})
	}
}
