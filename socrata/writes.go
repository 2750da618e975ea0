package socrata

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Format is the payload format of a SODA write.
type Format int

const (
	// JSON is an array of row objects keyed by field name.
	JSON Format = iota
	// CSV is RFC 4180 CSV whose first line holds API field names.
	CSV
)

// ContentType is the MIME type sent for the format.
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv"
	}
	return "application/json"
}

// WriteResult counts what a SODA write did. The portal answers in one of
// three shapes (a Core summary with an error count, a snake_case summary
// with row errors, or one entry per input row); all become a WriteResult.
type WriteResult struct {
	Created int
	Updated int
	Deleted int
	// Errors is the number of rows the portal rejected. RowErrors holds the
	// detail when the portal gave it; the Core shape gives only the count.
	Errors    int
	RowErrors []RowError
}

// RowError is one row the portal rejected.
type RowError struct {
	// Index is the 0-based position of the row in the request body, or -1
	// when the portal did not say.
	Index int
	// ID is the row identifier value, when known.
	ID      string
	Message string
}

// Upsert sends rows with POST /resource/{id}.json: rows whose row
// identifier exists are updated, the others created, and rows carrying
// ":deleted": true (a ":deleted" column in CSV) are deleted. Upserts are
// idempotent, so busy answers and network failures are retried; body is
// sent again as is. On a dataset without a row identifier every row is
// created and a resend would duplicate rows: use [Client.Append] there.
func (c *Client) Upsert(ctx context.Context, id DatasetID, body []byte, f Format) (*WriteResult, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, &request{
		method:      http.MethodPost,
		path:        resourcePath(id),
		body:        body,
		contentType: f.ContentType(),
		retry:       true,
	})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		return nil, &APIError{Status: resp.StatusCode, RequestID: requestID(resp),
			Message: fmt.Sprintf("the portal accepted the rows for %s but had not finished writing them when it answered; they will most likely appear shortly, and sending them again is safe", id)}
	}
	return c.readWriteResult(resp)
}

// Append sends rows with POST /resource/{id}.json, like Upsert, but is
// never retried. Use it for a dataset without a row identifier: there every
// row is created, so sending the same rows twice (after a lost reply, say)
// would add them twice. When it fails after the request may have reached
// the portal, the error wraps [ErrOutcomeUnknown], as for Replace.
func (c *Client) Append(ctx context.Context, id DatasetID, body []byte, f Format) (*WriteResult, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	return c.writeOnce(ctx, &request{
		method:      http.MethodPost,
		path:        resourcePath(id),
		body:        body,
		contentType: f.ContentType(),
	}, "the append to "+string(id),
		"Check the dataset at "+c.datasetLink(id)+" before you send the rows again, or they may be added twice",
		"Check the dataset at "+c.datasetLink(id)+" in a few minutes before you send the rows again, or they may be added twice")
}

// Replace makes body the complete contents of the dataset with PUT
// /resource/{id}.json. The body is streamed with chunked transfer encoding
// and never held in memory whole.
//
// A replace is never retried. When it fails after the request may have
// reached the portal (the connection failed once the request was sent, the
// context ended mid-flight, or a gateway answered 502, 503 or 504), the
// error wraps [ErrOutcomeUnknown]: the portal may or may not have applied
// it, and the dataset must be checked before trying again.
func (c *Client) Replace(ctx context.Context, id DatasetID, body io.Reader, f Format) (*WriteResult, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if body == nil {
		body = http.NoBody
	}
	return c.writeOnce(ctx, &request{
		method:      http.MethodPut,
		path:        resourcePath(id),
		stream:      body,
		contentType: f.ContentType(),
	}, "the replace of "+string(id),
		"Check the dataset at "+c.datasetLink(id)+" before you try again",
		"Check the dataset at "+c.datasetLink(id)+" in a few minutes before you send it again")
}

// writeOnce sends r, a write that is never retried, and reads its result.
// A failure after the request may have reached the portal is an
// *OutcomeError naming the write (what) and saying what to check before
// trying again: advice, or for a 202 Accepted answer, later.
func (c *Client) writeOnce(ctx context.Context, r *request, what, advice, later string) (*WriteResult, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, c.maybeApplied(err, what, advice)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusAccepted {
		return nil, accepted(resp, what, later)
	}
	res, err := c.readWriteResult(resp)
	if err != nil {
		return nil, c.maybeApplied(err, what, advice)
	}
	return res, nil
}

// accepted is the error for a write that must not run twice and that the
// portal answered with 202 Accepted: taken, but not finished, so whether
// it will succeed is not known yet. It matches ErrAccepted too.
func accepted(resp *http.Response, what, advice string) error {
	e := &APIError{Status: resp.StatusCode, RequestID: requestID(resp),
		Message: "the portal had not finished the write when it answered"}
	return &OutcomeError{What: what, Cause: "the portal accepted it (202 Accepted) but had not finished it when it answered",
		Advice: advice, Err: e}
}

