package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// TestSecretsNeverLeak signs in with generated secrets every way the
// program offers (login from stdin with a key and with a password, the
// wizard's form), saves a job, checks, runs (also failing runs and a wrong
// secret), lists, exports and logs out; then it searches every file under
// the folders the program was given (config, HOME, XDG, TMPDIR, the job
// and export folder), everything every command printed, the wizard's
// terminal output and every screen it drew. The key secret, the password,
// the app token and both HTTP Basic header values appear nowhere.
func TestSecretsNeverLeak(t *testing.T) {
	f := newFixture(t)
	binary(t) // built before HOME moves, so the Go caches stay where they are
	// The in-process wizard gets the same folders as the binary.
	t.Setenv("TMPDIR", f.tmp)
	t.Setenv("HOME", f.home)
	for k, v := range f.xdg {
		t.Setenv(k, v)
	}
	wrongSecret := "wrong-" + randomHex(t, 16)
	url := f.srv.URL
	var keyEnv []string // what a scheduler passes when there is no keyring
	if !f.keyring {
		keyEnv = f.secretEnv()
	}

	// Headless sign-ins: the secret and the password come from stdin, the
	// app token from the environment.
	tokenEnv := []string{account.EnvAppToken + "=" + f.acc.AppToken}
	loginCode := exitOK
	if !f.keyring {
		loginCode = exitFailed
	}
	expect(t, f.run(f.acc.KeySecret+"\n", tokenEnv, "login", "--domain", url, "--key-id", f.acc.KeyID, "--secret-stdin", "--default"), loginCode)
	expect(t, f.run(f.acc.Password+"\n", tokenEnv, "login", "--domain", url, "--username", f.acc.Email, "--secret-stdin"), loginCode)
	expect(t, f.run(wrongSecret+"\n", tokenEnv, "login", "--domain", url, "--key-id", f.acc.KeyID, "--secret-stdin"), exitFailed)
	f.snapshot()

	// The wizard, with the secret typed into the account form.
	f.write("secret.csv", cleanCSV)
	w := startWizard(t, f)
	walk(t, f, w, "secret.csv")
	m, terminal := w.finish()
	if m.Err() != nil {
		t.Fatalf("the wizard did not finish: %v", m.Err())
	}
	f.snapshot()
	jobPath := filepath.Join(f.data, "secret"+wizard.JobFileExt)

	// The same job through the Data Management API, for its requests.
	job, err := wizard.LoadJob(jobPath)
	if err != nil {
		t.Fatal(err)
	}
	job.Route = wizard.RouteDSMAPI
	dsmJob := filepath.Join(f.data, "secret-dsm"+wizard.JobFileExt)
	if err := wizard.SaveJob(dsmJob, job); err != nil {
		t.Fatal(err)
	}
	badJob := f.writeJob("bad.job.json", "bad.csv")

	// Headless commands, succeeding and failing.
	expect(t, f.run("", nil, "check", jobPath), exitOK)
	expect(t, f.run("", nil, "check", badJob, "--json", "--write-rejects"), exitFailed)
	expect(t, f.run("", keyEnv, "run", jobPath), exitOK)
	f.srv.Portal.ResetRequests()
	expect(t, f.run("", keyEnv, "run", dsmJob), exitOK)
	if !usedDSMAPI(f.srv.Portal.Requests()) {
		t.Error("the job routed to the Data Management API never reached it")
	}
	expect(t, f.run("", keyEnv, "run", badJob), exitFailed)
	f.srv.Portal.FailNext(1, socratatest.Matching(http.MethodPost, "/resource/"), socratatest.Fault{Status: http.StatusBadRequest})
	expect(t, f.run("", keyEnv, "run", jobPath), exitFailed)
	expect(t, f.run("", []string{account.EnvKeyID + "=" + f.acc.KeyID, account.EnvKeySecret + "=" + wrongSecret}, "run", jobPath), exitFailed)
	expect(t, f.run("", f.secretEnv(), "whoami", "--domain", url), exitOK)
	expect(t, f.run("", []string{account.EnvUsername + "=" + f.acc.Email, account.EnvPassword + "=" + f.acc.Password}, "whoami", "--domain", url), exitOK)
	expect(t, f.run("", f.secretEnv(), "datasets", "--json", "--domain", url), exitOK)
	expect(t, f.run("", f.secretEnv(), "datasets", "--domain", url), exitOK)
	expect(t, f.run("", f.secretEnv(), "browse", "--domain", url), exitUsage) // no terminal
	for _, to := range []string{"datasync", "socrata-py", "rsocrata"} {
		expect(t, f.run("", nil, "export", jobPath, "--to", to), exitOK)
	}
	if f.keyring {
		expect(t, f.run("", nil, "whoami"), exitOK)
		expect(t, f.run("", nil, "whoami", "--profile", f.acc.Email+"@"+f.domain()), exitOK)
		expect(t, f.run("", nil, "datasets", "--json"), exitOK)
		assertProfilesFile(t, f)
		assertConfigDirMode(t, f)
		f.snapshot()
		expect(t, f.run("", nil, "logout", "--profile", f.acc.Email+"@"+f.domain()), exitOK)
		expect(t, f.run("", nil, "logout"), exitOK)
		for _, login := range []string{f.acc.KeyID, f.acc.Email} {
			if _, err := account.NewKeyringStore().Get(context.Background(), f.domain(), login); err == nil {
				t.Errorf("logout left %s in the keyring", login)
			}
		}
	} else if got := files(t, f.configDir); len(got) != 0 {
		t.Errorf("without a keyring nothing should be saved, but the config folder has %v", got)
	}

	// The search.
	secrets := map[string]string{
		"the key secret":                   f.acc.KeySecret,
		"the password":                     f.acc.Password,
		"the wrong secret tried":           wrongSecret,
		"the Basic header of the key":      f.acc.BasicKey,
		"the Basic header of the password": f.acc.BasicPwd,
		"the app token":                    f.acc.AppToken,
	}
	var found []string
	search := func(where, text string) {
		for name, s := range secrets {
			if strings.Contains(text, s) {
				found = append(found, name+" in "+where)
			}
		}
	}
	f.snapshot()
	if n := len(files(t, f.root)); n < 14 {
		t.Fatalf("only %d files to search; the runs wrote less than expected", n)
	}
	for _, c := range f.written {
		search(c.what, c.text)
	}
	if n := len(f.captured); n < 36 {
		t.Fatalf("only %d outputs captured", n)
	}
	for _, c := range f.captured {
		search(c.what, c.text)
	}
	// The app token is masked while typed, like the secret, so no screen
	// may show it, the account form's included.
	search("the wizard's terminal output", terminal)
	// runTUI prints the trail after the program ends.
	search("the wizard's trail", strings.Join(m.Trail(), "\n"))
	screens := w.frames.drawn()
	for i, v := range screens {
		search(fmt.Sprintf("wizard screen %d", i), ansi.Strip(v))
	}
	for _, fnd := range found {
		t.Errorf("secret found: %s", fnd)
	}
	t.Logf("searched %d file snapshots, %d outputs and %d wizard screens", len(f.written), len(f.captured), len(screens))
}

// assertConfigDirMode checks that the program made its config folder
// private.
func assertConfigDirMode(t *testing.T, f *fixture) {
	t.Helper()
	st, err := os.Stat(f.configDir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := st.Mode().Perm(); mode != 0o700 {
		t.Errorf("config folder %s has mode %o, want 700", f.configDir, mode)
	}
}

// usedDSMAPI reports whether any request went to the Data Management API.
func usedDSMAPI(reqs []socratatest.Request) bool {
	for _, r := range reqs {
		if strings.HasPrefix(r.Path, "/api/publishing/v1/") {
			return true
		}
	}
	return false
}
