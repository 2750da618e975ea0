package socratatest

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
)

type catalogReply struct {
	ResultSetSize int `json:"resultSetSize"`
	Results       []struct {
		Resource struct {
			ID               string   `json:"id"`
			Name             string   `json:"name"`
			Type             string   `json:"type"`
			UpdatedAt        string   `json:"updatedAt"`
			CreatedAt        string   `json:"createdAt"`
			ColumnsFieldName []string `json:"columns_field_name"`
			ColumnsName      []string `json:"columns_name"`
			ColumnsDatatype  []string `json:"columns_datatype"`
			ColumnsDesc      []string `json:"columns_description"`
		} `json:"resource"`
		Classification struct {
			DomainCategory string `json:"domain_category"`
		} `json:"classification"`
		Metadata struct {
			Domain string `json:"domain"`
		} `json:"metadata"`
		Permalink string `json:"permalink"`
		Link      string `json:"link"`
		Owner     struct {
			ID          string `json:"id"`
			DisplayName string `json:"display_name"`
		} `json:"owner"`
	} `json:"results"`
}

func (c catalogReply) ids() []string {
	var ids []string
	for _, r := range c.Results {
		ids = append(ids, r.Resource.ID)
	}
	return ids
}

func catalog(t *testing.T, s *Server, query string, c *who) (catalogReply, reply) {
	t.Helper()
	r := get(t, s, "/api/catalog/v1?"+query, c)
	var cr catalogReply
	if r.status == 200 {
		r.json(t, &cr)
	}
	return cr, r
}

func TestCatalogFilters(t *testing.T) {
	s := newServer(t, WithSamples())
	p := s.Portal
	demo, other, viewer := demoKey(p), userKey(t, p, OtherPublisherID), userKey(t, p, ViewerID)
	const all = 8 + sampleGeneratedCount

	tests := []struct {
		name    string
		query   string
		who     *who
		total   int      // -1: don't check
		want    []string // ids that must be present
		notWant []string // ids that must be absent
	}{
		{"anonymous sees public assets", "", nil, all - 1, []string{ParkVisitsID, StoryID}, []string{PrivateDatasetID}},
		{"private asset hidden from the demo user", "", demo, all - 1, nil, []string{PrivateDatasetID}},
		{"owner sees their private asset", "", other, all, []string{PrivateDatasetID}, nil},
		{"viewer sees only public", "", viewer, all - 1, nil, []string{PrivateDatasetID}},
		{"only datasets", "only=dataset", nil, all - 3, []string{ParkVisitsID, SyncedCopyID}, []string{StoryID, MapID}},
		{"only plural", "only=datasets", nil, all - 3, nil, []string{StoryID}},
		{"only stories", "only=story", nil, 1, []string{StoryID}, nil},
		{"only maps", "only=maps", nil, 1, []string{MapID}, nil},
		{"two types", "only=story,map", nil, 2, []string{StoryID, MapID}, nil},
		{"for_user demo", "for_user=" + DemoPublisherID + "&only=dataset", demo, 4 + sampleGeneratedCount/2,
			[]string{ParkVisitsID, BridgeInspectionsID, SaltDeliveriesID, SyncedCopyID}, []string{SharedDatasetID}},
		{"shared_to excludes own", "shared_to=" + DemoPublisherID, demo, 1, []string{SharedDatasetID}, []string{ParkVisitsID}},
		{"for_user other as other includes private", "for_user=" + OtherPublisherID, other, 2 + sampleGeneratedCount/2, []string{PrivateDatasetID}, nil},
		{"for_user other as demo hides private", "for_user=" + OtherPublisherID, demo, 1 + sampleGeneratedCount/2, nil, []string{PrivateDatasetID}},
		{"ids", "ids=" + ParkVisitsID + "," + SaltDeliveriesID, nil, 2, []string{ParkVisitsID, SaltDeliveriesID}, nil},
		{"ids repeated", "ids=" + ParkVisitsID + "&ids=" + SaltDeliveriesID, nil, 2, nil, nil},
		{"q over names", "q=salt", nil, 1, []string{SaltDeliveriesID}, nil},
		{"q is case-insensitive", "q=SALT", nil, 1, []string{SaltDeliveriesID}, nil},
		{"q over column display names", "q=" + url.QueryEscape("visitor count"), nil, 2, []string{ParkVisitsID, SyncedCopyID}, nil},
		{"q over field names", "q=condition_rating", nil, 1, []string{BridgeInspectionsID}, nil},
		{"q over descriptions", "q=maintenance+garages", nil, 1, []string{SaltDeliveriesID}, nil},
		{"q needs every word", "q=salt+bridge", nil, 0, nil, nil},
		{"categories", "categories=recreation&only=dataset", nil, -1, []string{ParkVisitsID}, []string{BridgeInspectionsID}},
		{"tags", "tags=bridges", nil, 1, []string{BridgeInspectionsID}, nil},
		{"names", "names=" + url.QueryEscape("sample road salt deliveries"), nil, 1, []string{SaltDeliveriesID}, nil},
		{"column_names", "column_names=inspected_at", nil, 1, []string{BridgeInspectionsID}, nil},
		{"our domain", "domains=data.ct.gov&search_context=data.ct.gov", nil, all - 1, nil, nil},
		{"the loopback host as domain", "domains=" + s.Host(), nil, all - 1, nil, nil},
		{"another domain", "domains=data.ny.gov", nil, 0, nil, nil},
		{"unknown parameter is a metadata filter", "domain=data.ct.gov", nil, 0, nil, nil},
		{"custom metadata filter", "Agency-Info_Agency-Name=Parks", nil, 0, nil, nil},
		{"published=false", "published=false", nil, 0, nil, nil},
		{"audience=private as owner", "audience=private", other, 1, []string{PrivateDatasetID}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr, r := catalog(t, s, tt.query, tt.who)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if tt.total >= 0 && cr.ResultSetSize != tt.total {
				t.Errorf("resultSetSize %d, want %d (ids %v)", cr.ResultSetSize, tt.total, cr.ids())
			}
			if len(cr.Results) != min(cr.ResultSetSize, 100) {
				t.Errorf("%d results for a result set of %d", len(cr.Results), cr.ResultSetSize)
			}
			for _, id := range tt.want {
				if !slices.Contains(cr.ids(), id) {
					t.Errorf("%s missing from %v", id, cr.ids())
				}
			}
			for _, id := range tt.notWant {
				if slices.Contains(cr.ids(), id) {
					t.Errorf("%s should not be in the results", id)
				}
			}
		})
	}
}

