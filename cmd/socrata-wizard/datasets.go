package main

import (
	"context"

	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// runBrowse opens the dataset browser alone, signed in with a saved login.
func runBrowse(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "browse")
	login := addLoginFlags(fs)
	if _, code, ok := parse(fs, args); !ok {
		return code
	}
	h, err := login.connect(ctx, e)
	if err != nil {
		return fail(e, err)
	}
	u, err := account.Verify(ctx, h.client, h.domain)
	if err != nil && u == nil {
		return fail(e, err)
	}
	deps, code := accountDeps(ctx, e)
	if code != exitOK {
		return code
	}
	deps.Start, deps.Single = wizard.StepDataset, true
	deps.Draft = wizard.Draft{Domain: h.client.Domain(), Client: h.client, User: u, AccountFixed: true}
	return runTUI(ctx, e, deps)
}

// runDatasets lists the datasets the login can edit, for scripts.
func runDatasets(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "datasets")
	login := addLoginFlags(fs)
	search := fs.String("search", "", "only datasets matching these words")
	mine := fs.Bool("mine", false, "only datasets you own")
	shared := fs.Bool("shared", false, "only datasets shared to you")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if _, code, ok := parse(fs, args); !ok {
		return code
	}
	if *mine && *shared {
		return usageErr(e, "--mine and --shared exclude each other; leave both off for both")
	}
	h, err := login.connect(ctx, e)
	if err != nil {
		return fail(e, err)
	}
	u, err := h.client.CurrentUser(ctx)
	if err != nil {
		return fail(e, err)
	}
	which := wizard.AllEditable
	switch {
	case *mine:
		which = wizard.OnlyOwned
	case *shared:
		which = wizard.OnlyShared
	}
	list, err := wizard.ListDatasets(ctx, h.client, u.ID, *search, which)
	if err != nil {
		return fail(e, err)
	}
	if *asJSON {
		err = wizard.WriteDatasetsJSON(e.stdout, list)
	} else {
		err = wizard.WriteDatasetsText(e.stdout, list)
	}
	if err != nil {
		return fail(e, err)
	}
	return exitOK
}
