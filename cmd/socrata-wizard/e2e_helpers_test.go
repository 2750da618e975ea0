package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// The end-to-end tests run the real binary as a subprocess against a
// socratatest portal that the test itself serves on loopback, with the
// config directory, HOME, the XDG directories and TMPDIR pointed at
// temporary folders, so that everything the program writes can be found
// and searched afterwards. Each fixture's secrets are made with
// crypto/rand when the test runs; none is written in this file.

// testTimeout bounds one run of the binary, so that a program waiting
// for input it will never get fails the test instead of hanging it.
const testTimeout = 30 * time.Second

// requireKeyringEnv makes the tests fail rather than skip the keyring
// paths when no keyring answers; CI sets it (see .ci/run).
const requireKeyringEnv = "SOCRATA_WIZARD_REQUIRE_KEYRING"

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds socrata-wizard once per test run and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "socrata-wizard-e2e-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "socrata-wizard")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		cmd := exec.Command("go", "build", "-ldflags", "-X main.version=e2e-test", "-o", binPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// randomHex is n random bytes in hex: the tests' secrets.
func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// The fixture's dataset: a small table owned by the fixture's user, with
// a row identifier, a number, a checkbox and a calendar date.
const (
	e2eDatasetID   = "ewiz-e2e1"
	e2eDatasetName = "E2E Site Visits"
)

// cleanCSV updates R2 and adds R4 and R5; every value is valid.
const cleanCSV = "record_id,site,visitors,open,report_date\n" +
	"R2,North Gate,250,true,2024-07-02\n" +
	"R4,East Field,75,false,2024-07-03\n" +
	"R5,West Dock,1200,true,2024-07-04\n"

// badCSV has one bad date, on line 3.
const badCSV = "record_id,site,visitors,open,report_date\n" +
	"R6,South Hill,10,true,2024-07-05\n" +
	"R7,Old Mill,20,false,July 4th\n" +
	"R8,Bay Road,30,true,2024-07-06\n"

// testAccount is one user's sign-in on the fixture's portal, all generated.
type testAccount struct {
	UserID, Name       string
	KeyID, KeySecret   string
	Email, Password    string
	AppToken           string
	BasicKey, BasicPwd string // base64 of id:secret and email:password
}

// fixture is a portal, a user with generated secrets, a dataset, and the
// folders the program is given.
type fixture struct {
	t   *testing.T
	srv *socratatest.Server
	acc testAccount

	root      string // everything the program may write lives under here
	configDir string // SOCRATA_WIZARD_CONFIG_DIR
	home      string
	xdg       map[string]string // XDG_CONFIG_HOME and friends
	tmp       string            // TMPDIR
	data      string            // CSV files, job files, exports

	// keyring is true when the OS keyring answers, so that logins are
	// kept; otherwise headless commands get the secret from the
	// environment.
	keyring bool

	mu       sync.Mutex
	captured []capture // every stdout and stderr of every run
	written  []capture // files under root, as they were at each snapshot
}

