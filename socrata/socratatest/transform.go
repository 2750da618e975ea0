package socratatest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zone arguments must not depend on the host's zone files
	"unicode"
)

// expr is a compiled transform expression: a reference to an input
// column, a string literal, null, or a call of one of the supported
// functions.
type expr struct {
	fn   string // "" for a column reference or literal
	col  int    // input column index, for references
	lit  *string
	null bool // the literal null
	args []*expr
	zone *time.Location // the time zone argument of a timestamp conversion
}

// transformFuncs is each supported function's argument count (maxArgs
// -1 for any number) and output type ("" when it depends on the
// arguments).
var transformFuncs = map[string]struct {
	minArgs, maxArgs int
	out              string
}{
	"to_text":               {1, 1, "text"},
	"to_number":             {1, 1, "number"},
	"to_boolean":            {1, 1, "checkbox"},
	"to_floating_timestamp": {1, 2, "floating_timestamp"},
	"to_fixed_timestamp":    {1, 2, "fixed_timestamp"},
	"to_point":              {1, 1, "point"},
	"forgive":               {1, 2, ""},
	"coalesce":              {1, -1, ""},
}

// supportedFuncs names the functions for error messages.
const supportedFuncs = "to_text, to_number, to_boolean, to_floating_timestamp, to_fixed_timestamp, to_point, forgive and coalesce"

// nullType is the type of the literal null, which fits any type.
const nullType = "null"

// outType is the SoQL type the expression produces.
func (e *expr) outType() string {
	switch {
	case e.null:
		return nullType
	case e.fn == "forgive" || e.fn == "coalesce":
		for _, a := range e.args {
			if t := a.outType(); t != nullType {
				return t
			}
		}
		return nullType
	case e.fn != "":
		return transformFuncs[e.fn].out
	}
	return "text"
}

// inputs lists the input columns the expression reads.
func (e *expr) inputs() []int {
	if e.fn == "" {
		if e.lit != nil || e.null {
			return nil
		}
		return []int{e.col}
	}
	var out []int
	for _, a := range e.args {
		out = append(out, a.inputs()...)
	}
	return out
}

// compileTransform parses a transform_expr against the input columns
// (named by field name, in backticks or bare). It supports column
// references, 'string' literals, null, and the functions of the DSMAPI
// transform language that an upload needs, with the signatures the
// transform documentation gives them:
//
//   - to_text, to_number, to_boolean and to_point of a value;
//   - to_floating_timestamp(text[, format]) and to_fixed_timestamp(text[,
//     format]), the format in strftime style ('%m/%d/%Y');
//   - to_fixed_timestamp(floating, zone), which reads a floating timestamp
//     as a time in the named zone ('America/New_York'), and
//     to_floating_timestamp(fixed, zone), its converse; each of them of a
//     timestamp of its own kind gives it back unchanged;
//   - forgive(a[, default]), which turns an error into null (or default);
//   - coalesce(a, b, ...), the first argument that is not null, all of one
//     type. An error is not null, so coalesce stops at an argument that
//     fails: a column written in two date formats is
//     coalesce(forgive(to_floating_timestamp(`d`, '%m/%d/%Y')),
//     to_floating_timestamp(`d`, '%Y-%m-%d')), and a value neither format
//     reads is an error from the last argument.
func compileTransform(src string, inputs map[string]int) (*expr, error) {
	p := &exprParser{src: src, inputs: inputs}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.src) {
		return nil, fmt.Errorf("unexpected %q at position %d of %q", p.src[p.pos:], p.pos+1, src)
	}
	return e, nil
}

type exprParser struct {
	src    string
	pos    int
	inputs map[string]int
}

func (p *exprParser) space() {
	for p.pos < len(p.src) && unicode.IsSpace(rune(p.src[p.pos])) {
		p.pos++
	}
}

