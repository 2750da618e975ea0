package wizard

import (
	"testing"

	"github.com/ctopendata/socrata-wizard/socrata"
	"github.com/ctopendata/socrata-wizard/wizard/timestamp"
)

func BenchmarkConvertTypes(b *testing.B) {
	cases := []struct {
		name string
		typ  socrata.DataType
		cm   ColumnMap
		v    string
	}{
		{"text", socrata.Text, ColumnMap{}, "Hartford"},
		{"number", socrata.Number, ColumnMap{}, "1234.56"},
		{"checkbox", socrata.Checkbox, ColumnMap{}, "true"},
		{"floating", socrata.FloatingTimestamp, ColumnMap{Formats: []string{"MM/dd/yyyy"}}, "03/14/2024"},
		{"fixed", socrata.FixedTimestamp, ColumnMap{Formats: []string{timestamp.ISO8601}}, "2024-03-14T10:30:00"},
		{"point", socrata.Point, ColumnMap{}, "POINT (-72.1234 41.5678)"},
	}
	for _, c := range cases {
		conv, err := NewConverter("f", c.typ, c.cm, "")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, p := conv.Convert(c.v); p != OK {
					b.Fatal(p)
				}
			}
		})
	}
}
