package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard"
	"github.com/ctopendata/socrata-wizard/wizard/account"
)

// runLogin signs in and keeps the login: interactively with the account
// step alone, or, given --domain, an id and --secret-stdin, without a
// terminal.
func runLogin(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "login")
	domain := fs.String("domain", "", "portal, such as data.ct.gov")
	keyID := fs.String("key-id", "", "API key id (the secret comes from stdin)")
	username := fs.String("username", "", "username (the password comes from stdin)")
	secretStdin := fs.Bool("secret-stdin", false, "read the key secret or password from the first line of stdin")
	makeDefault := fs.Bool("default", false, "make this the default login")
	if _, code, ok := parse(fs, args); !ok {
		return code
	}
	if *keyID == "" && *username == "" && !*secretStdin {
		deps, code := accountDeps(ctx, e)
		if code != exitOK {
			return code
		}
		if *domain != "" {
			deps.DefaultDomain = *domain
		}
		deps.Start, deps.Single, deps.NewLogin = wizard.StepAccount, true, true
		return runTUI(ctx, e, deps)
	}
	switch {
	case *domain == "":
		return usageErr(e, "login without the wizard needs --domain")
	case (*keyID == "") == (*username == ""):
		return usageErr(e, "give either --key-id or --username")
	case !*secretStdin:
		return usageErr(e, "the secret is read from stdin only, never from the command line: add --secret-stdin and pipe it in, for example from your password manager")
	}
	dom, err := socrata.ParseDomain(*domain)
	if err != nil {
		return fail(e, err)
	}
	secret, err := account.ReadSecret(e.stdin)
	if err != nil {
		return fail(e, err)
	}
	creds := socrata.Credentials{Kind: socrata.APIKey, ID: *keyID, Secret: secret, AppToken: strings.TrimSpace(e.getenv(account.EnvAppToken))}
	if *username != "" {
		creds.Kind, creds.ID = socrata.Password, *username
	}
	c, err := socrata.NewClient(string(dom), creds, nil, socrata.WithUserAgent(version))
	if err != nil {
		return fail(e, err)
	}
	u, err := account.Verify(ctx, c, string(dom))
	var sie *account.SignInError
	if err != nil && !(errors.As(err, &sie) && sie.Cause == account.CauseNoPublishingRights) {
		return fail(e, err)
	}
	if err != nil {
		// Signed in, but the role cannot publish: keep the login anyway,
		// since datasets may still be shared to it, and say so.
		fmt.Fprintln(e.stderr, "Warning: "+wizard.Explain(err))
	}
	dir, err := account.ConfigDir(e.getenv)
	if err != nil {
		return fail(e, err)
	}
	ps, err := account.LoadProfiles(dir)
	if err != nil {
		return fail(e, err)
	}
	p, err := account.SaveLogin(ctx, account.NewKeyringStore(), ps, string(dom), creds, u, *makeDefault)
	if err != nil {
		// The portal took the credentials; only keeping them failed. Say
		// so, or the person starts doubting a secret that was right.
		fmt.Fprintln(e.stderr, account.SignedInLine(u, string(dom))+", but the login could not be saved.")
		return fail(e, err)
	}
	fmt.Fprintln(e.stdout, account.SignedInLine(u, string(dom)))
	fmt.Fprintf(e.stdout, "Saved as %s; the secret is in the OS keyring.\n", p.Name())
	return exitOK
}

// runLogout forgets a saved login.
func runLogout(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "logout")
	profile := fs.String("profile", "", "login to forget, as login@domain (default: the default login)")
	if _, code, ok := parse(fs, args); !ok {
		return code
	}
	dir, err := account.ConfigDir(e.getenv)
	if err != nil {
		return fail(e, err)
	}
	ps, err := account.LoadProfiles(dir)
	if err != nil {
		return fail(e, err)
	}
	p, err := account.Logout(ctx, account.NewKeyringStore(), ps, *profile)
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintf(e.stdout, "Forgot %s: removed from the OS keyring and the list of logins.\n", p.Name())
	return exitOK
}

// runWhoami checks a login with the portal and says who it is.
func runWhoami(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "whoami")
	login := addLoginFlags(fs)
	if _, code, ok := parse(fs, args); !ok {
		return code
	}
	h, err := login.connect(ctx, e)
	if err != nil {
		return fail(e, err)
	}
	u, err := account.Verify(ctx, h.client, h.domain)
	if err != nil {
		return fail(e, err)
	}
	fmt.Fprintln(e.stdout, account.SignedInLine(u, h.domain))
	fmt.Fprintf(e.stdout, "Credentials from %s.\n", h.source)
	return exitOK
}

// loginFlags choose the login of a command that runs without the wizard.
type loginFlags struct{ profile, domain *string }

func addLoginFlags(fs *flag.FlagSet) loginFlags {
	return loginFlags{
		profile: fs.String("profile", "", "login to use, as login@domain (default: the default login)"),
		domain:  fs.String("domain", "", "portal, when the credentials come from environment variables"),
	}
}

// connect signs in with the chosen login.
func (l loginFlags) connect(ctx context.Context, e *env) (*headless, error) {
	return connectHeadless(ctx, e, *l.profile, *l.domain, wizard.AuthRef{})
}

// headless is a portal client for a command without the wizard.
type headless struct {
	client *socrata.Client
	domain string
	source account.CredentialSource
}

// connectHeadless finds credentials for a headless command: environment
// variables first, then the named, job's or default login in the keyring.
func connectHeadless(ctx context.Context, e *env, profile, domain string, ref wizard.AuthRef, opts ...socrata.Option) (*headless, error) {
	dir, err := account.ConfigDir(e.getenv)
	if err != nil {
		return nil, err
	}
	ps, err := account.LoadProfiles(dir)
	if err != nil {
		return nil, err
	}
	switch {
	case domain != "":
		d, err := socrata.ParseDomain(domain)
		if err != nil {
			return nil, err
		}
		domain = string(d)
	case profile != "" || ref.Login == "":
		p, err := ps.Find(profile)
		if err != nil {
			if c, ok, _ := account.EnvCredentials(e.getenv); ok && profile == "" {
				// A scheduler's environment names no portal, and "no
				// saved login" would send the person to the wrong fix.
				vars := account.EnvKeyID + " and " + account.EnvKeySecret
				if c.Kind == socrata.Password {
					vars = account.EnvUsername + " and " + account.EnvPassword
				}
				return nil, fmt.Errorf("%s are set, but they do not say which portal they are for: add --domain, such as --domain data.ct.gov", vars)
			}
			return nil, err
		}
		domain, ref = p.Domain, p.Ref()
	}
	creds, src, err := account.HeadlessCredentials(ctx, e.getenv, account.NewKeyringStore(), ps, domain, ref)
	if err != nil {
		return nil, err
	}
	c, err := socrata.NewClient(domain, creds, nil, append([]socrata.Option{socrata.WithUserAgent(version)}, opts...)...)
	if err != nil {
		return nil, err
	}
	return &headless{client: c, domain: domain, source: src}, nil
}

// usageErr reports a wrong command line, as a sentence like every other
// message.
func usageErr(e *env, msg string) int {
	fmt.Fprintln(e.stderr, "socrata-wizard: "+strings.ToUpper(msg[:1])+msg[1:]+".")
	return exitUsage
}
