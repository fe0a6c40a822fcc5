package bot

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"mcu/render"
	"mcu/workflow"
)

// What residents type, parsed. Everything here takes any string without
// panicking; FuzzResidentInput holds it to that.

// minDescriptionWords is how many words a description needs: one word
// («Яма») is not enough to act on.
const minDescriptionWords = 2

// description returns s trimmed, and whether it says enough to describe a
// problem.
func description(s string) (string, bool) {
	s = strings.TrimSpace(s)
	return s, len(strings.Fields(s)) >= minDescriptionWords
}

// joinText adds a further message to a text, as a new paragraph.
func joinText(text, more string) string {
	more = strings.TrimSpace(more)
	switch {
	case more == "":
		return text
	case text == "":
		return more
	}
	return text + "\n\n" + more
}

func runeCount(s string) int { return utf8.RuneCountInString(s) }

// matchDirection recognises a direction typed instead of pressed: its
// name or code, or «не знаю», in any case.
func matchDirection(s string, dirs []workflow.Direction) (string, bool) {
	s = strings.ToLower(strings.Trim(strings.TrimSpace(s), ".!"))
	if s == "" {
		return "", false
	}
	if s == strings.ToLower(render.BtnDontKnow) {
		return "", true
	}
	for _, d := range dirs {
		if s == strings.ToLower(d.Name) || s == d.Code {
			return d.Code, true
		}
	}
	return "", false
}

// maxAddressRunes is the longest address kept.
const maxAddressRunes = 300

// cleanAddress returns an address typed by a resident on one line, with
// spaces collapsed and control characters dropped, and whether it looks
// like an address: at least three characters, a letter or a digit among
// them, and not longer than maxAddressRunes.
func cleanAddress(s string) (string, bool) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	var b strings.Builder
	space, alnum := false, false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case !unicode.IsPrint(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			alnum = true
		}
		b.WriteRune(r)
	}
	out := b.String()
	n := runeCount(out)
	return out, alnum && n >= 3 && n <= maxAddressRunes
}

// parsePhone returns a phone number as +<digits>: it takes what a contact
// button sends («79111234567», «+7 911 123-45-67») and a number typed with
// spaces, dashes, dots or brackets; a Russian number written with a
// leading 8 or without the country code becomes +7…. It reports false
// for anything that is not 10 to 15 digits.
func parsePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	digits := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch >= '0' && ch <= '9':
			digits = append(digits, ch)
		case ch == ' ' || ch == '-' || ch == '(' || ch == ')' || ch == '.':
		default:
			return "", false
		}
	}
	d := string(digits)
	switch {
	case !plus && len(d) == 11 && d[0] == '8':
		d = "7" + d[1:]
	case !plus && len(d) == 10 && d[0] == '9':
		d = "7" + d
	}
	if len(d) < 10 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	return "+" + d, true
}

// parseNumberArg returns the registration number a resident typed after
// /status: «2026-000017», «№ 2026-000017», «2026-17»; false when it is
// not one.
func parseNumberArg(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, p := range []string{"№", "N", "n", "#"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimSpace(s)
	year, seq, ok := strings.Cut(s, "-")
	if !ok || len(year) != 4 || len(seq) == 0 || len(seq) > 6 {
		return "", false
	}
	y, err1 := strconv.Atoi(year)
	n, err2 := strconv.Atoi(seq)
	if err1 != nil || err2 != nil || y < 2000 || n <= 0 || strings.ContainsAny(year+seq, "+-") {
		return "", false
	}
	number := workflow.FormatNumber(y, n)
	if _, _, err := workflow.ParseNumber(number); err != nil {
		return "", false
	}
	return number, true
}

// parseID parses an id from a button's data.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
