package socrata

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors that an *APIError matches with errors.Is, by status.
var (
	ErrUnauthorized = errors.New("credentials not accepted")        // 401
	ErrForbidden    = errors.New("not allowed")                     // 403
	ErrNotFound     = errors.New("not found")                       // 404
	ErrRateLimited  = errors.New("too many requests")               // 429
	ErrNotSocrata   = errors.New("not a socrata portal")            // an HTML or non-JSON answer
	ErrInsecure     = errors.New("plain http is only for loopback") // http:// to a real host
)

// APIError is a failure the portal (or a proxy in front of it) reported.
// Message is a sentence fit to show a person; it never contains
// credentials.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is Socrata's error code, such as "authentication_required",
	// when the body had one.
	Code string
	// Message is the portal's message, or a description of the body when it
	// was not Socrata's JSON (an HTML page from a proxy, say).
	Message string
	// Data is the "data" object of a SODA error body, if any.
	Data map[string]any
	// RequestID is the X-Socrata-RequestId to quote to Socrata support.
	RequestID string
	// HTML is true when the body was an HTML page rather than JSON.
	HTML bool
}

// Error describes the failure in one lower-case line.
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	if e.Code != "" {
		return fmt.Sprintf("socrata: %d %s: %s", e.Status, e.Code, msg)
	}
	return fmt.Sprintf("socrata: %d: %s", e.Status, msg)
}

// Is lets errors.Is match an *APIError against the sentinel errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrNotSocrata:
		return e.HTML
	}
	return false
}
