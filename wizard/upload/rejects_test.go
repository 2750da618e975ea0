package upload

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/wizard"
)

// TestRejectedFilesAlike checks that the check and an upload of the same
// file write the same rejected-rows file, byte for byte: short rows padded
// so that their reason stands under "problem", long rows kept whole, and
// the data file's mode.
func TestRejectedFilesAlike(t *testing.T) {
	e := newUploadEnv(t, envOptions{})
	path := filepath.Join(e.dir, "permits.csv")
	data := "permit_id,holder,fee,issued,paid\n" +
		"P-1,Ann,10.50,2024-01-02,true\n" +
		"P-2,Bob,\"1,5\",2024-01-03,maybe\n" + // two bad values
		"P-3,Cy\n" + // too few fields
		"P-4,Di,12,2024-01-05,false,extra\n" + // too many
		"P-5,Ed,13,2024-01-06,false\n"
	if err := os.WriteFile(path, []byte(data), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	f, job := e.open(path, wizard.Upsert)
	plan, err := wizard.NewPlan(job, f.Header)
	if err != nil {
		t.Fatal(err)
	}

	rep, err := wizard.Validate(context.Background(), f, plan, wizard.ValidateOptions{WriteRejects: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rejected != wizard.RejectedPath(path) {
		t.Fatalf("the check wrote its rejected rows to %q, want %q", rep.Rejected, wizard.RejectedPath(path))
	}
	fromCheck, err := os.ReadFile(rep.Rejected)
	if err != nil {
		t.Fatal(err)
	}
	checkInfo, _ := os.Stat(rep.Rejected)

	uploadPath := filepath.Join(e.dir, "upload.rejected.csv")
	res, err := Run(context.Background(), e.c, e.ds, f, job, Options{RejectedPath: uploadPath})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if res.RejectedFile != uploadPath || res.Rejected != 3 {
		t.Fatalf("the upload rejected %d rows into %q, want 3 into %q", res.Rejected, res.RejectedFile, uploadPath)
	}
	fromUpload, err := os.ReadFile(uploadPath)
	if err != nil {
		t.Fatal(err)
	}
	uploadInfo, _ := os.Stat(uploadPath)

	if string(fromCheck) != string(fromUpload) {
		t.Errorf("the check and the upload wrote different files:\ncheck:\n%s\nupload:\n%s", fromCheck, fromUpload)
	}
	recs, err := csvReadAll(string(fromCheck))
	if err != nil {
		t.Fatal(err)
	}
	var shape [][]string
	for _, r := range recs {
		// The reason's wording belongs to the converter; the layout is
		// what is checked here.
		row := append([]string(nil), r...)
		if last := len(row) - 1; last > 0 && row[0] != "line" {
			row[last] = strings.SplitN(row[last], ":", 2)[0]
		}
		shape = append(shape, row)
	}
	want := [][]string{
		{"line", "permit_id", "holder", "fee", "issued", "paid", "problem"},
		{"3", "P-2", "Bob", "1,5", "2024-01-03", "maybe", "fee"},
		{"4", "P-3", "Cy", "", "", "", "line 4 has 2 fields, the header has 5"},
		{"5", "P-4", "Di", "12", "2024-01-05", "false", "extra", "line 5 has 6 fields, the header has 5"},
	}
	if !reflect.DeepEqual(shape, want) {
		t.Errorf("rejected rows (reasons cut at the first colon):\n%q\nwant\n%q", shape, want)
	}
	if len(recs) > 1 && (!strings.Contains(recs[1][6], "fee: ") || !strings.Contains(recs[1][6], "; paid: ")) {
		t.Errorf("row 3's reason %q does not name both bad columns", recs[1][6])
	}
	if runtime.GOOS != "windows" {
		for who, info := range map[string]os.FileInfo{"check": checkInfo, "upload": uploadInfo} {
			if info == nil || info.Mode().Perm() != 0o640 {
				t.Errorf("the %s's rejected-rows file has mode %v, want the data file's 0640", who, info.Mode().Perm())
			}
		}
	}
}

// csvReadAll reads CSV text whose rows may differ in length.
func csvReadAll(s string) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	return r.ReadAll()
}
