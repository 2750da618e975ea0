package socratatest

import (
	"fmt"
	"time"
)

// Ids of the sample users that [WithSamples] adds. Their secrets are
// generated per portal; read them with [Portal.Demo] or [Portal.User].
const (
	// DemoPublisherID is the demo publisher, Dana Demo: role publisher,
	// owner of the key sample datasets. Her agency, the Dept. of Sample
	// Parks, is their attribution, not part of her name, so that "Signed
	// in as Dana Demo (publisher)" reads well.
	DemoPublisherID = "demo-pub1"
	// OtherPublisherID is a second publisher, Sam Sample (of the Dept. of
	// Sample Transportation, the attribution of his private dataset), who
	// shares one dataset with the demo publisher and owns a private one
	// nobody else can see.
	OtherPublisherID = "smpl-pub2"
	// ViewerID is Vic Viewer, signed in but without publishing rights.
	ViewerID = "smpl-view"
	// teamUserID owns generated datasets when there are no samples.
	teamUserID = "team-smpl"
)

// Ids of the sample datasets that [WithSamples] adds.
const (
	// ParkVisitsID is "SAMPLE State Park Visits by Month": 30 rows keyed
	// by record_id, with a number, a checkbox and a floating timestamp.
	ParkVisitsID = "park-vis1"
	// BridgeInspectionsID is "SAMPLE Bridge Inspections": 24 rows keyed by
	// inspection_id, with a point, a fixed timestamp, a url, and a
	// computed region column.
	BridgeInspectionsID = "brdg-insp"
	// SaltDeliveriesID is "SAMPLE Road Salt Deliveries": 20 rows and no
	// row identifier, so upserts append.
	SaltDeliveriesID = "salt-dlv1"
	// SyncedCopyID is a synced new-backend copy of the park visits: it
	// refuses writes with 403 "Cannot update a synced dataset manually".
	SyncedCopyID = "park-nbe1"
	// StoryID is a story, a non-tabular asset with no rows.
	StoryID = "park-stry"
	// MapID is a map of the bridge inspections, another non-tabular asset.
	MapID = "brdg-map1"
	// SharedDatasetID is "SAMPLE Library Circulation by Branch", owned by
	// the other publisher and shared to the demo publisher with edit
	// rights.
	SharedDatasetID = "libr-circ"
	// PrivateDatasetID is the other publisher's private dataset, invisible
	// to the demo publisher.
	PrivateDatasetID = "grnt-priv"
)

func teamUserSpec() UserSpec {
	return UserSpec{ID: teamUserID, DisplayName: "Sample Open Data Team", Email: "open.data.team@example.org", Role: "publisher"}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 14, 0, 0, 0, time.UTC) }

var parks = []struct{ id, name string }{
	{"P01", "Hollow Pine State Park"},
	{"P02", "Quarry Brook State Park"},
	{"P03", "Lantern Point State Park"},
	{"P04", "Millstone Falls State Park"},
	{"P05", "Heron Marsh State Park"},
}

func parkColumns() []ColumnSpec {
	return []ColumnSpec{
		{FieldName: "record_id", Name: "Record ID", Type: "text", Description: "Park id and month, such as P01-2024-01."},
		{FieldName: "park_id", Name: "Park ID", Type: "text"},
		{FieldName: "park_name", Name: "Park Name", Type: "text"},
		{FieldName: "month", Name: "Month", Type: "text", Description: "Reporting month, YYYY-MM."},
		{FieldName: "visitors", Name: "Visitor Count", Type: "number", Format: map[string]string{"noCommas": "false"}},
		{FieldName: "open", Name: "Open", Type: "checkbox", Description: "Whether the park was open that month."},
		{FieldName: "report_date", Name: "Report Date", Type: "calendar_date", Format: map[string]string{"view": "date"}},
	}
}

