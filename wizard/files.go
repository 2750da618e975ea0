package wizard

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// dataExts are the file name endings the file chooser offers.
var dataExts = []string{".csv", ".tsv", ".txt"}

func isDataFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range dataExts {
		if ext == e {
			return true
		}
	}
	return false
}

// FindDataFiles lists the CSV, TSV and TXT files in dir, at most limit of
// them: first those whose names share the most words with hint (the
// dataset's name, so "salt_deliveries_2024.csv" comes first for "Road Salt
// Deliveries"), then the newest. A folder that cannot be read lists
// nothing: the chooser then simply offers no suggestions.
func FindDataFiles(dir string, limit int, hint string) []string {
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	type file struct {
		path  string
		mod   int64
		score int
	}
	words := hintWords(hint)
	var files []file
	for _, e := range entries {
		if e.IsDir() || !isDataFile(e.Name()) || strings.HasSuffix(e.Name(), ".rejected.csv") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		// To the second: files written together (an export of several
		// tables) then sort by name, the same way every time.
		files = append(files, file{filepath.Join(dir, e.Name()), info.ModTime().Unix(), sharedWords(e.Name(), words)})
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].score != files[j].score {
			return files[i].score > files[j].score
		}
		if files[i].mod != files[j].mod {
			return files[i].mod > files[j].mod
		}
		return files[i].path < files[j].path
	})
	var out []string
	for _, f := range files {
		if len(out) == limit {
			break
		}
		out = append(out, f.path)
	}
	return out
}

// CompletePath completes a partly typed path the way a shell does: to the
// longest common prefix of the entries it could name, with a trailing
// separator for a single folder. Relative paths are taken from dir.
// matches lists the candidates when there is more than one.
func CompletePath(typed, dir string) (completed string, matches []string) {
	expanded := typed
	if strings.HasPrefix(expanded, "~"+string(filepath.Separator)) || expanded == "~" {
		if home, err := os.UserHomeDir(); err == nil {
			expanded = filepath.Join(home, strings.TrimPrefix(expanded, "~"))
			if strings.HasSuffix(typed, string(filepath.Separator)) || typed == "~" {
				expanded += string(filepath.Separator)
			}
		}
	}
	look := expanded
	if !filepath.IsAbs(look) && dir != "" {
		look = filepath.Join(dir, look)
		if strings.HasSuffix(expanded, string(filepath.Separator)) || expanded == "" {
			look += string(filepath.Separator)
		}
	}
	parent, prefix := filepath.Split(look)
	if parent == "" {
		parent = "."
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		return typed, nil
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, prefix) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(prefix, ".")) {
			continue
		}
		if e.IsDir() {
			n += string(filepath.Separator)
		} else if !isDataFile(n) {
			continue
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return typed, nil
	}
	common := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, common) {
			common = common[:len(common)-1]
		}
	}
	typedParent, _ := filepath.Split(typed)
	completed = typedParent + common
	if len(names) > 1 {
		sort.Strings(names)
		for _, n := range names {
			matches = append(matches, filepath.Join(parent, n))
		}
	}
	return completed, matches
}

// hintWords are the words of a dataset's name worth looking for in file
// names: three letters or more, lower case, without "sample" and the like.
func hintWords(name string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(w) >= 3 && w != "sample" && w != "the" && w != "and" && w != "for" {
			out = append(out, w)
		}
	}
	return out
}

// sharedWords counts the words that appear in a file's name.
func sharedWords(file string, words []string) int {
	name := strings.ToLower(file)
	n := 0
	for _, w := range words {
		if strings.Contains(name, w) {
			n++
		}
	}
	return n
}
