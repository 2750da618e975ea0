package socratatest

import (
	"strings"
	"testing"
)

// transformInputs are the input columns the transform tables refer to.
var transformInputs = map[string]int{"d": 0, "n": 1, "t": 2}

// TestTransformCompile checks which expressions compile, with their
// output types, and that each refusal says what is wrong.
func TestTransformCompile(t *testing.T) {
	const us, iso = "to_floating_timestamp(`d`, '%m/%d/%Y')", "to_floating_timestamp(`d`, '%Y-%m-%d')"
	for _, tt := range []struct {
		expr, out string // out is the output type, or "" when it must not compile
		err       string // in the compile error
	}{
		{"coalesce(" + us + ", " + iso + ")", "floating_timestamp", ""},
		{"coalesce(forgive(" + us + "), " + iso + ", to_floating_timestamp(`d`))", "floating_timestamp", ""},
		{"coalesce(`n`, `t`, 'none')", "text", ""},
		{"coalesce(null, to_number(`n`), null)", "number", ""},
		{"COALESCE(null)", "null", ""},
		{"null", "null", ""},
		{"coalesce()", "", "at least 1 argument"},
		{"coalesce(to_number(`n`), `t`)", "", "argument 1 is number and argument 2 is text"},
		{"coalesce(null, to_number(`n`), `t`)", "", "argument 2 is number and argument 3 is text"},
		{"forgive(to_number(`n`), to_number('0'))", "number", ""},
		{"forgive(`n`, `t`)", "text", ""},
		{"forgive(to_number(`n`), 'zero')", "", "of one type"},
		{"forgive(`n`, `t`, `d`)", "", "1 to 2 arguments"},
		{"to_fixed_timestamp(`d`, '%m/%d/%Y %H:%M %z')", "fixed_timestamp", ""},
		{"to_fixed_timestamp(`d`, `t`)", "", "'quoted' string"},
		{"to_fixed_timestamp(to_floating_timestamp(`d`, '%m/%d/%Y %H:%M'), 'America/New_York')", "fixed_timestamp", ""},
		{"to_fixed_timestamp(to_floating_timestamp(`d`), 'UTC')", "fixed_timestamp", ""},
		{"to_fixed_timestamp(to_floating_timestamp(`d`))", "", "needs the time zone"},
		{"to_fixed_timestamp(to_floating_timestamp(`d`), `t`)", "", "needs the time zone"},
		{"to_fixed_timestamp(to_floating_timestamp(`d`), 'Mars/Olympus_Mons')", "", "not a time zone"},
		{"to_fixed_timestamp(to_floating_timestamp(`d`), 'Local')", "", "not a time zone"},
		{"to_fixed_timestamp(to_fixed_timestamp(`d`))", "fixed_timestamp", ""},
		{"to_fixed_timestamp(to_fixed_timestamp(`d`), 'UTC')", "", "no second argument"},
		{"to_floating_timestamp(to_fixed_timestamp(`d`), 'America/Chicago')", "floating_timestamp", ""},
		{"to_floating_timestamp(to_fixed_timestamp(`d`))", "", "needs the time zone"},
		{"to_floating_timestamp(to_number(`n`))", "", "takes text or a timestamp, not number"},
		{"to_floating_timestamp(null)", "floating_timestamp", ""},
		{"upper(`t`)", "", "supports to_text"},
	} {
		e, err := compileTransform(tt.expr, transformInputs)
		switch {
		case tt.out == "" && err == nil:
			t.Errorf("%s compiled, to %s", tt.expr, e.outType())
		case tt.out == "" && !strings.Contains(err.Error(), tt.err):
			t.Errorf("%s: error %q, want it to say %q", tt.expr, err, tt.err)
		case tt.out != "" && err != nil:
			t.Errorf("%s: %v", tt.expr, err)
		case tt.out != "" && e.outType() != tt.out:
			t.Errorf("%s gives %s, want %s", tt.expr, e.outType(), tt.out)
		}
	}
}