func parkRows() []map[string]string {
	seasonal := []int{18, 22, 41, 63, 88, 120} // hundreds of visitors, January to June
	var rows []map[string]string
	for m := 1; m <= 6; m++ {
		for pi, pk := range parks {
			visitors := seasonal[m-1] * (100 + 37*pi)
			open := "true"
			if pk.id == "P05" && m <= 2 {
				visitors, open = 0, "false"
			}
			rows = append(rows, map[string]string{
				"record_id":   fmt.Sprintf("%s-2024-%02d", pk.id, m),
				"park_id":     pk.id,
				"park_name":   pk.name,
				"month":       fmt.Sprintf("2024-%02d", m),
				"visitors":    fmt.Sprint(visitors),
				"open":        open,
				"report_date": fmt.Sprintf("2024-%02d-05T00:00:00", m+1),
			})
		}
	}
	return rows
}

var bridges = []struct {
	id, town string
	lon, lat float64
}{
	{"01234", "Hartford", -72.6851, 41.7637}, {"02468", "New Haven", -72.9279, 41.3083},
	{"03579", "Bridgeport", -73.1952, 41.1865}, {"04812", "Stamford", -73.5387, 41.0534},
	{"05021", "Waterbury", -73.0515, 41.5582}, {"06110", "Norwalk", -73.4079, 41.1177},
	{"07345", "Danbury", -73.4540, 41.3948}, {"08790", "Middletown", -72.6507, 41.5623},
	{"09002", "Norwich", -72.0759, 41.5243}, {"10456", "Torrington", -73.1212, 41.8007},
	{"11873", "Willimantic", -72.2081, 41.7107}, {"12905", "New London", -72.0995, 41.3557},
}

func bridgeColumns() []ColumnSpec {
	return []ColumnSpec{
		{FieldName: "inspection_id", Name: "Inspection ID", Type: "text"},
		{FieldName: "bridge_id", Name: "Bridge Number", Type: "text"},
		{FieldName: "town", Name: "Town", Type: "text"},
		{FieldName: "location", Name: "Location", Type: "point"},
		{FieldName: "inspected_at", Name: "Inspected At", Type: "date", Description: "When the inspection finished, with its time zone."},
		{FieldName: "condition_rating", Name: "Condition Rating (0-9)", Type: "number"},
		{FieldName: "deck_area_sqft", Name: "Deck Area (sq ft)", Type: "number"},
		{FieldName: "report_url", Name: "Inspection Report", Type: "url"},
		{FieldName: ":@computed_region_smpl_twns", Name: "Sample Town Regions", Type: "number", ComputedFrom: "location"},
	}
}

func bridgeRows() []map[string]string {
	var rows []map[string]string
	for round := 0; round < 2; round++ {
		for bi, b := range bridges {
			n := round*len(bridges) + bi + 1
			month := time.Month(1 + round*3 + bi%3)
			rows = append(rows, map[string]string{
				"inspection_id":    fmt.Sprintf("INS-2024-%03d", n),
				"bridge_id":        b.id,
				"town":             b.town,
				"location":         formatPoint(b.lon, b.lat),
				"inspected_at":     time.Date(2024, month, 3+bi, 9+bi%6, 15*(bi%4), 0, 0, time.FixedZone("EST", -5*3600)).Format(time.RFC3339),
				"condition_rating": fmt.Sprint(4 + (bi+round)%6),
				"deck_area_sqft":   fmt.Sprint(1800 + 375*bi),
				"report_url":       fmt.Sprintf("Report %d (https://example.gov/bridges/%s/2024-%02d)", n, b.id, month),
			})
		}
	}
	return rows
}

var garages = []struct {
	name     string
	district int
}{{"Wethersfield Garage", 1}, {"Milford Garage", 3}, {"Colchester Garage", 2}, {"Litchfield Garage", 4}, {"Danielson Garage", 2}}

func saltColumns() []ColumnSpec {
	return []ColumnSpec{
		{FieldName: "delivery_date", Name: "Delivery Date", Type: "calendar_date"},
		{FieldName: "garage", Name: "Garage", Type: "text"},
		{FieldName: "district", Name: "District", Type: "number"},
		{FieldName: "tons", Name: "Tons Delivered", Type: "number"},
		{FieldName: "vendor", Name: "Vendor", Type: "text"},
		{FieldName: "emergency_order", Name: "Emergency Order", Type: "checkbox"},
	}
}

