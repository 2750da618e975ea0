package socratatest

import (
	"fmt"
	"strings"
	"time"
)

// generator describes generated datasets compactly: each is a pure
// function of its index, so 10,000 of them cost little more than their
// ids until a request touches one and it becomes a real dataset.
type generator struct {
	owners []*user
	ids    []string
	index  map[string]int
}

// sampleGeneratedCount is how many generated datasets WithSamples adds, so
// that browsing and paging have something to page through.
const sampleGeneratedCount = 28

func newGenerator(n int, owners []*user, taken map[string]*dataset) *generator {
	g := &generator{owners: owners, ids: make([]string, n), index: make(map[string]int, n)}
	x := uint64(0x243F6A8885A308D3)
	for i := 0; i < n; i++ {
		for {
			x = splitmix(x)
			id := fourByFour(x)
			if _, dup := g.index[id]; dup {
				continue
			}
			if _, dup := taken[id]; dup {
				continue
			}
			g.ids[i], g.index[id] = id, i
			break
		}
	}
	return g
}

func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	z := x
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (g *generator) has(id string) bool {
	_, ok := g.index[id]
	return ok
}

// spec is the full spec, rows included, of a generated dataset.
func (g *generator) spec(id string) (DatasetSpec, bool) {
	i, ok := g.index[id]
	if !ok {
		return DatasetSpec{}, false
	}
	return g.specAt(i, true), true
}

// each calls fn for every generated dataset in index order, with a
// function that builds its spec (without rows) only if needed.
func (g *generator) each(fn func(id string, spec func() DatasetSpec)) {
	for i, id := range g.ids {
		fn(id, func() DatasetSpec { return g.specAt(i, false) })
	}
}

type agency struct{ name, short, category string }

var agencies = []agency{
	{"Dept. of Sample Parks", "DSP", "Recreation"},
	{"Dept. of Sample Transportation", "DST", "Transportation"},
	{"Office of Sample Health Statistics", "OSHS", "Health and Human Services"},
	{"Dept. of Sample Revenue", "DSR", "Government"},
	{"Dept. of Sample Education", "DSE", "Education"},
	{"Sample Energy Office", "SEO", "Energy and Environment"},
	{"Dept. of Sample Labor", "DSL", "Business"},
	{"Sample Housing Authority", "SHA", "Housing and Development"},
	{"Dept. of Sample Public Safety", "DSPS", "Public Safety"},
}

type topic struct {
	title, about string
	minCols      int
	cols         []ColumnSpec
}

func col(field, name, typ string) ColumnSpec {
	return ColumnSpec{FieldName: field, Name: name, Type: typ}
}

var topics = []topic{
	{"Monthly Permits Issued", "permits issued each month, by town and permit type", 4, []ColumnSpec{
		col("permit_id", "Permit ID", "text"), col("town", "Town", "text"), col("issued_date", "Issued Date", "calendar_date"),
		col("permit_type", "Permit Type", "text"), col("fee", "Fee", "money"), col("status", "Status", "text"),
		col("expedited", "Expedited", "checkbox"), col("reviewer", "Reviewer", "text")}},
	{"Facility Inspections", "inspections of state-licensed facilities and their scores", 5, []ColumnSpec{
		col("inspection_id", "Inspection ID", "text"), col("facility_name", "Facility Name", "text"), col("town", "Town", "text"),
		col("inspection_date", "Inspection Date", "calendar_date"), col("score", "Score", "number"), col("passed", "Passed", "checkbox"),
		col("location", "Location", "point"), col("inspector", "Inspector", "text"), col("follow_up_due", "Follow-up Due", "calendar_date")}},
	{"Grant Awards", "grants awarded to towns and non-profits", 4, []ColumnSpec{
		col("grant_id", "Grant ID", "text"), col("recipient", "Recipient", "text"), col("award_amount", "Award Amount", "money"),
		col("award_date", "Award Date", "calendar_date"), col("program", "Program", "text"), col("town", "Town", "text"),
		col("fiscal_year", "Fiscal Year", "number"), col("details_url", "Details", "url"), col("matching_funds", "Matching Funds", "checkbox"),
		col("purpose", "Purpose", "text")}},
	{"Service Requests", "service requests received and how long they stayed open", 5, []ColumnSpec{
		col("request_id", "Request ID", "text"), col("opened_at", "Opened", "date"), col("closed_at", "Closed", "date"),
		col("request_type", "Request Type", "text"), col("town", "Town", "text"), col("status", "Status", "text"),
		col("days_open", "Days Open", "number"), col("channel", "Channel", "text"), col("location", "Location", "point"),
		col("priority", "Priority", "text"), col("escalated", "Escalated", "checkbox")}},
	{"Budget Expenditures", "spending by fund and program", 4, []ColumnSpec{
		col("line_id", "Line ID", "text"), col("fiscal_year", "Fiscal Year", "number"), col("fund", "Fund", "text"),
		col("program", "Program", "text"), col("amount", "Amount", "money"), col("percent_of_budget", "Percent of Budget", "percent"),
		col("vendor", "Vendor", "text")}},
	{"Staffing Levels", "authorised and filled positions by unit", 3, []ColumnSpec{
		col("position_id", "Position ID", "text"), col("unit", "Unit", "text"), col("job_class", "Job Class", "text"),
		col("filled", "Filled", "checkbox"), col("fte", "FTE", "number"), col("as_of", "As Of", "calendar_date")}},
	{"Energy Use by Building", "electricity and heating fuel used by state buildings", 5, []ColumnSpec{
		col("building_id", "Building ID", "text"), col("building_name", "Building Name", "text"), col("town", "Town", "text"),
		col("month", "Month", "calendar_date"), col("kwh", "Electricity (kWh)", "number"), col("therms", "Gas (therms)", "number"),
		col("reporting_url", "Reporting Page", "url"), col("leed_certified", "LEED Certified", "checkbox"),
		col("square_feet", "Square Feet", "number"), col("location", "Location", "point"), col("meter_count", "Meters", "number"),
		col("notes", "Notes", "text")}},
	{"Program Enrollment", "people enrolled in and waiting for programs, by town", 4, []ColumnSpec{
		col("enrollment_id", "Enrollment ID", "text"), col("program", "Program", "text"), col("town", "Town", "text"),
		col("month", "Month", "calendar_date"), col("enrolled", "Enrolled", "number"), col("waitlisted", "Waitlisted", "number"),
		col("capacity", "Capacity", "number"), col("at_capacity", "At Capacity", "checkbox")}},
}

