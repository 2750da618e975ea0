package wizard

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
)

// fakeCatalog answers page requests from two fixed, sorted streams, as the
// portal would.
type fakeCatalog struct{ owned, shared []socrata.CatalogEntry }

func (f fakeCatalog) page(r PageRequest) *socrata.CatalogPage {
	all := f.owned
	if r.Source == Shared {
		all = f.shared
	}
	end := min(r.Query.Offset+r.Query.Limit, len(all))
	start := min(r.Query.Offset, end)
	return &socrata.CatalogPage{Total: len(all), Results: all[start:end]}
}

func entries(prefix string, n int, base time.Time, step time.Duration) []socrata.CatalogEntry {
	var out []socrata.CatalogEntry
	for i := range n {
		out = append(out, socrata.CatalogEntry{
			ID:        socrata.DatasetID(fmt.Sprintf("%s%03d-aaaa", prefix, i)),
			Name:      fmt.Sprintf("%s dataset %03d", prefix, i),
			UpdatedAt: base.Add(-time.Duration(i) * step),
		})
	}
	return out
}

// drain keeps answering requests until the list stops asking, or want
// entries are visible.
func drain(t *testing.T, l *DatasetList, f fakeCatalog, want int) int {
	t.Helper()
	calls := 0
	for {
		reqs := l.Requests(want)
		if len(reqs) == 0 {
			return calls
		}
		for _, r := range reqs {
			calls++
			l.Add(r.Source, r.Query.Offset, f.page(r))
		}
		if calls > 1000 {
			t.Fatal("list keeps asking for pages")
		}
	}
}

func TestDatasetListMergesInOrder(t *testing.T) {
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		owned, shared []socrata.CatalogEntry
		order         SortOrder
		page, want    int
		wantVisible   int
		wantComplete  bool
	}{
		{"both small", entries("own", 3, base, time.Hour), entries("shr", 2, base.Add(-30*time.Minute), time.Hour), SortUpdated, 10, 100, 5, true},
		{"nothing shared", entries("own", 7, base, time.Hour), nil, SortUpdated, 3, 100, 7, true},
		{"nothing at all", nil, nil, SortName, 10, 100, 0, true},
		{"paged, stops at want", entries("own", 100, base, time.Hour), entries("shr", 100, base, 90*time.Minute), SortUpdated, 10, 25, 25, false},
		{"by name", entries("b", 20, base, time.Hour), entries("a", 20, base, time.Hour), SortName, 5, 1000, 40, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewDatasetList("me00-0001", "", tt.order, tt.page)
			f := fakeCatalog{owned: tt.owned, shared: tt.shared}
			drain(t, l, f, tt.want)
			vis := l.Visible()
			if len(vis) < tt.wantVisible || (tt.wantComplete && len(vis) != tt.wantVisible) {
				t.Fatalf("visible = %d, want %d", len(vis), tt.wantVisible)
			}
			if l.Complete() != tt.wantComplete {
				t.Errorf("Complete() = %v, want %v", l.Complete(), tt.wantComplete)
			}
			if !sort.SliceIsSorted(vis, func(i, j int) bool { return l.less(vis[i], vis[j]) }) {
				t.Errorf("visible list is out of order")
			}
			// Every visible entry must be one of the first entries of the
			// full merged order: nothing may be skipped.
			full := NewDatasetList("me00-0001", "", tt.order, 10000)
			drain(t, full, f, 1<<30)
			for i, d := range vis {
				if full.Visible()[i].ID != d.ID {
					t.Fatalf("entry %d is %s, want %s", i, d.ID, full.Visible()[i].ID)
				}
			}
		})
	}
}

func TestDatasetListQueries(t *testing.T) {
	l := NewDatasetList("me00-0001", "  parks ", SortName, 20)
	reqs := l.Requests(10)
	if len(reqs) != 2 {
		t.Fatalf("want one request per stream, got %d", len(reqs))
	}
	for _, r := range reqs {
		q := r.Query
		if q.Query != "parks" || q.Order != "name" || q.Limit != 20 || q.Offset != 0 {
			t.Errorf("%v query = %+v", r.Source, q)
		}
		if r.Source == Owned && (q.ForUser != "me00-0001" || q.SharedTo != "") {
			t.Errorf("owned query = %+v", q)
		}
		if r.Source == Shared && (q.SharedTo != "me00-0001" || q.ForUser != "") {
			t.Errorf("shared query = %+v", q)
		}
	}
	if again := l.Requests(10); len(again) != 0 {
		t.Errorf("requests already on their way were asked again: %+v", again)
	}
	// A failed page can be asked for again.
	l.Add(Owned, 0, nil)
	if again := l.Requests(10); len(again) != 1 || again[0].Source != Owned {
		t.Errorf("after a failure want the owned page again, got %+v", again)
	}
}

func TestDatasetListStopsAtCatalogWindow(t *testing.T) {
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	f := fakeCatalog{owned: entries("own", socrata.CatalogWindow+150, base, time.Minute)}
	l := NewDatasetList("me00-0001", "", SortUpdated, 1000)
	drain(t, l, f, 1<<30)
	if got := len(l.Visible()); got != socrata.CatalogWindow {
		t.Fatalf("visible = %d, want the 10,000 the catalog allows", got)
	}
	if !l.Capped() {
		t.Error("Capped() = false, want true")
	}
	if l.Complete() {
		t.Error("Complete() = true for a capped list")
	}
}
