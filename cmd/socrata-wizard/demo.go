package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/socrata/socratatest"
	"github.com/ctopendata/socrata-wizard/tui"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// runDemo runs the wizard against the sample portal, on loopback, with
// sample files and an in-memory store: nothing touches a real portal, the
// keyring or the config directory.
func runDemo(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "demo")
	if _, code, ok := parse(fs, args); !ok {
		return code
	}
	srv := socratatest.NewServer(socratatest.WithSamples())
	defer srv.Close()
	dir, err := os.MkdirTemp("", "socrata-wizard-demo-")
	if err != nil {
		return fail(e, fmt.Errorf("make a folder for the sample files: %w", err))
	}
	if _, err := socratatest.WriteSamples(dir); err != nil {
		return fail(e, err)
	}
	ps, err := account.LoadProfiles(dir)
	if err != nil {
		return fail(e, err)
	}
	demo := srv.Portal.Demo()
	deps := tui.Deps{
		Ctx:       ctx,
		Version:   version,
		Store:     &account.MemoryStore{},
		StoreName: "memory for this demo",
		Profiles:  ps,
		Demo:      true,
		FileDir:   dir,
		Preset: &tui.Preset{
			Domain: srv.URL,
			Creds:  socrata.Credentials{Kind: socrata.APIKey, ID: demo.KeyID, Secret: demo.KeySecret},
		},
	}
	code := runTUI(ctx, e, deps)
	fmt.Fprintf(e.stderr, "The sample files, and any job you saved, are in %s\n", dir)
	return code
}