// capture is what one run printed.
type capture struct {
	what string
	text string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, root: t.TempDir()}
	f.srv = socratatest.NewServer()
	t.Cleanup(f.srv.Close)

	spec := f.srv.Portal.AddUser(socratatest.UserSpec{
		DisplayName: "Erin Endtoend",
		Email:       "erin.e2e@example.org",
		Password:    "pw-" + randomHex(t, 16),
		Role:        "publisher",
		KeyID:       "kid" + randomHex(t, 8),
		KeySecret:   "ks-" + randomHex(t, 20),
	})
	f.acc = testAccount{
		UserID: spec.ID, Name: spec.DisplayName,
		KeyID: spec.KeyID, KeySecret: spec.KeySecret,
		Email: spec.Email, Password: spec.Password,
		AppToken: "at-" + randomHex(t, 12),
	}
	f.acc.BasicKey = base64.StdEncoding.EncodeToString([]byte(spec.KeyID + ":" + spec.KeySecret))
	f.acc.BasicPwd = base64.StdEncoding.EncodeToString([]byte(spec.Email + ":" + spec.Password))

	err := f.srv.Portal.AddDataset(socratatest.DatasetSpec{
		ID:    e2eDatasetID,
		Name:  e2eDatasetName,
		Owner: spec.ID,
		Columns: []socratatest.ColumnSpec{
			{FieldName: "record_id", Name: "Record ID", Type: "text"},
			{FieldName: "site", Name: "Site", Type: "text"},
			{FieldName: "visitors", Name: "Visitors", Type: "number"},
			{FieldName: "open", Name: "Open", Type: "checkbox"},
			{FieldName: "report_date", Name: "Report Date", Type: "calendar_date"},
		},
		RowIdentifier: "record_id",
		Rows: []map[string]string{
			{"record_id": "R1", "site": "Main Lot", "visitors": "100", "open": "true", "report_date": "2024-06-01"},
			{"record_id": "R2", "site": "North Gate", "visitors": "200", "open": "true", "report_date": "2024-06-02"},
			{"record_id": "R3", "site": "Pine Trail", "visitors": "300", "open": "false", "report_date": "2024-06-03"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	// The program creates its config folder itself, with its own mode.
	f.configDir = filepath.Join(f.root, "config")
	f.home = f.mkdir("home")
	f.tmp = f.mkdir("tmp")
	f.data = f.mkdir("data")
	f.xdg = map[string]string{}
	for _, v := range []string{"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"} {
		f.xdg[v] = f.mkdir(strings.ToLower(v))
	}
	f.write("clean.csv", cleanCSV)
	f.write("bad.csv", badCSV)
	f.keyring = keyringWorks(t)
	if f.keyring {
		// A failed test may leave its logins behind; the domain has a
		// random port, so they can only be this fixture's.
		t.Cleanup(func() {
			store := account.NewKeyringStore()
			for _, login := range []string{f.acc.KeyID, f.acc.Email} {
				_ = store.Delete(context.Background(), f.domain(), login)
			}
		})
	}
	return f
}

// keyringWorks probes the OS keyring the way the program will use it.
func keyringWorks(t *testing.T) bool {
	t.Helper()
	err := account.NewKeyringStore().Check(context.Background())
	if err != nil && os.Getenv(requireKeyringEnv) == "1" {
		t.Fatalf("no usable OS keyring although %s=1: %v", requireKeyringEnv, err)
	}
	return err == nil
}

func (f *fixture) mkdir(name string) string {
	f.t.Helper()
	p := filepath.Join(f.root, name)
	if err := os.MkdirAll(p, 0o700); err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) write(name, content string) string {
	f.t.Helper()
	p := filepath.Join(f.data, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// domain is the portal as the program stores it: the canonical form of
// the server's URL.
func (f *fixture) domain() string {
	f.t.Helper()
	d, err := socrata.ParseDomain(f.srv.URL)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(d)
}

// env is the program's whole environment: nothing is inherited but PATH
// and what locates the D-Bus session bus (so the keyring the test probed
// is the keyring the program reaches).
func (f *fixture) env(extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + f.home,
		"TMPDIR=" + f.tmp,
		account.ConfigDirEnv + "=" + f.configDir,
		"LANG=C.UTF-8",
	}
	for k, v := range f.xdg {
		env = append(env, k+"="+v)
	}
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, extra...)
}

// secretEnv hands the API key to a headless command the way a scheduler
// would, for runs without a keyring.
func (f *fixture) secretEnv() []string {
	return []string{account.EnvKeyID + "=" + f.acc.KeyID, account.EnvKeySecret + "=" + f.acc.KeySecret, account.EnvAppToken + "=" + f.acc.AppToken}
}

// result is how one run of the binary ended.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout ---\n%s--- stderr ---\n%s", r.code, r.stdout, r.stderr)
}

// run runs the binary with args, stdin and extra environment variables,
// in the data folder, and records what it printed.
func (f *fixture) run(stdin string, extraEnv []string, args ...string) result {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(f.t), args...)
	cmd.Dir = f.data
	cmd.Env = f.env(extraEnv...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		f.t.Fatalf("run %v: %v", args, err)
	}
	if ctx.Err() != nil {
		f.t.Fatalf("run %v did not finish within %s:\n%s", args, testTimeout, r)
	}
	name := strings.Join(args, " ")
	f.record("stdout of "+name, r.stdout)
	f.record("stderr of "+name, r.stderr)
	return r
}

func (f *fixture) record(what, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.captured = append(f.captured, capture{what, text})
}

// expect checks a run's exit code and that each sentence appears in its
// stdout or stderr (as named by a "stdout:" or "stderr:" prefix).
func expect(t *testing.T, r result, code int, wants ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d:\n%s", r.code, code, r)
	}
	for _, w := range wants {
		where, text := r.stdout+r.stderr, w
		switch {
		case strings.HasPrefix(w, "stdout:"):
			where, text = r.stdout, strings.TrimPrefix(w, "stdout:")
		case strings.HasPrefix(w, "stderr:"):
			where, text = r.stderr, strings.TrimPrefix(w, "stderr:")
		}
		if !strings.Contains(where, text) {
			t.Errorf("output lacks %q:\n%s", w, r)
		}
	}
}

// files lists every regular file under the given roots, by path. A root
// that does not exist has none.
func files(t *testing.T, roots ...string) []string {
	t.Helper()
	var out []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return nil
			}
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// writeJob saves a job for one of the fixture's CSV files, as the wizard
// would: every column mapped onto the field of the same name.
func (f *fixture) writeJob(name, csvFile string) string {
	f.t.Helper()
	job := &wizard.Job{
		Version:       wizard.JobVersion,
		Domain:        f.domain(),
		Auth:          wizard.AuthRef{Kind: socrata.APIKey.String(), Login: f.acc.KeyID},
		Dataset:       e2eDatasetID,
		DatasetName:   e2eDatasetName,
		File:          filepath.Join(f.data, csvFile),
		Method:        wizard.Upsert,
		Route:         wizard.RouteAuto,
		CSV:           wizard.Dialect{Delimiter: ",", Encoding: "utf-8", Header: true},
		RowIdentifier: "record_id",
		Columns: []wizard.ColumnMap{
			{Source: "record_id", Field: "record_id", Type: string(socrata.Text)},
			{Source: "site", Field: "site", Type: string(socrata.Text)},
			{Source: "visitors", Field: "visitors", Type: string(socrata.Number)},
			{Source: "open", Field: "open", Type: string(socrata.Checkbox)},
			{Source: "report_date", Field: "report_date", Type: string(socrata.FloatingTimestamp), Formats: []string{"yyyy-MM-dd"}},
		},
	}
	p := filepath.Join(f.data, name)
	if err := wizard.SaveJob(p, job); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// snapshot keeps the content of every file under the fixture's root as it
// is now, so that a file later rewritten or removed (the login index after
// logout, a checkpoint after a finished upload) is still searched.
func (f *fixture) snapshot() {
	f.t.Helper()
	for _, p := range files(f.t, f.root) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.t.Fatal(err)
		}
		f.written = append(f.written, capture{p, string(data)})
	}
}
