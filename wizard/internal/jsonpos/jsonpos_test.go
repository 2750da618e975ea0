package jsonpos

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestFind(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		line, col int
		ok        bool
	}{
		{"bad value on line 3", "{\n  \"a\": 1,\n  \"b\": ?\n}", 3, 8, true},
		{"cut short", "{\n  \"a\": [1,", 2, 10, true},
		{"not a syntax error", `{"a": "x"}`, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct{ A int }
			err := json.Unmarshal([]byte(tt.data), &v)
			if err == nil {
				err = errors.New("decoded")
			}
			line, col, ok := Find([]byte(tt.data), err)
			if line != tt.line || col != tt.col || ok != tt.ok {
				t.Errorf("Find = line %d, column %d, %v; want %d, %d, %v (error: %v)", line, col, ok, tt.line, tt.col, tt.ok, err)
			}
		})
	}
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncd\n")
	for off, want := range map[int64][2]int{0: {1, 1}, 2: {1, 3}, 3: {2, 1}, 4: {2, 2}, 99: {3, 1}} {
		if line, col := LineCol(data, off); line != want[0] || col != want[1] {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", off, line, col, want[0], want[1])
		}
	}
}
