// Package account signs a publisher in to a portal and keeps the login:
// it checks credentials with the portal and says, in words a person can
// act on, why a sign-in failed (Verify, SignInError); it keeps secrets in
// the OS keyring (KeyringStore), never in a file, and the list of saved
// logins in profiles.json beside the other settings (Profiles); and it
// finds the credentials of a headless run, from the keyring or from
// SOCRATA_* environment variables (HeadlessCredentials).
//
// It builds on the core package wizard and shares nothing with the upload
// or the exports, which take the credentials it finds as a
// socrata.Credentials.
package account
