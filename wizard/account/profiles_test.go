package account

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ctopendata/socrata-wizard/socrata"
)

func TestConfigDir(t *testing.T) {
	got, err := ConfigDir(func(k string) string {
		if k == ConfigDirEnv {
			return "/tmp/elsewhere"
		}
		return ""
	})
	if err != nil || got != "/tmp/elsewhere" {
		t.Errorf("ConfigDir with %s = %q, %v", ConfigDirEnv, got, err)
	}
	got, err = ConfigDir(func(string) string { return "" })
	if err == nil && filepath.Base(got) != "socrata-wizard" {
		t.Errorf("default ConfigDir = %q, want .../socrata-wizard", got)
	}
}

func TestProfilesMissingFileIsEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not-yet")
	ps, err := LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.List()) != 0 {
		t.Error("a missing index is not empty")
	}
	if _, err := ps.Find(""); err == nil || !strings.Contains(err.Error(), "socrata-wizard login") {
		t.Errorf("Find on no profiles: %v", err)
	}
}

func TestProfilesRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	ps, err := LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ps.put(Profile{Domain: "Data.CT.gov", Login: "KeyId1", Kind: socrata.APIKey, DisplayName: "Jane", Role: "publisher", UserID: "ab12-cd34", VerifiedAt: t0})
	ps.put(Profile{Domain: "data.ct.gov", Login: "jane@ct.gov", Kind: socrata.Password, VerifiedAt: t0.Add(time.Hour)})
	ps.put(Profile{Domain: "data.example.gov", Login: "KeyId1", Kind: socrata.APIKey, VerifiedAt: t0.Add(2 * time.Hour)})
	if err := ps.save(); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(ps.filePath())
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if info.Mode().Perm() != 0o600 {
			t.Errorf("index mode = %v, want 0600", info.Mode().Perm())
		}
		if d, _ := os.Stat(dir); d.Mode().Perm() != 0o700 {
			t.Errorf("config dir mode = %v, want 0700", d.Mode().Perm())
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	again, err := LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	list := again.List()
	if len(list) != 3 {
		t.Fatalf("loaded %d profiles, want 3", len(list))
	}
	first := list[0]
	if first.Name() != "KeyId1@data.ct.gov" || !first.Default || first.Kind != socrata.APIKey ||
		first.DisplayName != "Jane" || first.Role != "publisher" || first.UserID != "ab12-cd34" || !first.VerifiedAt.Equal(t0) {
		t.Errorf("first profile = %+v, want the first one put, as default, with every field kept", first)
	}
	if list[1].Name() != "KeyId1@data.example.gov" {
		t.Errorf("after the default, the most recently verified comes first: %v", list[1].Name())
	}
}

func TestProfilesPutDedupesAndDefaults(t *testing.T) {
	ps, _ := LoadProfiles(t.TempDir())
	ps.put(Profile{Domain: "data.ct.gov", Login: "a", Kind: socrata.APIKey, Role: "viewer"})
	ps.put(Profile{Domain: "data.ct.gov", Login: "b", Kind: socrata.APIKey})
	ps.put(Profile{Domain: "DATA.CT.GOV", Login: "a", Kind: socrata.APIKey, Role: "publisher"})
	if n := len(ps.List()); n != 2 {
		t.Fatalf("%d profiles after re-putting one, want 2", n)
	}
	a, _ := ps.FindLogin("data.ct.gov", "a")
	if a.Role != "publisher" || !a.Default {
		t.Errorf("re-put profile = %+v: want the new role and the default kept", a)
	}
	if _, ok := ps.FindLogin("data.ct.gov", "A"); ok {
		t.Error("logins (API key ids) must compare with case")
	}
	ps.put(Profile{Domain: "data.ct.gov", Login: "b", Kind: socrata.APIKey, Default: true})
	if d, _ := ps.defaultProfile(); d.Login != "b" {
		t.Errorf("default = %q, want b", d.Login)
	}
	defaults := 0
	for _, p := range ps.List() {
		if p.Default {
			defaults++
		}
	}
	if defaults != 1 {
		t.Errorf("%d defaults, want exactly 1", defaults)
	}
}