func TestCatalogErrors(t *testing.T) {
	s := newServer(t, WithSamples())
	for _, tt := range []struct {
		query  string
		who    *who
		status int
	}{
		{"limit=100&offset=9901", nil, 400},
		{"limit=10001", nil, 400},
		{"limit=-1", nil, 400},
		{"offset=abc", nil, 400},
		{"only=spreadsheet", nil, 400},
		{"order=popularity", nil, 400},
		{"order=name+SIDEWAYS", nil, 400},
		{"scroll_id=abcd-1234&order=name", nil, 400},
		{"shared_to=" + DemoPublisherID, nil, 401},
	} {
		_, r := catalog(t, s, tt.query, tt.who)
		if r.status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.query, r.status, tt.status)
			continue
		}
		var body map[string]any
		r.json(t, &body)
		if msg, _ := body["error"].(string); msg == "" {
			t.Errorf("%s: error body %s has no error message", tt.query, r.body)
		}
	}
}

func TestCatalogResultShape(t *testing.T) {
	s := newServer(t, WithSamples(), WithDomain("data.example.gov"))
	cr, _ := catalog(t, s, "ids="+BridgeInspectionsID, nil)
	if len(cr.Results) != 1 {
		t.Fatalf("got %d results", len(cr.Results))
	}
	res := cr.Results[0]
	rs := res.Resource
	if rs.Name != "SAMPLE Bridge Inspections" || rs.Type != "dataset" || res.Classification.DomainCategory != "Transportation" {
		t.Errorf("resource %+v", rs)
	}
	n := len(rs.ColumnsFieldName)
	if n != 9 || len(rs.ColumnsName) != n || len(rs.ColumnsDatatype) != n || len(rs.ColumnsDesc) != n {
		t.Errorf("column arrays are not parallel or not 9 long: %v %v %v", rs.ColumnsFieldName, rs.ColumnsName, rs.ColumnsDatatype)
	}
	if i := slices.Index(rs.ColumnsFieldName, "inspected_at"); i < 0 || rs.ColumnsDatatype[i] != "Date" {
		t.Errorf("inspected_at type label: %v", rs.ColumnsDatatype)
	}
	if i := slices.Index(rs.ColumnsFieldName, "location"); i < 0 || rs.ColumnsDatatype[i] != "Point" {
		t.Errorf("location type label: %v", rs.ColumnsDatatype)
	}
	if res.Metadata.Domain != "data.example.gov" {
		t.Errorf("metadata.domain %q", res.Metadata.Domain)
	}
	if res.Permalink != s.URL+"/d/"+BridgeInspectionsID {
		t.Errorf("permalink %q does not use the server's address", res.Permalink)
	}
	if res.Link != s.URL+"/Transportation/SAMPLE-Bridge-Inspections/"+BridgeInspectionsID {
		t.Errorf("link %q", res.Link)
	}
	if res.Owner.ID != DemoPublisherID || res.Owner.DisplayName != "Dana Demo" {
		t.Errorf("owner %+v", res.Owner)
	}
	if rs.UpdatedAt != "2024-07-02T14:00:00.000Z" || rs.CreatedAt != "2020-05-12T14:00:00.000Z" {
		t.Errorf("dates %s %s", rs.CreatedAt, rs.UpdatedAt)
	}
	if cr, _ := catalog(t, s, "domains=data.example.gov", nil); cr.ResultSetSize == 0 {
		t.Error("the configured domain does not match domains=")
	}
}

