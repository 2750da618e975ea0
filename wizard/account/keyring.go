package account

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"
	"syscall"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// osKeyring is the real keyring, through go-keyring's package functions.
type osKeyring struct{}

func (osKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (osKeyring) Set(service, user, pw string) error       { return keyring.Set(service, user, pw) }
func (osKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// KeyringOp is the keyring operation that failed.
type KeyringOp int

// The operations a [KeyringStore] performs.
const (
	OpRead KeyringOp = iota
	OpSave
	OpDelete
)

// verb is the operation as a person would say it.
func (op KeyringOp) verb() string {
	switch op {
	case OpRead:
		return "cannot read"
	case OpSave:
		return "cannot save"
	case OpDelete:
		return "cannot delete"
	}
	return "cannot use"
}

// KeyringErrorKind says why the OS keyring could not be used.
type KeyringErrorKind int

// The ways a keyring fails, from the error table in testing.md plus the
// timeout that guards against unlock prompts nobody answers.
const (
	// KeyringOther is a failure none of the kinds below explains.
	KeyringOther KeyringErrorKind = iota
	// KeyringNoSessionBus: no D-Bus session bus address is set and
	// dbus-launch is not installed (a plain server, a container).
	KeyringNoSessionBus
	// KeyringBusUnreachable: a bus address is set but nothing listens
	// there (a stale DBUS_SESSION_BUS_ADDRESS, a logged-out session).
	KeyringBusUnreachable
	// KeyringNoProvider: the bus works but no program provides the Secret
	// Service (gnome-keyring or KeePassXC is not installed or not running).
	KeyringNoProvider
	// KeyringLocked: the keyring is locked, or has no default collection,
	// and nothing unlocked it.
	KeyringLocked
	// KeyringTimeout: the keyring did not answer in time, usually because
	// an unlock prompt is waiting on a screen nobody is looking at.
	KeyringTimeout
	// KeyringUnsupported: go-keyring has no keyring for this platform.
	KeyringUnsupported
)

// KeyringError is a keyring failure turned into something a person can
// act on. Error says what went wrong; Hint says what to do, including the
// environment variables that replace the keyring in headless runs.
type KeyringError struct {
	// Kind is why the keyring could not be used; Error and Hint follow it.
	Kind KeyringErrorKind
	// Op is what was being done: reading, saving or deleting.
	Op KeyringOp
	// Err is go-keyring's error, kept for logs and errors.Is.
	Err error
}

// Error says, in one lower-case line, which operation failed and why.
func (e *KeyringError) Error() string {
	var why string
	switch e.Kind {
	case KeyringNoSessionBus:
		why = "no D-Bus session bus is running, and dbus-launch is not installed to start one"
	case KeyringBusUnreachable:
		why = "the D-Bus session bus named in DBUS_SESSION_BUS_ADDRESS is not there"
	case KeyringNoProvider:
		why = "no Secret Service (such as gnome-keyring) is running on the session bus"
	case KeyringLocked:
		why = "the keyring is locked (or has no default collection) and was not unlocked"
	case KeyringTimeout:
		why = "the keyring did not answer in time; it may be waiting for an unlock prompt"
	case KeyringUnsupported:
		why = "this program has no keyring support on " + runtime.GOOS
	default:
		why = "the keyring failed: " + e.Err.Error()
	}
	return fmt.Sprintf("%s the secret in the OS keyring: %s", e.Op.verb(), why)
}

// Hint says what to do about the failure, in a sentence or two.
func (e *KeyringError) Hint() string {
	headless := fmt.Sprintf("For headless runs, set %s and %s (or %s and %s) in the environment instead; "+
		"in the wizard, choose \"use for this session only\".", EnvKeyID, EnvKeySecret, EnvUsername, EnvPassword)
	switch e.Kind {
	case KeyringNoSessionBus:
		return "Run socrata-wizard inside a desktop session, or start a session bus and a keyring " +
			"(for example: dbus-run-session with gnome-keyring-daemon --unlock). " + headless
	case KeyringBusUnreachable:
		return "Unset DBUS_SESSION_BUS_ADDRESS or point it at a running session bus, for example by " +
			"logging in to the desktop again. " + headless
	case KeyringNoProvider:
		return "Install and start a Secret Service provider such as gnome-keyring " +
			"(apt-get install gnome-keyring) or KeePassXC with Secret Service enabled. " + headless
	case KeyringLocked:
		return "Unlock the keyring (log in to the desktop, or open your keyring manager and unlock " +
			"\"Login\"), then try again. " + headless
	case KeyringTimeout:
		return "Look for a keyring unlock prompt on your desktop and answer it, then try again. " + headless
	case KeyringUnsupported:
		return headless
	case KeyringOther: // below
	}
	return "Check that your keyring works (for example with secret-tool or your keyring manager). " + headless
}

// Unwrap returns go-keyring's error.
func (e *KeyringError) Unwrap() error { return e.Err }

// secretServiceUnknown is the D-Bus error a bus returns when no program
// owns org.freedesktop.secrets and none can be activated.
const secretServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"

// classifyKeyringError turns go-keyring's error into ErrNoSecret, a
// *KeyringError, or nil. The cases and how to detect them come from
// testing.md's table; locked keyrings are only recognisable by text.
func classifyKeyringError(op KeyringOp, name string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%s in the OS keyring: %w", name, ErrNoSecret)
	}
	kind := KeyringOther
	var dbusErr dbus.Error
	var dbusErrPtr *dbus.Error
	var opErr *net.OpError
	switch {
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		kind = KeyringUnsupported
	case errors.Is(err, exec.ErrNotFound),
		strings.Contains(err.Error(), "couldn't determine address of session bus"):
		kind = KeyringNoSessionBus
	case errors.As(err, &opErr), errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED):
		kind = KeyringBusUnreachable
	case errors.As(err, &dbusErr) && dbusErr.Name == secretServiceUnknown,
		errors.As(err, &dbusErrPtr) && dbusErrPtr.Name == secretServiceUnknown:
		kind = KeyringNoProvider
	case strings.Contains(err.Error(), "failed to unlock correct collection"),
		errors.As(err, &dbusErr) && strings.HasPrefix(dbusErr.Name, "org.freedesktop.Secret.Error.IsLocked"),
		errors.As(err, &dbusErr) && dbusErr.Name == "org.freedesktop.Secret.Error.NoSuchObject":
		kind = KeyringLocked
	}
	return &KeyringError{Kind: kind, Op: op, Err: err}
}
