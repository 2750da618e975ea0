package socrata_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
)

func TestParseDomain(t *testing.T) {
	tests := []struct {
		in       string
		want     socrata.Domain
		base     string
		loopback bool
	}{
		{"data.ct.gov", "data.ct.gov", "https://data.ct.gov", false},
		{"  data.ct.gov  ", "data.ct.gov", "https://data.ct.gov", false},
		{"DATA.CT.GOV", "data.ct.gov", "https://data.ct.gov", false},
		{"https://data.ct.gov/", "data.ct.gov", "https://data.ct.gov", false},
		{"HTTPS://Data.CT.gov", "data.ct.gov", "https://data.ct.gov", false},
		{"https://data.ct.gov:443/", "data.ct.gov", "https://data.ct.gov", false},
		{"https://data.ct.gov:8443", "data.ct.gov:8443", "https://data.ct.gov:8443", false},
		{"data.ct.gov.", "data.ct.gov", "https://data.ct.gov", false},
		{"https://data.ct.gov/d/abcd-1234", "data.ct.gov", "https://data.ct.gov", false},
		{"https://data.ct.gov/Health/Some-Name/abcd-1234", "data.ct.gov", "https://data.ct.gov", false},
		{"https://data.ct.gov/resource/abcd-1234.json?$limit=5", "data.ct.gov", "https://data.ct.gov", false},
		{"data.ct.gov/browse?q=permits#top", "data.ct.gov", "https://data.ct.gov", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"127.0.0.1:8080", "http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"http://127.3.2.1:9", "http://127.3.2.1:9", "http://127.3.2.1:9", true},
		{"http://localhost:5000/d/abcd-1234", "http://localhost:5000", "http://localhost:5000", true},
		{"http://LOCALHOST:5000", "http://localhost:5000", "http://localhost:5000", true},
		{"http://[::1]:8080", "http://[::1]:8080", "http://[::1]:8080", true},
		{"[::1]:8080", "http://[::1]:8080", "http://[::1]:8080", true},
		{"::1", "http://[::1]", "http://[::1]", true},
		{"http://localhost:80", "http://localhost", "http://localhost", true},
		{"https://localhost:8443", "https://localhost:8443", "https://localhost:8443", true},
		{"https://203.0.113.7", "203.0.113.7", "https://203.0.113.7", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := socrata.ParseDomain(tt.in)
			if err != nil {
				t.Fatalf("ParseDomain(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseDomain(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got.BaseURL() != tt.base {
				t.Errorf("BaseURL() = %q, want %q", got.BaseURL(), tt.base)
			}
			if got.Loopback() != tt.loopback {
				t.Errorf("Loopback() = %v, want %v", got.Loopback(), tt.loopback)
			}
			// The canonical form parses to itself.
			again, err := socrata.ParseDomain(string(got))
			if err != nil || again != got {
				t.Errorf("ParseDomain(%q) = %q, %v; want it unchanged", got, again, err)
			}
		})
	}
}

func TestDomainHost(t *testing.T) {
	for in, want := range map[socrata.Domain]string{
		"data.ct.gov":           "data.ct.gov",
		"data.ct.gov:8443":      "data.ct.gov:8443",
		"http://127.0.0.1:8080": "127.0.0.1:8080",
		"https://localhost:1":   "localhost:1",
		"http://[::1]:8080":     "[::1]:8080",
	} {
		if got := in.Host(); got != want {
			t.Errorf("Domain(%q).Host() = %q, want %q", in, got, want)
		}
	}
}

func TestParseDomainRejects(t *testing.T) {
	tests := []struct {
		in string
		// sentinel the error must wrap
		is error
		// words the message must contain
		says string
	}{
		{"", socrata.ErrBadDomain, "enter the portal's address"},
		{"   ", socrata.ErrBadDomain, "enter the portal's address"},
		{"data ct gov", socrata.ErrBadDomain, "spaces"},
		{"data.ct.gov /d/x", socrata.ErrBadDomain, "spaces"},
		{"https://", socrata.ErrBadDomain, "no host name"},
		{"http://", socrata.ErrBadDomain, "no host name"},
		{"jane.analyst@ct.gov", socrata.ErrBadDomain, "email address"},
		{"https://jane:hunter2@data.ct.gov", socrata.ErrBadDomain, "user name or password"},
		{"ftp://data.ct.gov", socrata.ErrBadDomain, "https://"},
		{"datactgov", socrata.ErrBadDomain, "dot"},
		{"data..ct.gov", socrata.ErrBadDomain, "two dots"},
		{"-data.ct.gov", socrata.ErrBadDomain, "hyphen"},
		{"data_ct.gov", socrata.ErrBadDomain, "character"},
		{"data.ct.gov:99999", socrata.ErrBadDomain, "port"},
		{"data.ct.gov:abc", socrata.ErrBadDomain, "not a web address"},
		{"data.ct.gov:", socrata.ErrBadDomain, "no port number"},
		{"http://data.ct.gov", socrata.ErrInsecure, "https://data.ct.gov"},
		{"http://data.ct.gov/d/abcd-1234", socrata.ErrInsecure, "use https"},
		{"http://192.168.1.10:8080", socrata.ErrInsecure, "https://192.168.1.10:8080"},
		{"http://10.0.0.1", socrata.ErrInsecure, "unencrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := socrata.ParseDomain(tt.in)
			if err == nil {
				t.Fatalf("ParseDomain(%q) = %q, want an error", tt.in, got)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q repeats the password", err)
			}
		})
	}
}