func TestCatalogOrderAndPaging(t *testing.T) {
	s := newServer(t, WithSamples(), WithGeneratedDatasets(250))
	full, _ := catalog(t, s, "only=dataset&order=name&limit=1000", nil)
	if full.ResultSetSize < 250 || len(full.Results) != full.ResultSetSize {
		t.Fatalf("resultSetSize %d with %d results", full.ResultSetSize, len(full.Results))
	}
	names := make([]string, len(full.Results))
	for i, r := range full.Results {
		names[i] = strings.ToLower(r.Resource.Name)
	}
	if !sort.StringsAreSorted(names) {
		t.Error("order=name is not sorted by name")
	}
	var paged []string
	for off := 0; off < full.ResultSetSize; off += 37 {
		cr, r := catalog(t, s, fmt.Sprintf("only=dataset&order=name&limit=37&offset=%d", off), nil)
		if r.status != 200 || cr.ResultSetSize != full.ResultSetSize {
			t.Fatalf("page at %d: status %d, resultSetSize %d", off, r.status, cr.ResultSetSize)
		}
		paged = append(paged, cr.ids()...)
	}
	if !slices.Equal(paged, full.ids()) {
		t.Error("pages of 37 do not add up to the full list in order")
	}
	for _, tt := range []struct {
		order string // as sent in the query string
		desc  bool
	}{
		{"updatedAt", true},
		{"updatedAt+DESC", true},
		{"updatedAt%20ASC", false},
		{"createdAt+ASC", false},
		{"name+DESC", true},
		{"name", false},
	} {
		cr, r := catalog(t, s, "only=dataset&limit=1000&order="+tt.order, nil)
		if r.status != 200 {
			t.Fatalf("order=%s: %d %s", tt.order, r.status, r.body)
		}
		keys := make([]string, len(cr.Results))
		for i, res := range cr.Results {
			switch {
			case strings.HasPrefix(tt.order, "updatedAt"):
				keys[i] = res.Resource.UpdatedAt
			case strings.HasPrefix(tt.order, "createdAt"):
				keys[i] = res.Resource.CreatedAt
			default:
				keys[i] = strings.ToLower(res.Resource.Name)
			}
		}
		if tt.desc {
			slices.Reverse(keys)
		}
		if !sort.StringsAreSorted(keys) {
			t.Errorf("order=%s is not in order", tt.order)
		}
	}
}

func TestCatalogTenThousandWindow(t *testing.T) {
	s := newServer(t, WithGeneratedDatasets(12000))
	cr, r := catalog(t, s, "limit=100&offset=9900&order=dataset_id", nil)
	if r.status != 200 || cr.ResultSetSize != 12000 || len(cr.Results) != 100 {
		t.Fatalf("last page in the window: status %d, size %d, %d results", r.status, cr.ResultSetSize, len(cr.Results))
	}
	if _, r := catalog(t, s, "limit=100&offset=9901", nil); r.status != 400 {
		t.Errorf("offset+limit past 10000: status %d, want 400", r.status)
	}
	// Scrolling reaches past the window.
	cr, _ = catalog(t, s, "limit=10&scroll_id="+url.QueryEscape("zzzz-zzzz"), nil)
	if cr.ResultSetSize != 0 {
		t.Errorf("scroll past the last id found %d", cr.ResultSetSize)
	}
	first, _ := catalog(t, s, "limit=10&order=dataset_id", nil)
	next, _ := catalog(t, s, "limit=10&scroll_id="+first.ids()[9], nil)
	more, _ := catalog(t, s, "limit=20&order=dataset_id", nil)
	if !slices.Equal(next.ids(), more.ids()[10:]) {
		t.Errorf("scroll_id did not continue after the last id: %v vs %v", next.ids(), more.ids()[10:])
	}
	// A generated dataset becomes real when used, and stays consistent.
	id := first.ids()[0]
	if v := get(t, s, "/api/views/"+id+".json", nil); v.status != 200 {
		t.Fatalf("view of generated %s: %d", id, v.status)
	}
	if rows := s.Portal.Rows(id); len(rows) < 5 {
		t.Errorf("generated dataset %s has %d rows", id, len(rows))
	}
	again, _ := catalog(t, s, "ids="+id, nil)
	if again.ResultSetSize != 1 || again.Results[0].Resource.Name != first.Results[0].Resource.Name {
		t.Error("a materialised generated dataset changed in the catalog")
	}
}
