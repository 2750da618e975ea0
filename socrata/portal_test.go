package socrata_test

// Integration tests: the client end to end against socratatest, the
// in-process portal that implements the wire format on its own.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
)

// startPortal serves a sample portal for one test.
func startPortal(t *testing.T, opts ...socratatest.Option) *socratatest.Server {
	t.Helper()
	srv := socratatest.NewServer(append([]socratatest.Option{socratatest.WithSamples()}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// demoKey is the demo publisher's API key as Credentials.
func demoKey(srv *socratatest.Server) socrata.Credentials {
	d := srv.Portal.Demo()
	return socrata.Credentials{Kind: socrata.APIKey, ID: d.KeyID, Secret: d.KeySecret}
}

// portalClient is a client for srv, in the loopback domain form the
// wizard uses, whose retries do not wait.
func portalClient(t *testing.T, srv *socratatest.Server, creds socrata.Credentials) (*socrata.Client, *sleeps) {
	t.Helper()
	s := &sleeps{}
	c, err := socrata.NewClient(srv.Host(), creds, srv.Client(), socrata.WithRetry(socrata.RetryPolicy{Sleep: s.sleep}), socrata.WithUserAgent("test"))
	if err != nil {
		t.Fatalf("NewClient(%q): %v", srv.Host(), err)
	}
	if !c.Domain().Loopback() || c.BaseURL() != srv.URL {
		t.Fatalf("client for %s has base URL %s", srv.URL, c.BaseURL())
	}
	return c, s
}

// eventually polls until done reports true, for work the portal does in
// the background. The deadline only stops a broken test from hanging.
func eventually(t *testing.T, what string, done func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := done()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPortalCurrentUser(t *testing.T) {
	srv := startPortal(t)
	demo := srv.Portal.Demo()
	viewer, _ := srv.Portal.User(socratatest.ViewerID)
	tests := []struct {
		name  string
		creds socrata.Credentials
		id    string
		role  string
		is    error
	}{
		{"api key", demoKey(srv), socratatest.DemoPublisherID, "publisher", nil},
		{"password", socrata.Credentials{Kind: socrata.Password, ID: demo.Username, Secret: demo.Password}, socratatest.DemoPublisherID, "publisher", nil},
		{"viewer", socrata.Credentials{Kind: socrata.APIKey, ID: viewer.KeyID, Secret: viewer.KeySecret}, socratatest.ViewerID, "viewer", nil},
		{"wrong secret", socrata.Credentials{Kind: socrata.APIKey, ID: demo.KeyID, Secret: randomHex(t, 12)}, "", "", socrata.ErrUnauthorized},
		{"anonymous", socrata.Credentials{}, "", "", socrata.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := portalClient(t, srv, tt.creds)
			u, err := c.CurrentUser(context.Background())
			if tt.is != nil {
				if !errors.Is(err, tt.is) {
					t.Fatalf("error = %v, want %v", err, tt.is)
				}
				noSecrets(t, err.Error(), tt.creds)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.ID != tt.id || u.RoleName != tt.role || u.DisplayName == "" {
				t.Errorf("user = %+v, want id %s role %s", u, tt.id, tt.role)
			}
		})
	}
}

func TestPortalCatalogPaging(t *testing.T) {
	srv := startPortal(t)
	c, _ := portalClient(t, srv, demoKey(srv))
	ctx := context.Background()

	// Every dataset the demo publisher owns, five at a time.
	var ids []socrata.DatasetID
	total := -1
	for offset := 0; total < 0 || offset < total; offset += 5 {
		page, err := c.Search(ctx, socrata.CatalogQuery{ForUser: socratatest.DemoPublisherID, Order: "name", Limit: 5, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		total = page.Total
		for _, e := range page.Results {
			if e.OwnerID != socratatest.DemoPublisherID || e.Type != "dataset" || e.Name == "" || e.UpdatedAt.IsZero() {
				t.Errorf("entry = %+v", e)
			}
			ids = append(ids, e.ID)
		}
		if len(page.Results) == 0 {
			break
		}
	}
	if len(ids) != total || total == 0 {
		t.Errorf("paged %d ids, total %d", len(ids), total)
	}
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(ids) {
		t.Errorf("pages overlap: %v", ids)
	}
	for _, want := range []socrata.DatasetID{socratatest.ParkVisitsID, socratatest.BridgeInspectionsID, socratatest.SaltDeliveriesID} {
		if !slices.Contains(ids, want) {
			t.Errorf("owned datasets lack %s", want)
		}
	}
	for _, not := range []socrata.DatasetID{socratatest.SharedDatasetID, socratatest.StoryID, socratatest.PrivateDatasetID} {
		if slices.Contains(ids, not) {
			t.Errorf("owned datasets include %s", not)
		}
	}

	shared, err := c.Search(ctx, socrata.CatalogQuery{SharedTo: socratatest.DemoPublisherID})
	if err != nil {
		t.Fatal(err)
	}
	if len(shared.Results) != 1 || shared.Results[0].ID != socratatest.SharedDatasetID {
		t.Errorf("shared to demo = %+v", shared.Results)
	}

	salt, err := c.Search(ctx, socrata.CatalogQuery{Query: "road salt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(salt.Results) == 0 || salt.Results[0].ID != socratatest.SaltDeliveriesID {
		t.Errorf("search for road salt = %+v", salt.Results)
	}
	e := salt.Results[0]
	if !slices.Contains(e.ColumnFieldNames, "tons") || len(e.ColumnNames) != len(e.ColumnFieldNames) || len(e.ColumnTypes) != len(e.ColumnFieldNames) {
		t.Errorf("columns = %v %v %v", e.ColumnFieldNames, e.ColumnNames, e.ColumnTypes)
	}
	stories, err := c.Search(ctx, socrata.CatalogQuery{Only: "story"})
	if err != nil {
		t.Fatal(err)
	}
	if len(stories.Results) != 1 || stories.Results[0].ID != socratatest.StoryID {
		t.Errorf("stories = %+v", stories.Results)
	}
}

func TestPortalCatalogWindow(t *testing.T) {
	srv := startPortal(t, socratatest.WithGeneratedDatasets(10050))
	c, _ := portalClient(t, srv, demoKey(srv))
	ctx := context.Background()
	first, err := c.Search(ctx, socrata.CatalogQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if first.Total <= socrata.CatalogWindow {
		t.Fatalf("total %d; the test needs more than %d", first.Total, socrata.CatalogWindow)
	}
	last, err := c.Search(ctx, socrata.CatalogQuery{Offset: socrata.CatalogWindow - 100, Limit: 100})
	if err != nil {
		t.Fatalf("the last page inside the window: %v", err)
	}
	if len(last.Results) != 100 {
		t.Errorf("last page has %d results, want 100", len(last.Results))
	}
	before := len(srv.Portal.Requests())
	_, err = c.Search(ctx, socrata.CatalogQuery{Offset: socrata.CatalogWindow - 50, Limit: 100})
	if !errors.Is(err, socrata.ErrCatalogWindow) {
		t.Fatalf("error = %v, want ErrCatalogWindow", err)
	}
	if after := len(srv.Portal.Requests()); after != before {
		t.Errorf("a page past the window was sent")
	}
}

func TestPortalDataset(t *testing.T) {
	srv := startPortal(t)
	viewer, _ := srv.Portal.User(socratatest.ViewerID)
	viewerCreds := socrata.Credentials{Kind: socrata.APIKey, ID: viewer.KeyID, Secret: viewer.KeySecret}
	tests := []struct {
		id       socrata.DatasetID
		creds    socrata.Credentials
		rowID    string
		columns  int
		canWrite bool
		tabular  bool
		synced   bool
		is       []error
	}{
		{id: socratatest.ParkVisitsID, creds: demoKey(srv), rowID: "record_id", columns: 7, canWrite: true, tabular: true},
		{id: socratatest.BridgeInspectionsID, creds: demoKey(srv), rowID: "inspection_id", columns: 8, canWrite: true, tabular: true},
		{id: socratatest.SaltDeliveriesID, creds: demoKey(srv), rowID: "", columns: 6, canWrite: true, tabular: true},
		{id: socratatest.SharedDatasetID, creds: demoKey(srv), rowID: "record_id", columns: 6, canWrite: true, tabular: true},
		{id: socratatest.SyncedCopyID, creds: demoKey(srv), rowID: "record_id", columns: 7, canWrite: true, tabular: true, synced: true},
		{id: socratatest.StoryID, creds: demoKey(srv), tabular: false, canWrite: true},
		{id: socratatest.ParkVisitsID, creds: viewerCreds, rowID: "record_id", columns: 7, canWrite: false, tabular: true},
		{id: socratatest.PrivateDatasetID, creds: demoKey(srv), is: []error{socrata.ErrForbidden, socrata.ErrNotFound}},
		{id: "zzzz-9999", creds: demoKey(srv), is: []error{socrata.ErrNotFound}},
	}
	for _, tt := range tests {
		t.Run(string(tt.id)+" as "+tt.creds.ID[:4], func(t *testing.T) {
			c, _ := portalClient(t, srv, tt.creds)
			d, err := c.Dataset(context.Background(), tt.id)
			if tt.is != nil {
				if err == nil || !slices.ContainsFunc(tt.is, func(e error) bool { return errors.Is(err, e) }) {
					t.Fatalf("error = %v, want one of %v", err, tt.is)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.ID != tt.id || d.Tabular() != tt.tabular || d.CanWrite() != tt.canWrite || d.NewBackend != tt.synced {
				t.Errorf("dataset %s: tabular %v canWrite %v newBackend %v (rights %v)", d.ID, d.Tabular(), d.CanWrite(), d.NewBackend, d.Rights)
			}
			if !tt.tabular {
				return
			}
			if d.RowIdentifier != tt.rowID || len(d.Columns) != tt.columns {
				t.Errorf("row identifier %q, %d columns; want %q, %d", d.RowIdentifier, len(d.Columns), tt.rowID, tt.columns)
			}
			for i, col := range d.Columns {
				if strings.HasPrefix(col.FieldName, ":") || (i > 0 && col.Position < d.Columns[i-1].Position) || col.Type == "" {
					t.Errorf("column %d = %+v", i, col)
				}
			}
			if d.Link != srv.URL+"/d/"+string(tt.id) || d.OwnerID == "" || d.RowsUpdatedAt.IsZero() {
				t.Errorf("link %q owner %q updated %v", d.Link, d.OwnerID, d.RowsUpdatedAt)
			}
		})
	}
	c, _ := portalClient(t, srv, demoKey(srv))
	park, err := c.Dataset(context.Background(), socratatest.ParkVisitsID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]socrata.DataType{"record_id": socrata.Text, "visitors": socrata.Number, "open": socrata.Checkbox, "report_date": socrata.FloatingTimestamp}
	for field, typ := range want {
		if col, ok := park.Column(field); !ok || col.Type != typ {
			t.Errorf("column %s = %+v, want type %s", field, col, typ)
		}
	}
}

func TestPortalRows(t *testing.T) {
	srv := startPortal(t)
	c, _ := portalClient(t, srv, demoKey(srv))
	ctx := context.Background()
	all, err := c.Rows(ctx, socratatest.ParkVisitsID, socrata.RowsQuery{Limit: 100, Order: "record_id"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 30 || all[0]["record_id"] != "P01-2024-01" || all[29]["record_id"] != "P05-2024-06" {
		t.Fatalf("%d rows, first %v", len(all), all[0])
	}
	var paged []socrata.Row
	for off := 0; off < 30; off += 7 {
		page, err := c.Rows(ctx, socratatest.ParkVisitsID, socrata.RowsQuery{Limit: 7, Offset: off, Order: "record_id"})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
	}
	if fmt.Sprint(paged) != fmt.Sprint(all) {
		t.Errorf("paging by 7 gave different rows than one page")
	}
}

func TestPortalUpsertShapes(t *testing.T) {
	body := `[{"record_id":"P01-2024-07","park_id":"P01","park_name":"x","month":"2024-07","visitors":"100","open":true,"report_date":"2024-08-05"},
	  {"record_id":"P01-2024-01","visitors":"1"},
	  {"record_id":"P02-2024-07","visitors":"lots"},
	  {"record_id":"P03-2024-01",":deleted":true}]`
	for _, shape := range []socratatest.WriteShape{socratatest.SnakeCaseShape, socratatest.CoreShape, socratatest.RowArrayShape} {
		t.Run(shape.String(), func(t *testing.T) {
			srv := startPortal(t, socratatest.WithWriteShape(shape))
			c, _ := portalClient(t, srv, demoKey(srv))
			res, err := c.Upsert(context.Background(), socratatest.ParkVisitsID, []byte(body), socrata.JSON)
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 1 || res.Updated != 1 || res.Deleted != 1 || res.Errors != 1 {
				t.Errorf("result = %+v, want 1 created, updated, deleted and rejected", res)
			}
			if shape != socratatest.CoreShape {
				if len(res.RowErrors) != 1 || res.RowErrors[0].Index != 2 || res.RowErrors[0].Message == "" {
					t.Errorf("row errors = %+v, want row 2", res.RowErrors)
				}
			}
			rows := srv.Portal.Rows(socratatest.ParkVisitsID)
			byID := map[string]map[string]string{}
			for _, r := range rows {
				byID[r["record_id"]] = r
			}
			if len(rows) != 30 || byID["P01-2024-07"] == nil || byID["P01-2024-01"]["visitors"] != "1" || byID["P03-2024-01"] != nil || byID["P02-2024-07"] != nil {
				t.Errorf("rows after the upsert: %d, new %v, updated %v", len(rows), byID["P01-2024-07"], byID["P01-2024-01"])
			}
		})
	}
}

func TestPortalUpsertCSVAppends(t *testing.T) {
	srv := startPortal(t)
	c, _ := portalClient(t, srv, demoKey(srv))
	csv := "delivery_date,garage,district,tons,vendor,emergency_order\n2024-03-01,Cromwell,1,22.5,Acme Salt,false\n2024-03-02,Cromwell,1,18,Acme Salt,true\n"
	for range 2 {
		res, err := c.Upsert(context.Background(), socratatest.SaltDeliveriesID, []byte(csv), socrata.CSV)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 2 || res.Errors != 0 {
			t.Errorf("result = %+v", res)
		}
	}
	if n := len(srv.Portal.Rows(socratatest.SaltDeliveriesID)); n != 24 {
		t.Errorf("%d rows, want 20 + 2 + 2 (no row identifier, so appended)", n)
	}
}

func TestPortalAppendLostReply(t *testing.T) {
	srv := startPortal(t)
	c, s := portalClient(t, srv, demoKey(srv))
	srv.Portal.FailNext(1, socratatest.Matching("POST", "/resource/"), socratatest.LoseReply())
	_, err := c.Append(context.Background(), socratatest.SaltDeliveriesID, []byte("garage,tons\nX,1\n"), socrata.CSV)
	if !errors.Is(err, socrata.ErrOutcomeUnknown) {
		t.Fatalf("error = %v, want ErrOutcomeUnknown", err)
	}
	if n := len(srv.Portal.Rows(socratatest.SaltDeliveriesID)); n != 21 || len(s.waits()) != 0 {
		t.Errorf("%d rows after %d retries; want 21 (appended once, not resent)", n, len(s.waits()))
	}
}

func TestPortalWriteRefusals(t *testing.T) {
	srv := startPortal(t)
	c, _ := portalClient(t, srv, demoKey(srv))
	ctx := context.Background()
	_, err := c.Upsert(ctx, socratatest.SyncedCopyID, []byte(`[{"record_id":"x"}]`), socrata.JSON)
	var ae *socrata.APIError
	if !errors.Is(err, socrata.ErrForbidden) || !errors.As(err, &ae) || !strings.Contains(ae.Message, "synced") {
		t.Errorf("upsert to a synced copy: %v", err)
	}
	_, err = c.Upsert(ctx, socratatest.ParkVisitsID, []byte(`[{"no_such_field":"x"}]`), socrata.JSON)
	if !errors.As(err, &ae) || ae.Status != 400 {
		t.Errorf("upsert with an unknown field: %v", err)
	}
	viewer, _ := srv.Portal.User(socratatest.ViewerID)
	cv, _ := portalClient(t, srv, socrata.Credentials{ID: viewer.KeyID, Secret: viewer.KeySecret})
	_, err = cv.Upsert(ctx, socratatest.ParkVisitsID, []byte(`[{"record_id":"x"}]`), socrata.JSON)
	if !errors.Is(err, socrata.ErrForbidden) && !errors.Is(err, socrata.ErrUnauthorized) {
		t.Errorf("a viewer's upsert: %v", err)
	}
}

func TestPortalReplace(t *testing.T) {
	csv := "record_id,park_id,park_name,month,visitors,open,report_date\n" +
		"P01-2024-01,P01,A,2024-01,10,true,2024-02-05\nP02-2024-01,P02,B,2024-01,20,false,2024-02-05\n"
	tests := []struct {
		name    string
		fault   *socratatest.Fault
		body    string
		rows    int // rows afterwards
		unknown bool
		status  int
	}{
		{name: "applied", body: csv, rows: 2},
		{name: "bad row changes nothing", body: csv + "P03-2024-01,P03,C,2024-01,many,true,2024-02-05\n", rows: 30, status: 400},
		{name: "reply lost after applying", fault: ptr(socratatest.LoseReply()), body: csv, rows: 2, unknown: true},
		{name: "gateway timeout page", fault: ptr(socratatest.ProxyTimeout()), body: csv, rows: 30, unknown: true, status: 504},
		{name: "rate limited", fault: ptr(socratatest.RateLimited(3)), body: csv, rows: 30, status: 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startPortal(t)
			c, s := portalClient(t, srv, demoKey(srv))
			if tt.fault != nil {
				srv.Portal.FailNext(1, socratatest.Matching("PUT", "/resource/"), *tt.fault)
			}
			pr, pw := io.Pipe()
			go func() {
				// Written in pieces through a pipe: the client streams it.
				for _, line := range strings.SplitAfter(tt.body, "\n") {
					io.WriteString(pw, line)
				}
				pw.Close()
			}()
			res, err := c.Replace(context.Background(), socratatest.ParkVisitsID, pr, socrata.CSV)
			if tt.status == 0 && !tt.unknown {
				if err != nil {
					t.Fatal(err)
				}
				if res.Created+res.Updated != 2 {
					t.Errorf("result = %+v", res)
				}
			} else if err == nil {
				t.Fatal("Replace succeeded")
			}
			if got := errors.Is(err, socrata.ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("ErrOutcomeUnknown = %v, want %v: %v", got, tt.unknown, err)
			}
			var ae *socrata.APIError
			if tt.status != 0 && (!errors.As(err, &ae) || ae.Status != tt.status) {
				t.Errorf("error %v, want status %d", err, tt.status)
			}
			if n := len(srv.Portal.Rows(socratatest.ParkVisitsID)); n != tt.rows {
				t.Errorf("%d rows afterwards, want %d", n, tt.rows)
			}
			puts := 0
			for _, r := range srv.Portal.Requests() {
				if r.Method == "PUT" {
					puts++
				}
			}
			if puts != 1 || len(s.waits()) != 0 {
				t.Errorf("%d PUTs and %d retries: a replace must be sent once", puts, len(s.waits()))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestPortalRetries(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		match   func(c *socrata.Client) error
		method  string
		prefix  string
		fault   socratatest.Fault
		times   int
		waits   int
		failed  bool
		checkFn func(t *testing.T, srv *socratatest.Server, err error)
	}{
		{
			name: "catalog rate limited", method: "GET", prefix: "/api/catalog/", fault: socratatest.RateLimited(2), times: 1, waits: 1,
			match: func(c *socrata.Client) error {
				_, err := c.Search(ctx, socrata.CatalogQuery{Query: "salt"})
				return err
			},
		},
		{
			name: "upsert unavailable twice", method: "POST", prefix: "/resource/", fault: socratatest.Unavailable(), times: 2, waits: 2,
			match: func(c *socrata.Client) error {
				_, err := c.Upsert(ctx, socratatest.ParkVisitsID, []byte(`[{"record_id":"P01-2024-01","visitors":"7"}]`), socrata.JSON)
				return err
			},
			checkFn: func(t *testing.T, srv *socratatest.Server, err error) {
				for _, r := range srv.Portal.Rows(socratatest.ParkVisitsID) {
					if r["record_id"] == "P01-2024-01" && r["visitors"] != "7" {
						t.Errorf("upsert not applied: %v", r)
					}
				}
			},
		},
		{
			name: "upsert reply lost, then resent", method: "POST", prefix: "/resource/", fault: socratatest.LoseReply(), times: 1, waits: 1,
			match: func(c *socrata.Client) error {
				_, err := c.Upsert(ctx, socratatest.SaltDeliveriesID, []byte("garage,tons\nX,1\n"), socrata.CSV)
				return err
			},
			checkFn: func(t *testing.T, srv *socratatest.Server, err error) {
				// The dataset has no row identifier, so the lost reply's
				// rows and the resent ones both landed: the reason
				// appends need a row identifier to be safe to retry.
				if n := len(srv.Portal.Rows(socratatest.SaltDeliveriesID)); n != 22 {
					t.Errorf("%d rows, want 22", n)
				}
			},
		},
		{
			name: "schema behind a timing-out proxy", method: "GET", prefix: "/api/views/", fault: socratatest.ProxyTimeout(), times: 10, waits: 4, failed: true,
			match: func(c *socrata.Client) error { _, err := c.Dataset(ctx, socratatest.ParkVisitsID); return err },
			checkFn: func(t *testing.T, srv *socratatest.Server, err error) {
				var ae *socrata.APIError
				if !errors.As(err, &ae) || ae.Status != 504 || !ae.HTML || !strings.Contains(err.Error(), "gave up after 5 attempts") {
					t.Errorf("error = %v", err)
				}
			},
		},
		{
			name: "connection dropped every time", method: "GET", prefix: "/api/users/", fault: socratatest.DropConnection(), times: 20, waits: 4, failed: true,
			match: func(c *socrata.Client) error { _, err := c.CurrentUser(ctx); return err },
			checkFn: func(t *testing.T, srv *socratatest.Server, err error) {
				var ue *url.Error
				if !errors.As(err, &ue) {
					t.Errorf("error = %v, want a network error", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startPortal(t)
			var events []socrata.RetryEvent
			var mu sync.Mutex
			s := &sleeps{}
			c, err := socrata.NewClient(srv.Host(), demoKey(srv), srv.Client(), socrata.WithRetry(socrata.RetryPolicy{Sleep: s.sleep}),
				socrata.WithOnRetry(func(e socrata.RetryEvent) { mu.Lock(); events = append(events, e); mu.Unlock() }))
			if err != nil {
				t.Fatal(err)
			}
			srv.Portal.FailNext(tt.times, socratatest.Matching(tt.method, tt.prefix), tt.fault)
			err = tt.match(c)
			if (err != nil) != tt.failed {
				t.Fatalf("error = %v, want failure %v", err, tt.failed)
			}
			if len(s.waits()) != tt.waits || len(events) != tt.waits {
				t.Errorf("%d waits, %d events; want %d", len(s.waits()), len(events), tt.waits)
			}
			if tt.fault.Status == 429 && (len(s.waits()) == 0 || s.waits()[0] != 2*time.Second) {
				t.Errorf("waits = %v, want Retry-After's 2s", s.waits())
			}
			if tt.checkFn != nil {
				tt.checkFn(t, srv, err)
			}
		})
	}
}

// uploadFile runs the DSMAPI upload steps up to a parsed source with a
// finished output schema, sending chunks in parallel as the plan allows.
func uploadFile(t *testing.T, c *socrata.Client, id socrata.DatasetID, action string, file []byte) (*socrata.Revision, *socrata.Source, *socrata.InputSchema, *socrata.OutputSchema) {
	t.Helper()
	ctx := context.Background()
	rev, src, lastSeq := startUpload(t, c, id, action, file)
	if _, err := c.CommitUpload(ctx, src, lastSeq, int64(len(file))); err != nil {
		t.Fatal(err)
	}
	eventually(t, "source parsed", func() (bool, error) {
		s, err := c.GetSource(ctx, src.ID)
		if err == nil && s.Failed() {
			return false, fmt.Errorf("source failed: %s", s.FailureMessage())
		}
		if err == nil {
			src = s
		}
		return err == nil && s.Parsed(), err
	})
	is, _ := src.LatestInputSchema()
	var os *socrata.OutputSchema
	eventually(t, "output schema done", func() (bool, error) {
		o, err := c.GetOutputSchema(ctx, src, is.ID, 0)
		os = o
		return err == nil && o.Done(), err
	})
	return rev, src, is, os
}

// applyAndWait applies a revision and polls it until its task set stops.
func applyAndWait(t *testing.T, c *socrata.Client, rev *socrata.Revision, outputSchemaID int) socrata.TaskSet {
	t.Helper()
	ctx := context.Background()
	ts, err := c.ApplyRevision(ctx, rev, outputSchemaID)
	if err != nil {
		t.Fatal(err)
	}
	latest := *ts
	eventually(t, "apply finished", func() (bool, error) {
		r, err := c.GetRevision(ctx, rev.Dataset, rev.Seq)
		if err != nil {
			return false, err
		}
		if l, ok := r.LatestTaskSet(); ok {
			latest = l
		}
		return latest.Done(), nil
	})
	return latest
}

func TestPortalDSMAPIUpdate(t *testing.T) {
	srv := startPortal(t, socratatest.WithChunkSize(64, 3))
	c, _ := portalClient(t, srv, demoKey(srv))
	file := []byte("record_id,park_id,park_name,month,visitors,open,report_date\n" +
		"P01-2024-07,P01,Elm Ridge,2024-07,16430,true,2024-08-05\n" +
		"P02-2024-07,P02,Quarry Brook,2024-07,9000,true,2024-08-05\n" +
		"P03-2024-07,P03,Lantern Point,2024-07,many,true,2024-08-05\n" +
		"P01-2024-01,P01,Elm Ridge,2024-01,1801,true,2024-02-05\n")
	rev, src, is, os := uploadFile(t, c, socratatest.ParkVisitsID, socrata.RevisionUpdate, file)
	if is.TotalRows != 4 || len(is.InputColumns) != 7 {
		t.Errorf("input schema = %+v", is)
	}
	if os.ErrorCount != 1 || len(os.OutputColumns) != 7 || len(os.FailedColumns()) != 0 {
		t.Fatalf("output schema: %d errors, %d columns", os.ErrorCount, len(os.OutputColumns))
	}
	rc, err := c.SchemaErrors(context.Background(), src, is.ID, os.ID)
	if err != nil {
		t.Fatal(err)
	}
	errRows, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Contains(errRows, []byte("P03-2024-07")) || bytes.Contains(errRows, []byte("P02-2024-07")) {
		t.Errorf("error rows = %q", errRows)
	}
	ts := applyAndWait(t, c, rev, os.ID)
	if !ts.Succeeded() {
		t.Fatalf("task set = %+v", ts)
	}
	if n := len(ts.Log); n == 0 || ts.Log[n-1].Details["created"] != float64(2) || ts.Log[n-1].Details["updated"] != float64(1) {
		t.Errorf("last log entry = %+v", ts.Log)
	}
	rows := srv.Portal.Rows(socratatest.ParkVisitsID)
	if len(rows) != 32 {
		t.Errorf("%d rows, want 30 + 2", len(rows))
	}
	r, err := c.GetRevision(context.Background(), rev.Dataset, rev.Seq)
	if err != nil || !r.Closed() {
		t.Errorf("revision after apply: %+v, %v", r, err)
	}
}

func TestPortalDSMAPIReplaceWithTransform(t *testing.T) {
	srv := startPortal(t, socratatest.WithChunkSize(48, 2))
	c, _ := portalClient(t, srv, demoKey(srv))
	ctx := context.Background()
	// Headers that are not the dataset's field names, so the columns have
	// to be mapped with a transform.
	file := []byte("day,shop,dist,amount,supplier,urgent\n" +
		"2024-04-01,Cromwell,1,12.5,Acme Salt,no\n2024-04-02,Enfield,2,30,Acme Salt,yes\n2024-04-03,Derby,4,7.25,Brine Co,no\n")
	rev, src, is, _ := uploadFile(t, c, socratatest.SaltDeliveriesID, socrata.RevisionReplace, file)
	cols := []socrata.OutputColumnSpec{
		{FieldName: "delivery_date", DisplayName: "Delivery Date", Position: 0, TransformExpr: "to_floating_timestamp(`day`)"},
		{FieldName: "garage", DisplayName: "Garage", Position: 1, TransformExpr: "`shop`"},
		{FieldName: "district", DisplayName: "District", Position: 2, TransformExpr: "to_number(`dist`)"},
		{FieldName: "tons", DisplayName: "Tons Delivered", Position: 3, TransformExpr: "to_number(`amount`)"},
		{FieldName: "vendor", DisplayName: "Vendor", Position: 4, TransformExpr: "`supplier`"},
		{FieldName: "emergency_order", DisplayName: "Emergency Order", Position: 5, TransformExpr: "to_boolean(`urgent`)"},
	}
	os, err := c.Transform(ctx, src, is.ID, cols)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "transformed schema done", func() (bool, error) {
		o, err := c.GetOutputSchema(ctx, src, is.ID, os.ID)
		if err == nil {
			os = o
		}
		return err == nil && o.Done(), err
	})
	if os.ErrorCount != 0 || len(os.OutputColumns) != 6 {
		t.Fatalf("output schema: %d errors, columns %+v", os.ErrorCount, os.OutputColumns)
	}
	// The transformed schema can be edited and sent back whole.
	if specs := os.Specs(); len(specs) != 6 || specs[3].TransformExpr != "to_number(`amount`)" {
		t.Errorf("specs = %+v", specs)
	}
	ts := applyAndWait(t, c, rev, os.ID)
	if !ts.Succeeded() {
		t.Fatalf("task set = %+v", ts)
	}
	rows := srv.Portal.Rows(socratatest.SaltDeliveriesID)
	if len(rows) != 3 || rows[1]["garage"] != "Enfield" || rows[1]["emergency_order"] != "true" || rows[2]["tons"] != "7.25" {
		t.Errorf("rows after the replace = %v", rows)
	}
}

func TestPortalDSMAPIDelete(t *testing.T) {
	srv := startPortal(t, socratatest.WithChunkSize(16, 4))
	c, _ := portalClient(t, srv, demoKey(srv))
	rev, _, _, os := uploadFile(t, c, socratatest.ParkVisitsID, socrata.RevisionDelete, []byte("record_id\nP01-2024-01\nP02-2024-02\n"))
	ts := applyAndWait(t, c, rev, os.ID)
	if !ts.Succeeded() {
		t.Fatalf("task set = %+v", ts)
	}
	if n := len(srv.Portal.Rows(socratatest.ParkVisitsID)); n != 28 {
		t.Errorf("%d rows, want 30 - 2", n)
	}
}

func TestPortalDSMAPIApplyFails(t *testing.T) {
	srv := startPortal(t, socratatest.WithChunkSize(32, 2))
	c, _ := portalClient(t, srv, demoKey(srv))
	file := []byte("record_id,visitors,flavour\nP01-2024-01,5,mint\nP02-2024-01,6,lime\n")
	rev, _, _, os := uploadFile(t, c, socratatest.ParkVisitsID, socrata.RevisionUpdate, file)
	// "flavour" is not a column of the dataset, so the apply fails and
	// changes nothing.
	ts := applyAndWait(t, c, rev, os.ID)
	if !ts.Failed() || ts.Succeeded() {
		t.Fatalf("task set = %+v, want a failure", ts)
	}
	if n := len(ts.Log); n == 0 || ts.Log[n-1].Details["message"] == nil {
		t.Errorf("the failure does not say why: %+v", ts.Log)
	}
	for _, r := range srv.Portal.Rows(socratatest.ParkVisitsID) {
		if r["record_id"] == "P01-2024-01" && r["visitors"] == "5" {
			t.Error("a failed apply changed the dataset")
		}
	}
}

func TestPortalDSMAPIDiscard(t *testing.T) {
	srv := startPortal(t, socratatest.WithChunkSize(16, 2))
	c, _ := portalClient(t, srv, demoKey(srv))
	ctx := context.Background()
	rev, _, _, _ := uploadFile(t, c, socratatest.ParkVisitsID, socrata.RevisionReplace, []byte("record_id,visitors\nP01-2024-01,5\nP02-2024-01,6\n"))
	// A cancelled upload discards with a fresh context.
	if err := c.DiscardRevision(context.WithoutCancel(ctx), rev.Dataset, rev.Seq); err != nil {
		t.Fatal(err)
	}
	r, err := c.GetRevision(ctx, rev.Dataset, rev.Seq)
	if err != nil || !r.Closed() {
		t.Errorf("revision after discard = %+v, %v", r, err)
	}
	if _, err := c.ApplyRevision(ctx, rev, 0); err == nil {
		t.Error("a discarded revision was applied")
	} else if errors.Is(err, socrata.ErrOutcomeUnknown) {
		t.Errorf("a refused apply is not an unknown outcome: %v", err)
	}
	if n := len(srv.Portal.Rows(socratatest.ParkVisitsID)); n != 30 {
		t.Errorf("%d rows, want the 30 untouched", n)
	}
}

func TestPortalDSMAPIChunkRetry(t *testing.T) {
	srv := startPortal(t, socratatest.WithChunkSize(16, 1))
	c, s := portalClient(t, srv, demoKey(srv))
	// The first two chunk posts meet a busy portal; resending the same
	// bytes at the same offset must put the file together intact.
	var mu sync.Mutex
	failed := 0
	srv.Portal.SetFault(func(r *http.Request) socratatest.Fault {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == "POST" && strings.Contains(r.URL.Path, "/chunk/") && !strings.HasSuffix(r.URL.Path, "/commit") && failed < 2 {
			failed++
			return socratatest.Unavailable()
		}
		return socratatest.Fault{}
	})
	rev, _, is, os := uploadFile(t, c, socratatest.ParkVisitsID, socrata.RevisionUpdate,
		[]byte("record_id,visitors\nP01-2024-01,5\nP02-2024-01,6\nP03-2024-01,7\n"))
	srv.Portal.SetFault(nil)
	if len(s.waits()) != 2 {
		t.Errorf("%d retries, want 2 (one per failed chunk post)", len(s.waits()))
	}
	if is.TotalRows != 3 || os.ErrorCount != 0 {
		t.Errorf("input rows %d, errors %d; want 3 and 0", is.TotalRows, os.ErrorCount)
	}
	if ts := applyAndWait(t, c, rev, os.ID); !ts.Succeeded() {
		t.Fatalf("task set = %+v", ts)
	}
	for _, r := range srv.Portal.Rows(socratatest.ParkVisitsID) {
		if r["record_id"] == "P03-2024-01" && r["visitors"] != "7" {
			t.Errorf("row after the apply = %v", r)
		}
	}
}
