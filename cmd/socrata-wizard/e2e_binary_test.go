package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// TestBinaryCommands runs the built binary through a publisher's headless
// day: sign in, look around, check a file, send it, export the job, sign
// out. Each step asserts the exit code and the sentences a person or a
// script relies on.
func TestBinaryCommands(t *testing.T) {
	f := newFixture(t)
	cleanJob := f.writeJob("clean.job.json", "clean.csv")
	badJob := f.writeJob("bad.job.json", "bad.csv")
	url := f.srv.URL

	t.Run("no account needed", func(t *testing.T) {
		tests := []struct {
			name  string
			stdin string
			args  []string
			code  int
			wants []string
		}{
			{"--version", "", []string{"--version"}, exitOK, []string{"stdout:socrata-wizard e2e-test"}},
			{"version", "", []string{"version"}, exitOK, []string{"stdout:socrata-wizard e2e-test"}},
			{"help", "", []string{"help"}, exitOK, []string{"stdout:Usage: socrata-wizard [command]", "stdout:  login ", "stdout:  run ", "stdout:  export "}},
			{"unknown command", "", []string{"frobnicate"}, exitUsage, []string{`stderr:unknown command "frobnicate"`, "stderr:Usage: socrata-wizard"}},
			{"unknown flag", "", []string{"whoami", "--bogus"}, exitUsage, []string{"stderr:flag provided but not defined: -bogus"}},
			{"wizard without a terminal", "", []string{"start"}, exitUsage, []string{"stderr:the wizard needs a terminal", "stderr:headless commands"}},
			{"login secret on the command line", "", []string{"login", "--domain", url, "--key-id", f.acc.KeyID}, exitUsage, []string{"stderr:never from the command line", "stderr:--secret-stdin"}},
			{"login with empty stdin", "", []string{"login", "--domain", url, "--key-id", f.acc.KeyID, "--secret-stdin"}, exitFailed, []string{"stderr:Standard input is empty: pipe the key secret or password in"}},
			{"login with a wrong secret", "wrong-" + randomHex(t, 8) + "\n", []string{"login", "--domain", url, "--key-id", f.acc.KeyID, "--secret-stdin"}, exitFailed, []string{"stderr:did not accept these credentials"}},
			{"login to plain http elsewhere", f.acc.KeySecret + "\n", []string{"login", "--domain", "http://example.org", "--key-id", f.acc.KeyID, "--secret-stdin"}, exitFailed, []string{"stderr:use https://example.org"}},
			{"check without a job", "", []string{"check"}, exitUsage, []string{"stderr:Check takes one job file"}},
			{"check a missing job", "", []string{"check", filepath.Join(f.data, "nope.job.json")}, exitFailed, []string{"stderr:nope.job.json cannot be used: there is no such file"}},
			{"export to an unknown tool", "", []string{"export", cleanJob, "--to", "excel"}, exitUsage, []string{"stderr:--to must be datasync, socrata-py or rsocrata"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				expect(t, f.run(tt.stdin, nil, tt.args...), tt.code, tt.wants...)
			})
		}
		if got := files(t, f.configDir); len(got) != 0 {
			t.Errorf("failed logins wrote files into the config folder: %v", got)
		}
	})

	t.Run("login", func(t *testing.T) {
		r := f.run(f.acc.KeySecret+"\n", nil, "login", "--domain", url, "--key-id", f.acc.KeyID, "--secret-stdin")
		if f.keyring {
			expect(t, r, exitOK, "stdout:Signed in as Erin Endtoend (publisher) on "+f.domain(), "stdout:the secret is in the OS keyring")
			assertProfilesFile(t, f)
		} else {
			expect(t, r, exitFailed, "stderr:Signed in as Erin Endtoend (publisher) on "+f.domain()+", but the login could not be saved.", "stderr:Cannot save the secret in the OS keyring", "stderr:"+account.EnvKeyID)
			if got := files(t, f.configDir); len(got) != 0 {
				t.Errorf("a login the keyring refused left files behind: %v", got)
			}
		}
	})

	t.Run("whoami", func(t *testing.T) {
		r := f.run("", nil, "whoami")
		if f.keyring {
			expect(t, r, exitOK, "stdout:Signed in as Erin Endtoend (publisher) on "+f.domain(), "stdout:Credentials from the OS keyring.")
		} else {
			expect(t, r, exitFailed, "stderr:No saved login", "stderr:socrata-wizard login")
		}
		r = f.run("", f.secretEnv(), "whoami", "--domain", url)
		expect(t, r, exitOK, "stdout:Signed in as Erin Endtoend (publisher)", "stdout:Credentials from environment variables.")
		r = f.run("", []string{account.EnvUsername + "=" + f.acc.Email, account.EnvPassword + "=" + f.acc.Password}, "whoami", "--domain", url)
		expect(t, r, exitOK, "stdout:Signed in as Erin Endtoend (publisher)", "stdout:Credentials from environment variables.")
		if !f.keyring {
			// Without a saved login the environment alone names no portal.
			r = f.run("", f.secretEnv(), "whoami")
			expect(t, r, exitFailed, "stderr:SOCRATA_KEY_ID and SOCRATA_KEY_SECRET are set, but they do not say which portal they are for: add --domain")
		}
		r = f.run("", []string{account.EnvKeyID + "=" + f.acc.KeyID, account.EnvKeySecret + "=wrong-" + randomHex(t, 8)}, "whoami", "--domain", url)
		expect(t, r, exitFailed, "stderr:did not accept these credentials")
	})

	t.Run("datasets --json", func(t *testing.T) {
		args := []string{"datasets", "--json"}
		var env []string
		if !f.keyring {
			args, env = append(args, "--domain", url), f.secretEnv()
		}
		r := f.run("", env, args...)
		expect(t, r, exitOK)
		var got struct {
			Total    int `json:"total"`
			Datasets []struct {
				ID      string   `json:"id"`
				Name    string   `json:"name"`
				Access  string   `json:"access"`
				Columns []string `json:"columns"`
				Link    string   `json:"link"`
			} `json:"datasets"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("datasets --json is not JSON: %v\n%s", err, r)
		}
		if got.Total != 1 || len(got.Datasets) != 1 {
			t.Fatalf("want the one dataset the user owns, got %+v", got)
		}
		d := got.Datasets[0]
		want := []string{"record_id", "site", "visitors", "open", "report_date"}
		if d.ID != e2eDatasetID || d.Name != e2eDatasetName || d.Access != "owned" || !reflect.DeepEqual(d.Columns, want) || d.Link != url+"/d/"+e2eDatasetID {
			t.Errorf("dataset listed as %+v", d)
		}
		r = f.run("", env, append(args, "--mine", "--shared")...)
		expect(t, r, exitUsage, "stderr:--mine and --shared exclude each other")
	})

	t.Run("check", func(t *testing.T) {
		expect(t, f.run("", nil, "check", badJob), exitFailed,
			"stdout:Checked bad.csv: 3 rows", `stdout:line 3: "July 4th" does not match the date format yyyy-MM-dd`, "stdout:1 of 3 rows cannot be sent.")
		expect(t, f.run("", nil, "check", cleanJob), exitOK,
			"stdout:Checked clean.csv: 3 rows", "stdout:No problems found: every value can be sent.")
		r := f.run("", nil, "check", badJob, "--json")
		expect(t, r, exitFailed)
		var rep wizard.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("check --json is not a report: %v\n%s", err, r)
		}
		if rep.Rows != 3 || rep.BadRows != 1 || len(rep.Columns) == 0 {
			t.Errorf("check --json: %d rows, %d bad", rep.Rows, rep.BadRows)
		}
		if before := f.srv.Portal.Rows(e2eDatasetID); len(before) != 3 {
			t.Errorf("check changed the dataset: %v", before)
		}
	})

	t.Run("run", func(t *testing.T) {
		// With a keyring the job finds its login there, as from cron;
		// without one the scheduler passes the secret in the environment.
		var env []string
		source := "the OS keyring"
		if !f.keyring {
			env, source = f.secretEnv(), "environment variables"
		}
		r := f.run("", env, "run", cleanJob)
		expect(t, r, exitOK, "stderr:Job clean.job.json: upsert "+e2eDatasetID, "stderr:credentials from "+source,
			"stdout:Created 2 rows, updated 1, deleted 0, rejected 0.", "stdout:Dataset: "+url+"/d/"+e2eDatasetID)
		assertRows(t, f, map[string]string{
			"R1": "Main Lot|100|true|2024-06-01", "R2": "North Gate|250|true|2024-07-02", "R3": "Pine Trail|300|false|2024-06-03",
			"R4": "East Field|75|false|2024-07-03", "R5": "West Dock|1200|true|2024-07-04",
		})

		// The bad row is held back, said so, and the run fails.
		r = f.run("", env, "run", badJob)
		expect(t, r, exitFailed, "stdout:Created 2 rows, updated 0, deleted 0, rejected 1.", "stdout:Rejected rows were written to")
		assertRows(t, f, map[string]string{
			"R1": "Main Lot|100|true|2024-06-01", "R2": "North Gate|250|true|2024-07-02", "R3": "Pine Trail|300|false|2024-06-03",
			"R4": "East Field|75|false|2024-07-03", "R5": "West Dock|1200|true|2024-07-04",
			"R6": "South Hill|10|true|2024-07-05", "R8": "Bay Road|30|true|2024-07-06",
		})

		// A run whose credentials are nowhere says how to give them.
		if !f.keyring {
			expect(t, f.run("", nil, "run", cleanJob), exitFailed, "stderr:"+account.EnvKeySecret)
		}
	})

	t.Run("export", func(t *testing.T) {
		tests := []struct {
			to    string
			files []string
			note  bool
		}{
			{"datasync", []string{"clean.sij", "clean_control.json"}, false},
			{"socrata-py", []string{"clean_socrata.py"}, true},
			{"rsocrata", []string{"clean_rsocrata.R"}, true},
		}
		for _, tt := range tests {
			t.Run(tt.to, func(t *testing.T) {
				r := f.run("", nil, "export", cleanJob, "--to", tt.to)
				expect(t, r, exitOK)
				listed := strings.Fields(r.stdout)
				for _, name := range tt.files {
					p := filepath.Join(f.data, name)
					if _, err := os.Stat(p); err != nil {
						t.Errorf("export --to %s did not write %s: %v", tt.to, name, err)
					}
					if !slices.Contains(listed, p) {
						t.Errorf("export --to %s does not list %s:\n%s", tt.to, p, r)
					}
				}
				if tt.note && !strings.HasPrefix(r.stderr, "Note: ") {
					t.Errorf("export --to %s says nothing of what the other tool does differently:\n%s", tt.to, r)
				}
			})
		}
	})

	t.Run("logout", func(t *testing.T) {
		r := f.run("", nil, "logout")
		if !f.keyring {
			expect(t, r, exitFailed, "stderr:No saved login")
			return
		}
		expect(t, r, exitOK, "stdout:Forgot "+f.acc.KeyID+"@"+f.domain(), "stdout:removed from the OS keyring")
		_, err := account.NewKeyringStore().Get(context.Background(), f.domain(), f.acc.KeyID)
		if !errors.Is(err, account.ErrNoSecret) {
			t.Errorf("after logout the keyring still answers for the login: %v", err)
		}
		expect(t, f.run("", nil, "whoami"), exitFailed, "stderr:No saved login")
		expect(t, f.run("", nil, "logout"), exitFailed, "stderr:No saved login")
	})
}

// assertProfilesFile checks that the login index exists, is private to
// its owner, and names the login.
func assertProfilesFile(t *testing.T, f *fixture) {
	t.Helper()
	p := filepath.Join(f.configDir, account.ProfilesFile)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatalf("login did not write %s: %v", p, err)
	}
	if mode := st.Mode().Perm(); mode != 0o600 {
		t.Errorf("%s has mode %o, want 600", p, mode)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), f.acc.KeyID) {
		t.Errorf("%s does not name the login:\n%s", p, data)
	}
}

// assertRows compares the dataset with want, record id to
// "site|visitors|open|date".
func assertRows(t *testing.T, f *fixture, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, r := range f.srv.Portal.Rows(e2eDatasetID) {
		got[r["record_id"]] = strings.Join([]string{r["site"], r["visitors"], r["open"], strings.TrimSuffix(r["report_date"], "T00:00:00.000")}, "|")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dataset rows differ from the file:\n got %v\nwant %v", sorted(got), sorted(want))
	}
}

func sorted(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
