package socratatest

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// SampleFile is a local CSV that fits one of the sample datasets, for the
// demo and for tests of mapping, validation and upload.
type SampleFile struct {
	// Name is the file name, such as "park_visits_2024_07.csv".
	Name string
	// Dataset is the id of the sample dataset the file is meant for.
	Dataset string
	// Method is the publish method the file demonstrates: "upsert",
	// "append" or "delete".
	Method string
	// About says in a sentence what the file shows.
	About string
	// Content is the CSV text of a small file. It is empty for a file
	// generated as it is written (park_visits_history.csv), which is too
	// big to hold: use WriteTo or WriteSamples for every file.
	Content string
	// Rows is the number of data rows, the header not counted.
	Rows int
	// Existing is how many of those rows name a row the sample dataset
	// starts with: an upsert updates them (and creates the rest), a
	// delete removes them.
	Existing int

	// generate streams a file that has no Content.
	generate func(io.Writer) (int64, error)
}

// WriteTo writes the file's CSV text to w, generating it as it goes when
// the file is too big to keep in memory. It implements [io.WriterTo].
func (f SampleFile) WriteTo(w io.Writer) (int64, error) {
	if f.generate != nil {
		return f.generate(w)
	}
	n, err := io.WriteString(w, f.Content)
	return int64(n), err
}