// maybeApplied wraps err in ErrOutcomeUnknown when a write that must not
// run twice may have reached the portal. what names the write ("the
// replace of abcd-1234"); advice says what to check before trying again.
func (c *Client) maybeApplied(err error, what, advice string) error {
	var (
		ne *netError
		ae *APIError
	)
	cause := ""
	switch {
	case errors.As(err, &ne):
		switch {
		case !ne.sent:
			return err
		case ne.reading:
			cause = ne.hint
		case errors.Is(ne.err, context.Canceled):
			cause = "it was cancelled after the request was sent"
		default:
			cause = ne.hint + " after the request was sent"
		}
	case errors.As(err, &ae):
		switch {
		case ae.notSocrata:
			cause = "the answer could not be read (" + ae.Message + ")"
		case ae.Status == http.StatusBadGateway || ae.Status == http.StatusServiceUnavailable || ae.Status == http.StatusGatewayTimeout:
			cause = fmt.Sprintf("a gateway in front of the portal answered %d %s, and the portal behind it may still be working", ae.Status, http.StatusText(ae.Status))
		default:
			return err
		}
	case errors.Is(err, ErrNotSocrata):
		// A successful status whose JSON was not a write result.
		cause = "its answer was not what Socrata's API sends"
	default:
		cause = "its answer could not be read"
	}
	return &OutcomeError{What: what, Cause: cause, Advice: advice, Err: err}
}

// readWriteResult reads any of the three write answer shapes. The
// one-entry-per-row shape is read entry by entry, so that a large write's
// answer does not have to fit in memory.
func (c *Client) readWriteResult(resp *http.Response) (*WriteResult, error) {
	br, err := c.jsonBody(resp)
	if err != nil {
		return nil, err
	}
	method, path := resp.Request.Method, resp.Request.URL.Path
	first, err := firstByte(br)
	if err != nil {
		return nil, c.decodeError(method, path, err)
	}
	dec := json.NewDecoder(br)
	if first == '[' {
		res, err := readRowEntries(dec)
		if err != nil {
			return nil, c.decodeError(method, path, err)
		}
		return res, nil
	}
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return nil, c.decodeError(method, path, err)
	}
	return c.readSummary(resp, obj)
}

// firstByte returns the first non-space byte without consuming it.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF: // a UTF-8 byte order mark
			_, _ = br.Discard(2)
			continue
		}
		return b, br.UnreadByte()
	}
}

// rowEntry is one element of the new-backend answer: what happened to the
// input row at the same position.
type rowEntry struct {
	Typ string          `json:"typ"`
	ID  json.RawMessage `json:"id"`
	Err json.RawMessage `json:"err"`
}

func readRowEntries(dec *json.Decoder) (*WriteResult, error) {
	res := &WriteResult{}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	for i := 0; dec.More(); i++ {
		var e rowEntry
		if err := dec.Decode(&e); err != nil {
			return nil, err
		}
		switch strings.ToLower(e.Typ) {
		case "insert", "create", "created":
			res.Created++
		case "update", "updated":
			res.Updated++
		case "delete", "deleted":
			res.Deleted++
		case "error":
			res.Errors++
			res.RowErrors = append(res.RowErrors, RowError{Index: i, ID: rawText(e.ID), Message: rawText(e.Err)})
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return res, nil
}

// readSummary reads the Core ("Rows Created") and snake_case
// ("rows_created") summaries. An object that is neither but says
// "error" is the portal reporting a failure with a 200 status; any other
// object did not come from Socrata's API.
func (c *Client) readSummary(resp *http.Response, obj map[string]json.RawMessage) (*WriteResult, error) {
	res := &WriteResult{}
	known := false
	for key, dst := range map[string]*int{
		"Rows Created": &res.Created, "Rows Updated": &res.Updated, "Rows Deleted": &res.Deleted,
		"rows_created": &res.Created, "rows_updated": &res.Updated, "rows_deleted": &res.Deleted,
	} {
		if raw, ok := obj[key]; ok {
			*dst = rawInt(raw)
			known = true
		}
	}
	if raw, ok := obj["Errors"]; ok {
		res.Errors = rawInt(raw)
		known = true
	}
	if raw, ok := obj["errors"]; ok {
		known = true
		var list []struct {
			Error      json.RawMessage `json:"error"`
			Message    json.RawMessage `json:"message"`
			InputIndex *int            `json:"input_index"`
			PrimaryKey json.RawMessage `json:"primary_key"`
		}
		if json.Unmarshal(raw, &list) == nil {
			for _, e := range list {
				re := RowError{Index: -1, ID: rawText(e.PrimaryKey), Message: rawText(e.Error)}
				if re.Message == "" {
					re.Message = rawText(e.Message)
				}
				if e.InputIndex != nil {
					re.Index = *e.InputIndex
				}
				res.RowErrors = append(res.RowErrors, re)
			}
			res.Errors = len(list)
		} else {
			res.Errors = rawInt(raw)
		}
	}
	if !known {
		body, _ := json.Marshal(obj)
		if _, isErr := obj["error"]; !isErr {
			return nil, c.badShape(resp.Request.Method, resp.Request.URL.Path,
				"it did not say what the write did: "+clip(oneLine(string(body))), nil)
		}
		e := &APIError{Status: resp.StatusCode, RequestID: requestID(resp)}
		parseErrorBody(e, "application/json", body)
		c.scrub.apiError(e)
		return nil, e
	}
	return res, nil
}

// rawInt reads a count sent as a number or a numeric string.
func rawInt(raw json.RawMessage) int {
	s := strings.Trim(string(bytes.TrimSpace(raw)), `"`)
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return int(n)
}

// rawText renders a JSON value as text: strings unquoted, anything else
// (a number, an object) as compact JSON, null as "".
func rawText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}