// TestTransformEval evaluates expressions on one-cell rows (the cell is
// input column d, or n for the forgive and coalesce of text cases).
func TestTransformEval(t *testing.T) {
	const (
		us      = "to_floating_timestamp(`d`, '%m/%d/%Y')"
		iso     = "to_floating_timestamp(`d`, '%Y-%m-%d')"
		twoFmts = "coalesce(forgive(" + us + "), " + iso + ")"
		strict  = "coalesce(" + us + ", " + iso + ")"
		inNY    = "to_fixed_timestamp(to_floating_timestamp(`d`, '%m/%d/%Y %H:%M'), 'America/New_York')"
	)
	for _, tt := range []struct {
		expr string
		row  []string
		want string // the value, or "" with err
		err  string // in the cell error
	}{
		{twoFmts, []string{"8/5/2024"}, "2024-08-05T00:00:00.000", ""},
		{twoFmts, []string{"2024-08-07"}, "2024-08-07T00:00:00.000", ""},
		{twoFmts, []string{""}, "", ""},
		{twoFmts, []string{"Aug 7, 2024"}, "", `"Aug 7, 2024" does not match the date format "%Y-%m-%d"`},
		{twoFmts, []string{"2024-02-30"}, "", "not a real date"},
		{strict, []string{"8/5/2024"}, "2024-08-05T00:00:00.000", ""},
		{strict, []string{"2024-08-07"}, "", "wrap the arguments before the last in forgive"},
		{"coalesce(`d`, `n`, 'none')", []string{"", "x"}, "x", ""},
		{"coalesce(`d`, `n`, 'none')", []string{"a", "x"}, "a", ""},
		{"coalesce(`d`, `n`, 'none')", []string{"", ""}, "none", ""},
		{"coalesce(null, null, 'some value')", nil, "some value", ""},
		{"coalesce(`d`, null)", []string{""}, "", ""},
		{"coalesce(forgive(to_number(`d`)), to_number(`n`))", []string{"abc", "2"}, "2", ""},
		{"coalesce(forgive(to_number(`d`)), to_number(`n`))", []string{"abc", "two"}, "", "two"},
		{"forgive(to_number(`d`))", []string{"abc"}, "", ""},
		{"forgive(to_number(`d`), to_number('0'))", []string{"abc"}, "0", ""},
		{"forgive(to_number(`d`), to_number('0'))", []string{"7"}, "7", ""},
		{inNY, []string{"7/15/2024 10:30"}, "2024-07-15T14:30:00.000Z", ""},
		{inNY, []string{"1/15/2024 10:30"}, "2024-01-15T15:30:00.000Z", ""},
		{inNY, []string{""}, "", ""},
		{inNY, []string{"15.1.2024"}, "", "does not match"},
		{"to_fixed_timestamp(to_floating_timestamp(`d`), 'UTC')", []string{"2024-07-15T10:30"}, "2024-07-15T10:30:00.000Z", ""},
		{"to_floating_timestamp(to_fixed_timestamp(`d`), 'America/Chicago')", []string{"2024-07-15T14:30:00Z"}, "2024-07-15T09:30:00.000", ""},
		{"to_floating_timestamp(to_fixed_timestamp(`d`), 'America/Chicago')", []string{"2024-07-15T14:30:00"}, "", "has no time zone"},
		{"to_fixed_timestamp(to_fixed_timestamp(`d`))", []string{"2024-07-15T10:30:00-04:00"}, "2024-07-15T14:30:00.000Z", ""},
		{"to_fixed_timestamp(`d`, '%m/%d/%Y %H:%M %z')", []string{"7/15/2024 10:30 -0400"}, "2024-07-15T14:30:00.000Z", ""},
		{"to_fixed_timestamp(`d`, '%m/%d/%Y %H:%M')", []string{"7/15/2024 10:30"}, "", "has no time zone: add %z to the format"},
		{"to_fixed_timestamp(`d`)", []string{"2024-07-15T10:30:00"}, "", "has no time zone"},
	} {
		e, err := compileTransform(tt.expr, transformInputs)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		got, err := e.eval(tt.row)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s of %q: %q, %v; want %q, error saying %q", tt.expr, tt.row, got, err, tt.want, tt.err)
		}
	}
}
