package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"mcu/render"
	"mcu/workflow"
)

func TestPluralForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0 дней"}, {1, "1 день"}, {2, "2 дня"}, {4, "4 дня"}, {5, "5 дней"}, {11, "11 дней"},
		{12, "12 дней"}, {14, "14 дней"}, {21, "21 день"}, {22, "22 дня"}, {25, "25 дней"},
		{101, "101 день"}, {111, "111 дней"},
	} {
		if got := render.Days(tc.n); got != tc.want {
			t.Errorf("days(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	for n, want := range map[int]string{1: "1 сообщение", 2: "2 сообщения", 5: "5 сообщений", 21: "21 сообщение"} {
		if got := render.Messages(n); got != want {
			t.Errorf("messages(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{1: "1 рабочий день", 3: "3 рабочих дня", 10: "10 рабочих дней"} {
		if got := render.Workdays(n); got != want {
			t.Errorf("workdays(%d) = %q, want %q", n, got, want)
		}
	}
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	if got := render.FormatDate(time.Date(2026, 12, 11, 22, 0, 0, 0, time.UTC), moscow); got != "12.12.2026" {
		t.Errorf("formatDate = %q, want the Moscow date 12.12.2026", got)
	}
}

func TestParseResidentInput(t *testing.T) {
	t.Parallel()
	numbers := map[string]string{
		"2026-000017": "2026-000017", " № 2026-000017 ": "2026-000017", "№2026-17": "2026-000017",
		"N2026-1": "2026-000001", "#2025-123456": "2025-123456",
		"": "", "17": "", "2026-0": "", "2026-1234567": "", "1999-000001": "", "2026--1": "", "2026-+1": "",
		"abcd-000001": "", "2026-00001a": "",
	}
	for in, want := range numbers {
		got, ok := parseNumberArg(in)
		if got != want || ok != (want != "") {
			t.Errorf("parseNumberArg(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	phones := map[string]string{
		"+7 911 123-45-67": "+79111234567", "79111234567": "+79111234567", "8 (911) 123-45-67": "+79111234567",
		"9111234567": "+79111234567", "+375 29 123 45 67": "+375291234567",
		"12345": "", "позвоните мне": "", "+7 911 123 45 67 доб. 5": "", "+": "", "0123456789": "",
	}
	for in, want := range phones {
		got, ok := parsePhone(in)
		if got != want || ok != (want != "") {
			t.Errorf("parsePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	addresses := map[string]string{
		"  ул. Ленина,\n 5 ": "ул. Ленина, 5", "Рыночная площадь, 1": "Рыночная площадь, 1",
		"д.5": "д.5", "..": "", "ab": "", "\x00\x01": "", strings.Repeat("а", 301): "",
	}
	for in, want := range addresses {
		got, ok := cleanAddress(in)
		if ok != (want != "") || (ok && got != want) {
			t.Errorf("cleanAddress(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// FuzzResidentInput feeds what a resident might type to everything that
// parses it: commands' numbers, addresses, phones, descriptions, typed
// directions and the splitting of long texts. Nothing may panic, and
// every accepted value must be well-formed.
//
//	go test -run '^$' -fuzz FuzzResidentInput -fuzztime 5s ./bot
func FuzzResidentInput(f *testing.F) {
	for _, s := range []string{
		"2026-000017", "№ 2026-17", "/status 2026-000017", "ул. Ленина, 5", "+7 911 123-45-67",
		"8 (911) 123-45-67", "Яма", "Во дворе яма", "ЖКХ", "не знаю", "", " ", "\x00", "\xff\xfe",
		"2026-", "-1", "9999-999999", strings.Repeat("слово ", 900), "😀😀😀", "a\u200bb\u202ec",
	} {
		f.Add(s)
	}
	dirs := []workflow.Direction{{Code: "housing", Name: "ЖКХ"}, {Code: "economy", Name: "Экономика и финансы"}}
	f.Fuzz(func(t *testing.T, s string) {
		if number, ok := parseNumberArg(s); ok {
			y, q, err := workflow.ParseNumber(number)
			if err != nil || workflow.FormatNumber(y, q) != number {
				t.Errorf("parseNumberArg(%q) = %q, not a registration number (%v)", s, number, err)
			}
		}
		if addr, ok := cleanAddress(s); ok {
			if !utf8.ValidString(addr) || runeCount(addr) > maxAddressRunes || addr != strings.TrimSpace(addr) || strings.ContainsAny(addr, "\n\r\t") {
				t.Errorf("cleanAddress(%q) = %q", s, addr)
			}
			if again, ok := cleanAddress(addr); !ok || again != addr {
				t.Errorf("cleanAddress is not idempotent on %q: %q", addr, again)
			}
		}
		if phone, ok := parsePhone(s); ok {
			if len(phone) < 11 || len(phone) > 16 || phone[0] != '+' || strings.Trim(phone[1:], "0123456789") != "" {
				t.Errorf("parsePhone(%q) = %q", s, phone)
			}
			if again, ok := parsePhone(phone); !ok || again != phone {
				t.Errorf("parsePhone is not idempotent on %q: %q", phone, again)
			}
		}
		if text, ok := description(s); ok && len(strings.Fields(text)) < minDescriptionWords {
			t.Errorf("description(%q) accepted %q", s, text)
		}
		if code, ok := matchDirection(s, dirs); ok && code != "" && code != "housing" && code != "economy" {
			t.Errorf("matchDirection(%q) = %q", s, code)
		}
		for _, part := range render.SplitText(s, 100) {
			if runeCount(part) > 100 {
				t.Errorf("splitText gave a part of %d characters", runeCount(part))
			}
		}
		_, _ = parseID(s)
	})
}