func TestProfilesFind(t *testing.T) {
	ps, _ := LoadProfiles(t.TempDir())
	ps.put(Profile{Domain: "data.ct.gov", Login: "jane@ct.gov", Kind: socrata.Password})
	ps.put(Profile{Domain: "data.ct.gov", Login: "key1", Kind: socrata.APIKey})
	ps.put(Profile{Domain: "data.example.gov", Login: "key1", Kind: socrata.APIKey})
	tests := []struct {
		name    string
		want    string
		errWith string
	}{
		{"", "jane@ct.gov@data.ct.gov", ""},
		{"jane@ct.gov@data.ct.gov", "jane@ct.gov@data.ct.gov", ""},
		{"key1@DATA.ct.gov", "key1@data.ct.gov", ""},
		{"data.example.gov", "key1@data.example.gov", ""},
		{"data.ct.gov", "", "2 logins are saved for data.ct.gov; name one of them"},
		{"nobody@data.ct.gov", "", "no saved login named"},
		{"data.other.gov", "", "saved logins: jane@ct.gov@data.ct.gov"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ps.Find(tt.name)
			if tt.errWith != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errWith) {
					t.Fatalf("Find(%q) err = %v, want %q", tt.name, err, tt.errWith)
				}
				return
			}
			if err != nil || p.Name() != tt.want {
				t.Errorf("Find(%q) = %q, %v; want %q", tt.name, p.Name(), err, tt.want)
			}
		})
	}
	if err := ps.setDefault("data.example.gov"); err != nil {
		t.Fatal(err)
	}
	if d, _ := ps.defaultProfile(); d.Domain != "data.example.gov" {
		t.Errorf("SetDefault did not move the default: %v", d.Name())
	}
}

func TestProfilesRemovePromotesDefault(t *testing.T) {
	ps, _ := LoadProfiles(t.TempDir())
	t0 := time.Now()
	ps.put(Profile{Domain: "data.ct.gov", Login: "a", VerifiedAt: t0})
	ps.put(Profile{Domain: "data.ct.gov", Login: "b", VerifiedAt: t0.Add(-time.Hour)})
	ps.put(Profile{Domain: "data.ct.gov", Login: "c", VerifiedAt: t0.Add(time.Hour)})
	if !ps.remove("data.ct.gov", "a") {
		t.Fatal("Remove found nothing")
	}
	if ps.remove("data.ct.gov", "a") {
		t.Error("second Remove found something")
	}
	if d, _ := ps.defaultProfile(); d.Login != "c" {
		t.Errorf("default after removing it = %q, want the most recently verified (c)", d.Login)
	}
}

func TestProfilesDamagedFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		errWith []string
	}{
		{"not json", "{\n  \"version\": 1,\n  \"profiles\": [\n    {\"domain\": \"data.ct.gov\",, }\n", []string{"damaged at line 4", "delete it and sign in again"}},
		{"truncated", "{\"version\": 1, \"profiles\": [", []string{"damaged at line 1"}},
		{"bad kind", `{"version":1,"profiles":[{"domain":"data.ct.gov","login":"a","auth":"token"}]}`, []string{"entry 1", "unknown credential kind"}},
		{"no login", `{"version":1,"profiles":[{"domain":"data.ct.gov","auth":"api_key"}]}`, []string{"entry 1 has no domain or login"}},
		{"newer", `{"version":9,"profiles":[]}`, []string{"newer socrata-wizard", "upgrade"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, ProfilesFile)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadProfiles(dir)
			if err == nil {
				t.Fatal("loaded a damaged index")
			}
			for _, want := range append(tt.errWith, path) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if b, _ := os.ReadFile(path); string(b) != tt.content {
				t.Error("loading changed the damaged file")
			}
		})
	}
}

func TestProfilesFixesDefaultsEditedByHand(t *testing.T) {
	dir := t.TempDir()
	content := `{"version":1,"profiles":[
	 {"domain":"data.ct.gov","login":"a","auth":"api_key","default":true},
	 {"domain":"data.ct.gov","login":"b","auth":"api_key","default":true}]}`
	if err := os.WriteFile(filepath.Join(dir, ProfilesFile), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	ps, err := LoadProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := ps.defaultProfile(); d.Login != "a" {
		t.Errorf("default = %q, want the first marked one", d.Login)
	}
	if b, _ := ps.FindLogin("data.ct.gov", "b"); b.Default {
		t.Error("two defaults survived loading")
	}
}
