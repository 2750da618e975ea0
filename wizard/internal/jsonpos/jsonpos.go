// Package jsonpos finds where in a JSON file a decoding error is, as a
// line and column a person can go to, for the messages about a damaged
// job file or saved-logins index.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// Find finds the line and column of a syntax error, or of the end of a
// file cut short; ok is false for any other error.
func Find(data []byte, err error) (line, col int, ok bool) {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, including the offending one.
		line, col = LineCol(data, max(syn.Offset-1, 0))
		return line, col, true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		line, col = LineCol(data, int64(len(data)))
		return line, col, true
	}
	return 0, 0, false
}

// LineCol converts a byte offset into a 1-based line and column.
func LineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}