func TestParseDatasetRef(t *testing.T) {
	tests := []struct {
		in     string
		domain socrata.Domain
		id     socrata.DatasetID
	}{
		{"abcd-1234", "", "abcd-1234"},
		{"  abcd-1234\n", "", "abcd-1234"},
		{"ABCD-1234", "", "abcd-1234"},
		{"https://data.ct.gov/d/abcd-1234", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/d/abcd-1234/", "data.ct.gov", "abcd-1234"},
		{"data.ct.gov/d/abcd-1234", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/resource/abcd-1234.json", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/resource/abcd-1234.csv", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/resource/abcd-1234.json?$limit=5&$order=:id", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/resource/abcd-1234", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/api/views/abcd-1234.json", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/api/views/abcd-1234/rows.csv?accessType=DOWNLOAD", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/Health-and-Human-Services/Some-Name/abcd-1234", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/Health/Some-Name/abcd-1234/about_data", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/Health/Some-Name/abcd-1234?category=Health&view_name=x", "data.ct.gov", "abcd-1234"},
		{"https://DATA.CT.GOV/Health/Some-Name/ABCD-1234", "data.ct.gov", "abcd-1234"},
		{"https://data.ct.gov/d/abcd-1234#rows", "data.ct.gov", "abcd-1234"},
		{"http://127.0.0.1:8080/d/wxyz-9876", "http://127.0.0.1:8080", "wxyz-9876"},
		{"http://[::1]:8080/resource/wxyz-9876.json", "http://[::1]:8080", "wxyz-9876"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, id, err := socrata.ParseDatasetRef(tt.in)
			if err != nil {
				t.Fatalf("ParseDatasetRef(%q): %v", tt.in, err)
			}
			if d != tt.domain || id != tt.id {
				t.Errorf("ParseDatasetRef(%q) = %q, %q; want %q, %q", tt.in, d, id, tt.domain, tt.id)
			}
		})
	}
}

func TestParseDatasetRefRejects(t *testing.T) {
	tests := []struct {
		in   string
		is   error
		says string
	}{
		{"", socrata.ErrBadDatasetRef, "enter a dataset id"},
		{"abcd1234", socrata.ErrBadDatasetRef, "abcd-1234"},
		{"abcd-12345", socrata.ErrBadDatasetRef, "neither"},
		{"permits", socrata.ErrBadDatasetRef, "neither"},
		{"https://data.ct.gov/browse?q=permits", socrata.ErrBadDatasetRef, "no dataset id"},
		{"https://data.ct.gov/", socrata.ErrBadDatasetRef, "no dataset id"},
		{"http://data.ct.gov/d/abcd-1234", socrata.ErrInsecure, "https"},
		{"https:///d/abcd-1234", socrata.ErrBadDomain, "no host name"},
		{"data ct gov/d/abcd-1234", socrata.ErrBadDomain, "spaces"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, id, err := socrata.ParseDatasetRef(tt.in)
			if err == nil {
				t.Fatalf("ParseDatasetRef(%q) = %q, %q; want an error", tt.in, d, id)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

func TestParseDatasetID(t *testing.T) {
	for in, ok := range map[string]bool{
		"abcd-1234": true, "a1b2-c3d4": true, "ABCD-1234": false, "abcd1234": false,
		"abc-1234": false, "abcd-12345": false, "": false, "abcd_1234": false,
	} {
		_, err := socrata.ParseDatasetID(in)
		if (err == nil) != ok {
			t.Errorf("ParseDatasetID(%q) error = %v, want ok=%v", in, err, ok)
		}
	}
}
