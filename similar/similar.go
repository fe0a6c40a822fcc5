// Package similar turns an appeal's text and address into the normal forms
// that appeals about one problem in one place share, whatever their
// wording: lower case, ё as е, no punctuation, no digits in the text, no
// Russian stop words, the common endings cut; and an address key with
// one form of the street and settlement types and the house number kept.
// storage compares the normal forms with pg_trgm. The word lists are
// data (stopwords.txt, endings.txt, address.txt), embedded.
package similar

import (
	"bufio"
	_ "embed"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	//go:embed stopwords.txt
	stopwordsTxt string
	//go:embed endings.txt
	endingsTxt string
	//go:embed address.txt
	addressTxt string

	stopwords = set(lines(stopwordsTxt))
	endings   = byLength(lines(endingsTxt))
	addrForms = pairs(lines(addressTxt))
)

// minStem is the fewest letters a word keeps when its ending is cut.
const minStem = 4

// Text is the normal form of an appeal's text for comparison: its words
// in lower case with ё as е, without digits, stop words and one-letter
// words, each with its common ending cut, once each, sorted (trigrams
// do not see the order of words), separated by single spaces.
func Text(s string) string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words(s, false) {
		if utf8.RuneCountInString(w) < 2 || stopwords[w] || hasDigit(w) {
			continue
		}
		if w = Stem(w); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// Stem cuts the longest common ending off w that leaves at least four
// letters (w as it is when none does).
func Stem(w string) string {
	n := utf8.RuneCountInString(w)
	for _, e := range endings {
		if strings.HasSuffix(w, e) && n-utf8.RuneCountInString(e) >= minStem {
			return strings.TrimSuffix(w, e)
		}
	}
	return w
}

// Address is an address's normal forms.
type Address struct {
	// Key is the whole address: settlement, street and house, the type
	// words in one form (улица, ул. → ул), the house number kept, the
	// apartment, the entrance, the region and the district dropped.
	Key string
	// Street is Key up to the house number: the settlement and the
	// street, which appeals about a quarter share.
	Street string
}

// NormalAddress returns the normal forms of address s; both are "" when s
// names nothing.
func NormalAddress(s string) Address {
	ws := words(s, true)
	var out []string
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		forms, known := addrForms[w]
		form := forms.number
		if i+1 < len(ws) && !hasDigit(ws[i+1]) && forms.word != "" {
			form = forms.word // д. Выра: a village, not a house
		}
		switch {
		case !known:
			out = append(out, w)
		case form == "-":
		case form == "-n":
			if i+1 < len(ws) && hasDigit(ws[i+1]) {
				i++
			}
		case form == "--":
			if len(out) > 0 && !hasDigit(out[len(out)-1]) {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, form)
		}
	}
	a := Address{Key: strings.Join(out, " ")}
	for i, w := range out {
		if hasDigit(w) {
			a.Street = strings.Join(out[:i], " ")
			break
		}
	}
	if a.Street == "" && (len(out) == 0 || !hasDigit(out[len(out)-1])) {
		a.Street = a.Key
	}
	return a
}

// words splits s, in lower case with ё as е, into words of letters and
// digits; address words keep '-' and '/' inside (пр-т, 5/1).
func words(s string, address bool) []string {
	s = strings.Map(func(r rune) rune {
		if r == '\u0451' { // ё
			return '\u0435' // е
		}
		return r
	}, strings.ToLower(s))
	return strings.FieldsFunc(s, func(r rune) bool {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
		return !address || (r != '-' && r != '/')
	})
}

func hasDigit(w string) bool {
	return strings.IndexFunc(w, unicode.IsDigit) >= 0
}

// lines returns the lines of a data file, trimmed, without comments and
// empty lines.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}

func set(ws []string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// byLength orders endings longest first, so that the longest one that
// fits is cut.
func byLength(ws []string) []string {
	sort.SliceStable(ws, func(i, j int) bool {
		return utf8.RuneCountInString(ws[i]) > utf8.RuneCountInString(ws[j])
	})
	return ws
}

// forms are an address word's forms in the key: before a number, and,
// when it differs, before a word.
type forms struct{ number, word string }

func pairs(ls []string) map[string]forms {
	m := make(map[string]forms, len(ls))
	for _, l := range ls {
		f := strings.Fields(l)
		switch len(f) {
		case 2:
			m[f[0]] = forms{number: f[1]}
		case 3:
			m[f[0]] = forms{number: f[1], word: f[2]}
		}
	}
	return m
}