func (p *exprParser) expr() (*expr, error) {
	p.space()
	if p.pos >= len(p.src) {
		return nil, fmt.Errorf("the expression %q ends too soon", p.src)
	}
	switch c := p.src[p.pos]; {
	case c == '`':
		end := strings.IndexByte(p.src[p.pos+1:], '`')
		if end < 0 {
			return nil, fmt.Errorf("unclosed ` in %q", p.src)
		}
		name := p.src[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return p.column(name)
	case c == '\'':
		var b strings.Builder
		for i := p.pos + 1; i < len(p.src); i++ {
			if p.src[i] == '\'' {
				if i+1 < len(p.src) && p.src[i+1] == '\'' { // '' is a quote
					b.WriteByte('\'')
					i++
					continue
				}
				p.pos = i + 1
				s := b.String()
				return &expr{lit: &s}, nil
			}
			b.WriteByte(p.src[i])
		}
		return nil, fmt.Errorf("unclosed ' in %q", p.src)
	case c == '_' || unicode.IsLetter(rune(c)):
		start := p.pos
		for p.pos < len(p.src) && (p.src[p.pos] == '_' || unicode.IsLetter(rune(p.src[p.pos])) || unicode.IsDigit(rune(p.src[p.pos]))) {
			p.pos++
		}
		name := p.src[start:p.pos]
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == '(' {
			return p.call(strings.ToLower(name))
		}
		if strings.EqualFold(name, "null") { // a column named null needs backticks
			return &expr{null: true}, nil
		}
		return p.column(name)
	}
	return nil, fmt.Errorf("unexpected %q at position %d of %q", p.src[p.pos:p.pos+1], p.pos+1, p.src)
}

func (p *exprParser) column(name string) (*expr, error) {
	i, ok := p.inputs[name]
	if !ok {
		return nil, fmt.Errorf("there is no input column `%s`", name)
	}
	return &expr{col: i}, nil
}

func (p *exprParser) call(name string) (*expr, error) {
	f, ok := transformFuncs[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %s; socratatest supports %s", name, supportedFuncs)
	}
	p.pos++ // (
	e := &expr{fn: name}
	for {
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == ')' && len(e.args) == 0 {
			p.pos++
			break
		}
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		e.args = append(e.args, a)
		p.space()
		if p.pos >= len(p.src) {
			return nil, fmt.Errorf("unclosed ( in %q", p.src)
		}
		if p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.src[p.pos] == ')' {
			p.pos++
			break
		}
		return nil, fmt.Errorf("expected , or ) at position %d of %q", p.pos+1, p.src)
	}
	if len(e.args) < f.minArgs || (f.maxArgs >= 0 && len(e.args) > f.maxArgs) {
		if f.maxArgs < 0 {
			return nil, fmt.Errorf("%s takes at least %d argument, not %d", name, f.minArgs, len(e.args))
		}
		return nil, fmt.Errorf("%s takes %d to %d arguments, not %d", name, f.minArgs, f.maxArgs, len(e.args))
	}
	if err := e.check(); err != nil {
		return nil, err
	}
	return e, nil
}

// check checks a call's argument types, the way the transform service
// picks a signature, and reads a time zone argument.
func (e *expr) check() error {
	in := e.args[0].outType()
	switch e.fn {
	case "forgive", "coalesce":
		first, want := 0, nullType
		for i, a := range e.args {
			switch t := a.outType(); {
			case t == nullType:
			case want == nullType:
				first, want = i, t
			case t != want:
				return fmt.Errorf("the arguments of %s must all be of one type, but argument %d is %s and argument %d is %s", e.fn, first+1, want, i+1, t)
			}
		}
	case "to_floating_timestamp", "to_fixed_timestamp":
		own, other := "floating_timestamp", "fixed_timestamp"
		if e.fn == "to_fixed_timestamp" {
			own, other = other, own
		}
		switch in {
		case "text", nullType:
			if len(e.args) == 2 && e.args[1].lit == nil {
				return fmt.Errorf("the format of %s must be a 'quoted' string such as '%%m/%%d/%%Y'", e.fn)
			}
		case own:
			if len(e.args) == 2 {
				return fmt.Errorf("%s of a %s takes no second argument: it is one already", e.fn, own)
			}
		case other:
			if len(e.args) != 2 || e.args[1].lit == nil {
				return fmt.Errorf("%s of a %s needs the time zone as a 'quoted' second argument, such as 'America/New_York'", e.fn, other)
			}
			name := *e.args[1].lit
			loc, err := time.LoadLocation(name)
			if err != nil || name == "" || name == "Local" {
				return fmt.Errorf("%q is not a time zone: name one from the tz database, such as 'America/New_York' or 'UTC'", name)
			}
			e.zone = loc
		default:
			return fmt.Errorf("%s takes text or a timestamp, not %s", e.fn, in)
		}
	}
	return nil
}

// eval computes the expression for one input row. A null input gives
// null ("" and no error); a value the function cannot convert is an
// error.
func (e *expr) eval(row []string) (string, error) {
	switch {
	case e.null:
		return "", nil
	case e.lit != nil:
		return *e.lit, nil
	case e.fn == "":
		if e.col < len(row) {
			return row[e.col], nil
		}
		return "", nil
	case e.fn == "forgive":
		v, err := e.args[0].eval(row)
		if err == nil {
			return v, nil
		}
		if len(e.args) == 2 {
			return e.args[1].eval(row)
		}
		return "", nil
	case e.fn == "coalesce":
		for i, a := range e.args {
			v, err := a.eval(row)
			if err != nil && i < len(e.args)-1 {
				return "", fmt.Errorf("%w (coalesce stops at an argument that fails, since an error is not null: wrap the arguments before the last in forgive(...) to try the next one)", err)
			}
			if err != nil || v != "" {
				return v, err
			}
		}
		return "", nil
	}
	v, err := e.args[0].eval(row)
	if err != nil || v == "" {
		return "", err
	}
	switch e.fn {
	case "to_text":
		return v, nil
	case "to_number":
		return normalize(kNumber, "number", v)
	case "to_boolean":
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "t", "yes", "y", "1":
			return "true", nil
		case "false", "f", "no", "n", "0":
			return "false", nil
		}
		return "", fmt.Errorf("%q is not a boolean: write true or false", v)
	case "to_floating_timestamp", "to_fixed_timestamp":
		return e.timestamp(v)
	case "to_point":
		return normalize(kPoint, "point", v)
	}
	return "", fmt.Errorf("unknown function %s", e.fn)
}

