package telegramtest

import (
	"strings"
	"testing"
)

func TestVisibleText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode, in, want, err string
	}{
		{"", "<b>as is</b> *too*", "<b>as is</b> *too*", ""},
		{"HTML", `<b>Обращение</b> <a href="https://t.me/x">№17</a> &lt;тег&gt; &amp; &#8470; A & B`, "Обращение №17 <тег> & № A & B", ""},
		{"HTML", "<i>курсив <u>и</u></i><tg-spoiler>x</tg-spoiler><span class=\"tg-spoiler\">y</span>", "курсив иxy", ""},
		{"HTML", "<pre><code class=\"language-go\">x := 1</code></pre>", "x := 1", ""},
		{"HTML", "a<br/>b", "", `Unsupported start tag "br" at byte offset 1`},
		{"HTML", "<b>жирный", "", `Can't find end tag corresponding to start tag "b"`},
		{"HTML", "<b>x</i>", "", `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{"HTML", "x</b>", "", "Unexpected end tag at byte offset 1"},
		{"HTML", "a < b", "", "Unclosed start tag at byte offset 2"},
		{"MarkdownV2", `*жирный* _курсив_ __подч__ ~зачёрк~ ||спойлер|| \. \- \!`, "жирный курсив подч зачёрк спойлер . - !", ""},
		{"MarkdownV2", "[ссылка](https://example.org/a_(b\\))", "ссылка", ""},
		{"MarkdownV2", "`код с * и _` и ```go\nfmt.Println()\n```", "код с * и _ и fmt.Println()\n", ""},
		{"MarkdownV2", ">цитата\nтекст", "цитата\nтекст", ""},
		{"MarkdownV2", "Итого: 5.", "", `Character '.' is reserved and must be escaped with the preceding '\'`},
		{"MarkdownV2", "*жирный", "", "Can't find end of Bold entity at byte offset 0"},
		{"MarkdownV2", "*a _b* c_", "", "Can't find end of Italic entity at byte offset 3"},
		{"MarkdownV2", "a ] b", "", `Character ']' is reserved and must be escaped with the preceding '\'`},
		{"Markdown", "*жирный* _курсив_ `код` [ссылка](https://example.org) a.b-c!", "жирный курсив код ссылка a.b-c!", ""},
		{"Markdown", `\*звёздочка`, "*звёздочка", ""},
		{"Markdown", "snake_case", "", "Can't find end of the entity starting at byte offset 5"},
	}
	for _, tt := range tests {
		got, err := visibleText(tt.in, tt.mode)
		switch {
		case tt.err != "":
			if err == nil || err.Description != "Bad Request: can't parse entities: "+tt.err {
				t.Errorf("%s %q: got %q, %v; want error %q", tt.mode, tt.in, got, err, tt.err)
			}
		case err != nil:
			t.Errorf("%s %q: %s", tt.mode, tt.in, err.Description)
		case got != tt.want:
			t.Errorf("%s %q = %q, want %q", tt.mode, tt.in, got, tt.want)
		}
	}
	if _, err := visibleText("\xff", ""); err == nil || !strings.Contains(err.Description, "UTF-8") {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

func TestUTF16Len(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"": 0, "abc": 3, "яма": 3, "😀": 2, "a😀б": 4} {
		if got := utf16Len(s); got != want {
			t.Errorf("utf16Len(%q) = %d, want %d", s, got, want)
		}
	}
}