// SampleFiles returns the sample CSV files. Each fits a sample dataset
// and shows something a publisher meets:
//
//   - park_visits_2024_07.csv (ParkVisitsID, upsert): five new July rows
//     and two corrections of earlier months. Its header names the visitors
//     column by its display name "Visitor Count" instead of the field name
//     "visitors", so it has to be mapped; and its report dates are written
//     the US way (8/5/2024), so a date format has to be chosen. Exactly one
//     of them, on the correction of February (line 7), is written the ISO
//     way (2024-08-07), as when rows come from two systems: checked against
//     M/d/yyyy alone it is an error with its line, and accepting yyyy-MM-dd
//     as a second format for the column fixes it.
//   - park_visits_history.csv (ParkVisitsID, upsert): 105,845 rows, about
//     7.4 MB, generated from a fixed seed as it is written: monthly visits
//     from January 2000 to June 2024 at 360 more parks (P101 to P460),
//     then revised June 2024 figures for the five sample parks. Only
//     those five last rows name rows the dataset has, so an upsert
//     updates five and creates the rest. Its header and dates are in the
//     July file's style ("Visitor Count", M/d/yyyy) and every value is
//     valid. It is big enough to watch an upload's progress and to stop
//     and resume it, yet under the wizard's 10 MiB threshold, so the
//     automatic route sends it through SODA.
//   - bridge_inspections_2024_q3.csv (BridgeInspectionsID, upsert): four
//     new inspections and two revised ones, with WKT points (longitude
//     first) and fixed timestamps carrying offsets. Every header is a
//     field name and every value is valid: the clean path.
//   - salt_deliveries_2024_03.csv (SaltDeliveriesID, append): six
//     deliveries for a dataset without a row identifier, so an upsert
//     appends them. Two values are planted as a spreadsheet would write
//     them: the tons on line 4 have a thousands separator (1,250.5) and
//     the emergency order on line 6 is Y. A check finds both, and
//     cleaning numbers and accepting yes/no fix them; sent as they are,
//     the portal rejects those two rows with a row error each and
//     appends the other four.
//   - park_visits_withdrawn.csv (ParkVisitsID, delete): a single
//     record_id column listing two rows to delete.
//   - library_circulation_2024_04.csv (SharedDatasetID, upsert): April
//     figures and one March correction for a dataset another publisher
//     shared with the demo user, who may edit it but does not own it.
func SampleFiles() []SampleFile {
	return []SampleFile{
		{
			Name: "park_visits_2024_07.csv", Dataset: ParkVisitsID, Method: "upsert",
			About: "July park visits plus two corrections; \"Visitor Count\" must be mapped to visitors, dates are M/d/yyyy except one correction dated 2024-08-07, so the column needs yyyy-MM-dd as a second format.",
			Rows:  7, Existing: 2,
			Content: lines(
				"record_id,park_id,park_name,month,Visitor Count,open,report_date",
				"P01-2024-07,P01,Hollow Pine State Park,2024-07,16430,true,8/5/2024",
				"P02-2024-07,P02,Quarry Brook State Park,2024-07,20871,true,8/5/2024",
				"P03-2024-07,P03,Lantern Point State Park,2024-07,24190,true,8/5/2024",
				"P04-2024-07,P04,Millstone Falls State Park,2024-07,28302,true,8/6/2024",
				"P05-2024-07,P05,Heron Marsh State Park,2024-07,31957,true,8/6/2024",
				"P02-2024-02,P02,Quarry Brook State Park,2024-02,3010,true,2024-08-07",
				"P05-2024-06,P05,Heron Marsh State Park,2024-06,29012,true,7/5/2024",
			),
		},
		{
			Name: historyName, Dataset: ParkVisitsID, Method: "upsert",
			About: "Monthly visits 2000 to mid-2024 at 360 more parks, about 7.4 MB: long enough to watch the progress bar, stop with ctrl+c and resume. " +
				"Headers and dates as in the July file (\"Visitor Count\", M/d/yyyy); only its last five rows, June 2024 revisions, update existing rows.",
			Rows: historyRows(), Existing: len(parks), generate: writeHistory,
		},
		{
			Name: "bridge_inspections_2024_q3.csv", Dataset: BridgeInspectionsID, Method: "upsert",
			About: "Four new and two revised bridge inspections with WKT points and timestamps that carry their time zone.",
			Rows:  6, Existing: 2,
			Content: lines(
				"inspection_id,bridge_id,town,location,inspected_at,condition_rating,deck_area_sqft,report_url",
				"INS-2024-025,01234,Hartford,POINT (-72.6851 41.7637),2024-07-15T10:30:00-04:00,6,1800,https://example.gov/bridges/01234/2024-07",
				"INS-2024-026,02468,New Haven,POINT (-72.9279 41.3083),2024-07-22T13:05:00-04:00,5,2175,https://example.gov/bridges/02468/2024-07",
				"INS-2024-027,03579,Bridgeport,POINT (-73.1952 41.1865),2024-08-06T08:45:00-04:00,7,2550,https://example.gov/bridges/03579/2024-08",
				"INS-2024-028,04812,Stamford,POINT (-73.5387 41.0534),2024-09-12T15:20:00Z,4,2925,https://example.gov/bridges/04812/2024-09",
				"INS-2024-003,03579,Bridgeport,POINT (-73.1952 41.1865),2024-03-05T11:15:00-05:00,5,2550,https://example.gov/bridges/03579/2024-03",
				"INS-2024-010,10456,Torrington,POINT (-73.1212 41.8007),2024-03-12T12:45:00-05:00,3,5175,https://example.gov/bridges/10456/2024-03",
			),
		},
		{
			Name: "salt_deliveries_2024_03.csv", Dataset: SaltDeliveriesID, Method: "append",
			About: "Six March deliveries for a dataset with no row identifier, so they are appended. Two values are written as a spreadsheet might: " +
				"tons of 1,250.5 (line 4) and an emergency order of Y (line 6). Clean numbers and accept yes/no to fix them; sent as they are, the portal rejects those two rows.",
			Rows: 6,
			Content: lines(
				"delivery_date,garage,district,tons,vendor,emergency_order",
				"2024-03-04,Wethersfield Garage,1,96.5,Sample Salt Co.,false",
				"2024-03-06,Milford Garage,3,120,Example Minerals LLC,false",
				`2024-03-11,Colchester Garage,2,"1,250.5",Placeholder Deicing Inc.,true`,
				"2024-03-13,Litchfield Garage,4,140,Sample Salt Co.,false",
				"2024-03-18,Danielson Garage,2,73.75,Example Minerals LLC,Y",
				"2024-03-20,Wethersfield Garage,1,101,Placeholder Deicing Inc.,false",
			),
		},
		{
			Name: "park_visits_withdrawn.csv", Dataset: ParkVisitsID, Method: "delete",
			About: "Two record ids whose rows are withdrawn: a delete file is a single row identifier column.",
			Rows:  2, Existing: 2,
			Content: lines(
				"record_id",
				"P03-2024-01",
				"P03-2024-02",
			),
		},
		{
			Name: "library_circulation_2024_04.csv", Dataset: SharedDatasetID, Method: "upsert",
			About: "April circulation and one March correction, for a dataset another publisher shared with the demo user as an editor.",
			Rows:  5, Existing: 1,
			Content: lines(
				"record_id,branch,month,checkouts,renewals,digital_share",
				"B1-2024-04,Main Street Branch,2024-04-01,2480,701,25.5",
				"B2-2024-04,Riverside Branch,2024-04-01,2903,770,28.5",
				"B3-2024-04,Elm Hill Branch,2024-04-01,3301,841,31.5",
				"B4-2024-04,Harbor Branch,2024-04-01,3699,912,34.5",
				"B2-2024-03,Riverside Branch,2024-03-01,2810,746,27.5",
			),
		},
	}
}

func lines(ls ...string) string { return strings.Join(ls, "\r\n") + "\r\n" }

// WriteSamples writes the sample files into dir, creating it if needed,
// and returns their paths. Each file is written to a temporary name and
// renamed, so a failure never leaves a half-written sample behind; the
// big generated file is streamed to disk, never held in memory.
func WriteSamples(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create sample directory: %w", err)
	}
	var paths []string
	for _, f := range SampleFiles() {
		path, err := writeFileAtomic(dir, f.Name, func(w io.Writer) error {
			_, err := f.WriteTo(w)
			return err
		})
		if err != nil {
			return paths, fmt.Errorf("write sample: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}