// timestamp evaluates to_floating_timestamp or to_fixed_timestamp of the
// value v of its first argument.
func (e *expr) timestamp(v string) (string, error) {
	k, typ := kFloating, "floating_timestamp"
	if e.fn == "to_fixed_timestamp" {
		k, typ = kFixed, "fixed_timestamp"
	}
	if e.zone != nil {
		// The argument is a timestamp of the other kind, in the service's
		// own form, so only a bug here can make these fail.
		if k == kFixed {
			t, err := time.ParseInLocation(floatingLayout, v, e.zone)
			if err != nil {
				return "", fmt.Errorf("%q is not a floating timestamp: %w", v, err)
			}
			return t.UTC().Format(fixedLayout), nil
		}
		t, err := time.Parse(fixedLayout, v)
		if err != nil {
			return "", fmt.Errorf("%q is not a fixed timestamp: %w", v, err)
		}
		return t.In(e.zone).Format(floatingLayout), nil
	}
	if e.args[0].outType() == typ {
		return v, nil
	}
	if len(e.args) == 1 {
		return normalize(k, typ, v)
	}
	format := *e.args[1].lit
	iso, err := strftimeToISO(strings.TrimSpace(v), format)
	if err != nil {
		return "", err
	}
	out, err := normalize(k, typ, iso)
	if err == nil {
		return out, nil
	}
	if k == kFixed && !strings.ContainsAny(iso[len("2006-01-02T15:04:05"):], "Z+-") {
		return "", fmt.Errorf("%q, read with the format %q, has no time zone: add %%z to the format if the values carry an offset, or read them as floating timestamps and name their zone, as in to_fixed_timestamp(to_floating_timestamp(`column`, %q), 'America/New_York')", v, format, format)
	}
	// Name the value as written, as well as the ISO form made of it.
	return "", fmt.Errorf("%q, read with the format %q: %w", v, format, err)
}

// strftimeToISO reads s with a strftime-style format (%Y %y %m %d %H %I
// %M %S %p %z %b and %%; numeric fields take one or two digits) and
// writes it as ISO-8601, for the timestamp functions to check.
func strftimeToISO(s, format string) (string, error) {
	fail := func() (string, error) {
		return "", fmt.Errorf("%q does not match the date format %q", s, format)
	}
	f := map[byte]int{'Y': -1, 'm': -1, 'd': -1, 'H': 0, 'M': 0, 'S': 0}
	zone, pm, hour12 := "", -1, false
	i := 0
	num := func(maxDigits int) (int, bool) {
		j := i
		for j < len(s) && j-i < maxDigits && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return 0, false
		}
		n, _ := strconv.Atoi(s[i:j])
		i = j
		return n, true
	}
	for k := 0; k < len(format); k++ {
		if format[k] != '%' || k+1 == len(format) {
			if i >= len(s) || s[i] != format[k] {
				return fail()
			}
			i++
			continue
		}
		k++
		var ok bool
		switch c := format[k]; c {
		case 'Y':
			f['Y'], ok = num(4)
		case 'y':
			f['Y'], ok = num(2)
			f['Y'] += 2000
		case 'm', 'd', 'H', 'M', 'S':
			f[c], ok = num(2)
		case 'I':
			f['H'], ok = num(2)
			hour12 = true
		case 'p':
			if i+2 <= len(s) {
				switch strings.ToUpper(s[i : i+2]) {
				case "AM":
					pm, ok = 0, true
				case "PM":
					pm, ok = 1, true
				}
				i += 2
			}
		case 'b':
			for m, name := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
				if i+3 <= len(s) && strings.ToLower(s[i:i+3]) == name {
					f['m'], ok = m+1, true
					i += 3
					break
				}
			}
		case 'z':
			j := i
			for j < len(s) && strings.IndexByte("+-:0123456789Z", s[j]) >= 0 {
				j++
			}
			zone, ok = s[i:j], j > i
			i = j
		case '%':
			ok = i < len(s) && s[i] == '%'
			i++
		default:
			return "", fmt.Errorf("the date format %q uses %%%c, which socratatest does not support", format, c)
		}
		if !ok {
			return fail()
		}
	}
	if i != len(s) || f['Y'] < 0 || f['m'] < 0 || f['d'] < 0 {
		return fail()
	}
	if hour12 {
		if f['H'] < 1 || f['H'] > 12 || pm < 0 {
			return fail()
		}
		f['H'] = f['H']%12 + 12*pm
	}
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d%s", f['Y'], f['m'], f['d'], f['H'], f['M'], f['S'], zone), nil
}
