package socratatest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
)

// A test starts a sample portal, signs in with the demo account's
// generated API key, and upserts a row.
func Example() {
	srv := socratatest.NewServer(socratatest.WithSamples())
	defer srv.Close()
	demo := srv.Portal.Demo()

	body := `[{"record_id": "P01-2024-07", "park_id": "P01", "visitors": "16430", "report_date": "2024-08-05"}]`
	req, _ := http.NewRequest("POST", srv.URL+"/resource/"+socratatest.ParkVisitsID+".json", strings.NewReader(body))
	req.SetBasicAuth(demo.KeyID, demo.KeySecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var result map[string]any
	json.NewDecoder(resp.Body).Decode(&result)
	fmt.Println(resp.StatusCode, result["rows_created"], result["rows_updated"])

	rows := srv.Portal.Rows(socratatest.ParkVisitsID)
	fmt.Println(len(rows), rows[len(rows)-1]["report_date"])
	// Output:
	// 200 1 0
	// 31 2024-08-05T00:00:00.000
}

// A command can serve a portal on any address with its Handler.
func ExamplePortal_Handler() {
	p := socratatest.NewPortal(socratatest.WithSamples(), socratatest.WithGeneratedDatasets(100))
	defer p.Close()
	server := &http.Server{Addr: "127.0.0.1:8080", Handler: p.Handler()}
	_ = server // server.ListenAndServe() in a real command
	fmt.Println(p.Domain(), p.Demo().UserID)
	// Output: data.ct.gov demo-pub1
}

// Faults make a test portal fail the way real ones do.
func ExamplePortal_FailNext() {
	srv := socratatest.NewServer(socratatest.WithSamples())
	defer srv.Close()
	srv.Portal.FailNext(1, socratatest.Matching("GET", "/api/catalog/"), socratatest.RateLimited(2))
	for i := 0; i < 2; i++ {
		resp, err := srv.Client().Get(srv.URL + "/api/catalog/v1?q=salt")
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Output:
	// 429 2
	// 200
}