func saltRows() []map[string]string {
	vendors := []string{"Sample Salt Co.", "Example Minerals LLC", "Placeholder Deicing Inc."}
	var rows []map[string]string
	start := time.Date(2023, 12, 4, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 20; i++ {
		g := garages[i%len(garages)]
		rows = append(rows, map[string]string{
			"delivery_date":   start.AddDate(0, 0, 6*i).Format("2006-01-02"),
			"garage":          g.name,
			"district":        fmt.Sprint(g.district),
			"tons":            fmt.Sprintf("%d.%d", 80+(i*37)%140, i%10),
			"vendor":          vendors[i%len(vendors)],
			"emergency_order": fmt.Sprint(i%7 == 3),
		})
	}
	return rows
}

var branches = []string{"Main Street Branch", "Riverside Branch", "Elm Hill Branch", "Harbor Branch"}

func libraryColumns() []ColumnSpec {
	return []ColumnSpec{
		{FieldName: "record_id", Name: "Record ID", Type: "text"},
		{FieldName: "branch", Name: "Branch", Type: "text"},
		{FieldName: "month", Name: "Month", Type: "calendar_date"},
		{FieldName: "checkouts", Name: "Checkouts", Type: "number"},
		{FieldName: "renewals", Name: "Renewals", Type: "number"},
		{FieldName: "digital_share", Name: "Digital Share (%)", Type: "percent"},
	}
}

func libraryRows() []map[string]string {
	var rows []map[string]string
	for m := 1; m <= 3; m++ {
		for bi, b := range branches {
			rows = append(rows, map[string]string{
				"record_id":     fmt.Sprintf("B%d-2024-%02d", bi+1, m),
				"branch":        b,
				"month":         fmt.Sprintf("2024-%02d-01", m),
				"checkouts":     fmt.Sprint(2100 + 410*bi + 95*m),
				"renewals":      fmt.Sprint(640 + 70*bi + 12*m),
				"digital_share": fmt.Sprintf("%d.5", 21+3*bi+m),
			})
		}
	}
	return rows
}

// seedSamples adds the sample world and returns the owners of generated
// sample datasets. The caller holds no lock; NewPortal runs it before
// the portal is shared.
func (p *Portal) seedSamples() []*user {
	demo := p.addUserLocked(UserSpec{
		ID: DemoPublisherID, DisplayName: "Dana Demo",
		Email: "dana.demo@parks.example.org", Role: "publisher",
	})
	other := p.addUserLocked(UserSpec{
		ID: OtherPublisherID, DisplayName: "Sam Sample",
		Email: "sam.sample@transport.example.org", Role: "publisher",
	})
	p.addUserLocked(UserSpec{
		ID: ViewerID, DisplayName: "Vic Viewer", Email: "vic.viewer@example.org", Role: "viewer",
	})
	const parksAgency = "Dept. of Sample Parks"
	specs := []DatasetSpec{
		{
			ID: ParkVisitsID, Name: "SAMPLE State Park Visits by Month",
			Description: "Sample data, made up for trying socrata-wizard: monthly visitor counts at five imaginary state parks. " +
				"Each row is one park and month, keyed by record_id.",
			Category: "Recreation", Attribution: parksAgency, Tags: []string{"sample", "parks", "visitors"},
			Owner: demo.id(), Columns: parkColumns(), RowIdentifier: "record_id", Rows: parkRows(),
			CreatedAt: day(2019, 3, 1), UpdatedAt: day(2024, 7, 8),
		},
		{
			ID: BridgeInspectionsID, Name: "SAMPLE Bridge Inspections",
			Description: "Sample data, made up for trying socrata-wizard: inspections of imaginary bridges in Connecticut towns, " +
				"with their location, inspection time and condition rating.",
			Category: "Transportation", Attribution: parksAgency, Tags: []string{"sample", "bridges", "inspections"},
			Owner: demo.id(), Columns: bridgeColumns(), RowIdentifier: "inspection_id", Rows: bridgeRows(),
			CreatedAt: day(2020, 5, 12), UpdatedAt: day(2024, 7, 2),
		},
		{
			ID: SaltDeliveriesID, Name: "SAMPLE Road Salt Deliveries",
			Description: "Sample data, made up for trying socrata-wizard: road salt delivered to imaginary maintenance garages. " +
				"It has no row identifier, so every upload appends.",
			Category: "Transportation", Attribution: parksAgency, Tags: []string{"sample", "winter", "salt"},
			Owner: demo.id(), Columns: saltColumns(), Rows: saltRows(),
			CreatedAt: day(2018, 11, 1), UpdatedAt: day(2024, 3, 29),
		},
		{
			ID: SyncedCopyID, Name: "SAMPLE State Park Visits by Month (new backend copy)",
			Description: "Sample data: a synced new-backend copy of SAMPLE State Park Visits by Month. The portal keeps it in step " +
				"with the original, so it cannot be updated by hand.",
			Category: "Recreation", Attribution: parksAgency, Tags: []string{"sample", "parks"},
			Owner: demo.id(), Columns: parkColumns(), RowIdentifier: "record_id", Rows: parkRows(),
			SyncedCopy: true, CreatedAt: day(2021, 9, 14), UpdatedAt: day(2024, 7, 8),
		},
		{
			ID: StoryID, Name: "SAMPLE Story: A Year in the Sample State Parks",
			Description: "A sample story page built on the park visits sample data. Stories have no rows.",
			Category:    "Recreation", Attribution: parksAgency, Tags: []string{"sample", "story"},
			Owner: demo.id(), ViewType: "story", CreatedAt: day(2022, 4, 22), UpdatedAt: day(2024, 1, 10),
		},
		{
			ID: MapID, Name: "SAMPLE Map: Bridge Inspections",
			Description: "A sample map of SAMPLE Bridge Inspections. Maps have no rows of their own.",
			Category:    "Transportation", Attribution: parksAgency, Tags: []string{"sample", "map"},
			Owner: demo.id(), ViewType: "geo", CreatedAt: day(2022, 6, 3), UpdatedAt: day(2024, 7, 3),
		},
		{
			ID: SharedDatasetID, Name: "SAMPLE Library Circulation by Branch",
			Description: "Sample data, made up for trying socrata-wizard: monthly checkouts at four imaginary library branches. " +
				"Owned by another publisher and shared with the demo publisher as an editor.",
			Category: "Education", Attribution: "Sample State Library", Tags: []string{"sample", "library"},
			Owner: other.id(), SharedTo: []string{demo.id()}, Columns: libraryColumns(), RowIdentifier: "record_id",
			Rows: libraryRows(), CreatedAt: day(2020, 1, 15), UpdatedAt: day(2024, 4, 2),
		},
		{
			ID: PrivateDatasetID, Name: "SAMPLE Pending Grant Applications",
			Description: "Sample data: a private working dataset of the other publisher. Nobody else can see it.",
			Category:    "Government", Attribution: "Dept. of Sample Transportation", Tags: []string{"sample", "grants"},
			Owner: other.id(), Private: true, RowIdentifier: "application_id",
			Columns: []ColumnSpec{
				{FieldName: "application_id", Name: "Application ID", Type: "text"},
				{FieldName: "applicant", Name: "Applicant", Type: "text"},
				{FieldName: "amount_requested", Name: "Amount Requested", Type: "money"},
				{FieldName: "received", Name: "Received", Type: "calendar_date"},
			},
			Rows: []map[string]string{
				{"application_id": "GA-001", "applicant": "Town of Sampleton", "amount_requested": "125000", "received": "2024-05-02"},
				{"application_id": "GA-002", "applicant": "Example Valley Council", "amount_requested": "48000.50", "received": "2024-05-09"},
				{"application_id": "GA-003", "applicant": "Placeholder Harbor District", "amount_requested": "310000", "received": "2024-05-20"},
			},
			CreatedAt: day(2024, 5, 1), UpdatedAt: day(2024, 5, 21),
		},
	}
	for _, s := range specs {
		if _, err := p.addDatasetLocked(s); err != nil {
			panic("socratatest: sample dataset is invalid: " + err.Error())
		}
	}
	return []*user{demo, other}
}