var towns = []string{"Hartford", "New Haven", "Bridgeport", "Stamford", "Waterbury", "Norwalk", "Danbury",
	"New Britain", "Middletown", "Norwich", "Torrington", "Willimantic"}

// specAt builds generated dataset i. Everything varies with i: agency,
// topic, fiscal year, column count, owner, dates, and whether it has a
// row identifier.
func (g *generator) specAt(i int, withRows bool) DatasetSpec {
	ag := agencies[i%len(agencies)]
	tp := topics[(i/len(agencies)+i)%len(topics)]
	h := splitmix(uint64(i) + 77)
	fy := 2025 - (i/(len(agencies)*len(topics)))%10
	name := fmt.Sprintf("SAMPLE %s, %s (FY%d)", tp.title, ag.short, fy)
	if cycle := i / (len(agencies) * len(topics) * 10); cycle > 0 {
		name += fmt.Sprintf(" #%d", cycle+1)
	}
	ncols := tp.minCols + int(h%uint64(len(tp.cols)-tp.minCols+1))
	cols := append([]ColumnSpec(nil), tp.cols[:ncols]...)
	created := time.Date(2015, 1, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, int(h>>8%2600))
	updated := created.AddDate(0, 0, int(h>>20%900)).Add(time.Duration(h>>32%86400) * time.Second)
	if limit := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC); updated.After(limit) {
		updated = limit.Add(-time.Duration(h>>40%(200*24)) * time.Hour)
	}
	if updated.Before(created) {
		updated = created
	}
	spec := DatasetSpec{
		ID:   g.ids[i],
		Name: name,
		Description: fmt.Sprintf("Sample data made up for trying socrata-wizard: %s, as the %s might publish them for fiscal year %d. Not real figures.",
			tp.about, ag.name, fy),
		Category:    ag.category,
		Attribution: ag.name,
		Tags:        []string{"sample", strings.ToLower(strings.Fields(tp.title)[0])},
		Owner:       g.owners[i%len(g.owners)].id(),
		Columns:     cols,
		CreatedAt:   created,
		UpdatedAt:   updated,
	}
	if i%3 != 2 {
		spec.RowIdentifier = cols[0].FieldName
	}
	if withRows {
		n := 5 + i%8
		for j := 0; j < n; j++ {
			spec.Rows = append(spec.Rows, sampleRow(cols, i, j))
		}
	}
	return spec
}

// sampleRow makes up row j of generated dataset i.
func sampleRow(cols []ColumnSpec, i, j int) map[string]string {
	r := map[string]string{}
	h := splitmix(uint64(i)<<20 | uint64(j))
	for k, c := range cols {
		v := h >> (k % 8 * 7)
		var s string
		switch c.Type {
		case "text":
			if k == 0 {
				s = fmt.Sprintf("%s-%04d", strings.ToUpper(c.FieldName[:3]), j+1)
			} else if c.FieldName == "town" {
				s = towns[v%uint64(len(towns))]
			} else {
				s = fmt.Sprintf("%s %c", c.Name, 'A'+rune(v%6))
			}
		case "number":
			s = fmt.Sprint(v % 5000)
		case "money":
			s = fmt.Sprintf("%d.%02d", v%250000, v%100)
		case "percent":
			s = fmt.Sprintf("%d.%d", v%40, v%10)
		case "checkbox":
			s = fmt.Sprint(v%3 != 0)
		case "calendar_date":
			s = time.Date(2024, time.Month(1+j%12), 1+int(v%28), 0, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05")
		case "date":
			s = time.Date(2024, time.Month(1+j%12), 1+int(v%28), int(v%24), int(v%60), 0, 0, time.UTC).Format(time.RFC3339)
		case "point":
			s = formatPoint(-73.6+float64(v%180)/100, 41.1+float64(v%90)/100)
		case "url":
			s = fmt.Sprintf("https://example.gov/sample/%d/%d", i, j)
		}
		r[c.FieldName] = s
	}
	return r
}
